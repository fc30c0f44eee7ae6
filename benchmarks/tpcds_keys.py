"""TPC-DS with its keys declared: a star schema of 24 tables and 104 foreign keys.

DuckDB's ``tpcds`` extension (``CALL dsdgen(sf=0.01)``, from the ``duckdb-extension-tpcds``
wheel) writes the tables without a single key, so synthesis sees 24 unrelated tables. This
copies them with what dsdgen's names say: each dimension's first ``*_sk`` column as its primary
key (where it is unique and never NULL), each fact table's ticket/order key with its item as a
composite one, and every other ``*_sk`` column as a foreign key to the dimension its name ends
with (``ss_sold_date_sk`` -> ``date_dim``, ``c_current_cdemo_sk`` -> ``customer_demographics``);
a key whose values the dimension lacks is left undeclared and reported.

    python benchmarks/tpcds_keys.py TPCDS.duckdb KEYED.duckdb
    amalgam-rel synth KEYED.duckdb -o out.duckdb --report report.html
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import networkx as nx
from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.schema import sql

DIMENSIONS = {"date": "date_dim", "time": "time_dim", "item": "item", "customer": "customer",
              "cdemo": "customer_demographics", "hdemo": "household_demographics", "addr": "customer_address",
              "store": "store", "promo": "promotion", "call_center": "call_center", "catalog_page": "catalog_page",
              "ship_mode": "ship_mode", "warehouse": "warehouse", "web_page": "web_page", "site": "web_site",
              "reason": "reason", "income_band": "income_band"}
COMPOSITE = {"store_sales": ("ss_item_sk", "ss_ticket_number"), "store_returns": ("sr_item_sk", "sr_ticket_number"),
             "catalog_sales": ("cs_item_sk", "cs_order_number"), "catalog_returns": ("cr_item_sk", "cr_order_number"),
             "web_sales": ("ws_item_sk", "ws_order_number"), "web_returns": ("wr_item_sk", "wr_order_number"),
             "inventory": ("inv_date_sk", "inv_item_sk", "inv_warehouse_sk")}


def _scalar(con, query: exp.Expression):
    return con.execute(sql.render(query)).fetchone()


def _all_distinct(con, table: str, columns: tuple[str, ...]) -> bool:
    """Whether ``columns`` could be the table's primary key: distinct and never NULL."""
    cols = [sql.column(c) for c in columns]
    key = cols[0] if len(cols) == 1 else exp.Tuple(expressions=cols)
    n, distinct, *present = _scalar(con, exp.select(
        exp.Count(this=exp.Star()), exp.Count(this=exp.Distinct(expressions=[key])),
        *(exp.Count(this=c) for c in cols)).from_(sql.table_ref(table)))
    return n == distinct and all(p == n for p in present)


def _orphans(con, table: str, column: str, dim: str, key: str) -> int:
    inner = exp.select(sql.column(key)).from_(sql.table_ref(dim))
    query = exp.select(exp.Count(this=exp.Star())).from_(sql.table_ref(table)).where(
        exp.and_(exp.Not(this=exp.Is(this=sql.column(column), expression=exp.Null())),
                 exp.Not(this=exp.In(this=sql.column(column), query=exp.Subquery(this=inner)))))
    return _scalar(con, query)[0]


def plan_keys(con) -> tuple[dict[str, tuple[str, ...]], dict[str, list[tuple[str, str]]], list[str]]:
    """Primary keys, foreign keys (column, dimension) per table, and what was left undeclared."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    columns = {t: [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                             "ORDER BY column_index", [t]).fetchall()] for t in tables}
    primary, skipped = {}, []
    for t in tables:
        first = columns[t][0]
        if first.endswith("_sk") and _all_distinct(con, t, (first,)):
            primary[t] = (first,)
        elif t in COMPOSITE and _all_distinct(con, t, COMPOSITE[t]):
            primary[t] = COMPOSITE[t]
    foreign = {t: [] for t in tables}
    for t in tables:
        for c in columns[t]:
            if not c.endswith("_sk") or primary.get(t) == (c,):
                continue
            stem = c.split("_", 1)[1][: -len("_sk")]
            match = max((k for k in DIMENSIONS if stem.endswith(k)), key=len, default=None)
            dim = DIMENSIONS.get(match)
            if dim is None or dim == t or dim not in primary or len(primary[dim]) != 1:
                skipped.append(f"{t}.{c}: no dimension")
                continue
            bad = _orphans(con, t, c, dim, primary[dim][0])
            if bad:
                skipped.append(f"{t}.{c} -> {dim}: {bad} values the dimension lacks")
                continue
            foreign[t].append((c, dim))
    return primary, foreign, skipped


def write_keyed(source: Path, target: Path) -> tuple[int, int, list[str]]:
    src = connect(source, read_only=True)
    primary, foreign, skipped = plan_keys(src)
    types = {(t, c): ty for t, c, ty in src.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() ORDER BY table_name, column_index").fetchall()}
    src.close()
    graph = nx.DiGraph()  # referenced tables first
    graph.add_nodes_from(foreign)
    graph.add_edges_from((d, t) for t in foreign for _, d in foreign[t])
    try:
        order = [t for t in nx.topological_sort(graph) if t in foreign]
    except nx.NetworkXUnfeasible:  # dsdgen's names never make a cycle; another schema's might
        cycle = sorted({u for u, _ in nx.find_cycle(graph)})
        raise ValueError(f"the keys form a cycle among {', '.join(cycle)}") from None
    target.unlink(missing_ok=True)
    con = connect(target)
    con.execute(f"ATTACH {exp.Literal.string(str(source)).sql('duckdb')} AS src (READ_ONLY)")
    for t in order:
        # every surrogate key BIGINT: dsdgen mixes INTEGER and BIGINT, and a foreign key needs equal types
        defs = [exp.ColumnDef(this=sql.ident(c), kind=exp.DataType.build("BIGINT" if c.endswith("_sk") else ty))
                for (tt, c), ty in types.items() if tt == t]
        if t in primary:
            defs.append(exp.PrimaryKey(expressions=[sql.ident(c) for c in primary[t]]))
        for c, dim in foreign[t]:
            defs.append(exp.ForeignKey(expressions=[sql.ident(c)], reference=exp.Reference(
                this=exp.Schema(this=exp.Table(this=sql.ident(dim)), expressions=[sql.ident(primary[dim][0])]))))
        con.execute(sql.render(exp.Create(this=exp.Schema(this=exp.Table(this=sql.ident(t)), expressions=defs),
                                          kind="TABLE")))
        con.execute(sql.render(exp.insert(exp.select(exp.Star()).from_(exp.Table(this=sql.ident(t), db=sql.ident("src"))),
                                          exp.Table(this=sql.ident(t)))))
    con.close()
    return len(primary), sum(len(v) for v in foreign.values()), skipped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="a TPC-DS DuckDB database without keys")
    ap.add_argument("target", type=Path, help="the keyed copy to write (replaced)")
    args = ap.parse_args(argv)
    if not args.source.is_file():
        ap.error(f"{args.source}: no such database (build one with the tpcds extension: CALL dsdgen(sf=0.01))")
    try:
        n_primary, n_foreign, skipped = write_keyed(args.source, args.target)
    except (duckdb.Error, ValueError) as err:
        ap.error(f"{args.source}: {str(err).splitlines()[0]}")
    print(f"wrote {args.target}: {n_primary} primary keys, {n_foreign} foreign keys")
    for line in skipped:
        print("  not declared:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
