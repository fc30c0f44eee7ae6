"""A random subset of a database that keeps referential integrity: the baseline "synthesizer".

Each row of every table is kept with probability ``fraction`` (a fixed hash of its rowid and
the seed); then, until nothing changes, every parent row referenced by a kept child row is
kept too, so no FK (declared or logical, self-references included) is orphaned. Leaf tables
keep ``fraction`` of their rows, parents more. Children per parent drop roughly by
``fraction``, so cardinality and child-aggregate detection rightly notice the subset.

The copy has the same tables, columns and types but declares no constraints.

>>> import os, tempfile
>>> from amalgam_rel.connection import connect
>>> d = tempfile.mkdtemp(); src = os.path.join(d, "a.duckdb"); dst = os.path.join(d, "b.duckdb")
>>> con = connect(src); _ = con.execute("CREATE TABLE t AS SELECT range AS id FROM range(1000)"); con.close()
>>> 400 < random_subset(src, dst)["t"] < 600
True
"""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from amalgam_rel.connection import connect
from amalgam_rel.errors import InputError, OutputError
from amalgam_rel.evaluation.cardinality import join_on
from amalgam_rel.evaluation.features import fn
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.model import Database


def random_subset(src: str | Path, dst: str | Path, fraction: float = 0.5, seed: int = 0,
                  schema: Database | None = None) -> dict[str, int]:
    """Write the subset of ``src`` to the new file ``dst``; returns rows kept per table."""
    if Path(dst).exists():
        raise OutputError(f"{dst} exists; refusing to overwrite it")
    if schema is None:
        probe = open_duckdb(src)
        schema = read_duckdb(probe)
        probe.close()
    hidden = [t.key for t in schema.tables if t.has_column("rowid")]
    if hidden:  # the subset knows rows by DuckDB's row ids
        raise InputError(f"table {hidden[0]!r} of {src} has a column named rowid, which hides DuckDB's row ids "
                         "that the random subset keeps rows by")
    con = connect()
    try:
        for alias, path, options in (("src", src, [exp.AttachOption(this=exp.var("READ_ONLY"))]), ("dst", dst, [])):
            con.execute(exp.Attach(this=exp.alias_(exp.Literal.string(str(path)), sql.ident(alias)),
                                   expressions=options).sql(sql.DIALECT))
        keep = {t.key: f"keep_{i}" for i, t in enumerate(schema.tables)}
        for t in schema.tables:
            chosen = exp.LT(this=exp.Mod(this=fn("hash", exp.column("rowid"), exp.Literal.number(seed)),
                                         expression=exp.Literal.number(1_000_000)),
                            expression=exp.Literal.number(int(fraction * 1_000_000)))
            q = exp.select(exp.column("rowid").as_("rid")).from_(_ref(schema, "src", t.key)).where(chosen)
            temp = exp.Properties(expressions=[exp.TemporaryProperty()])
            con.execute(exp.Create(this=sql.table_ref(keep[t.key]), kind="TABLE", expression=q, properties=temp).sql(sql.DIALECT))
        while sum(_close(con, schema, fk, keep) for fk in schema.foreign_keys):
            pass
        out = {}
        for s in {t.schema for t in schema.tables} - {"main"}:
            con.execute(exp.Create(this=exp.Table(this=sql.ident(s), catalog=sql.ident("dst")), kind="SCHEMA",
                                   exists=True).sql(sql.DIALECT))
        for t in schema.tables:
            kept = exp.select("rid").from_(sql.table_ref(keep[t.key]))
            rows = (exp.select(exp.Star()).from_(_ref(schema, "src", t.key))
                    .where(exp.In(this=exp.column("rowid"), query=kept.subquery())).order_by("rowid"))
            con.execute(exp.Create(this=_ref(schema, "dst", t.key), kind="TABLE", expression=rows).sql(sql.DIALECT))
            out[t.key] = int(con.execute(exp.select(exp.Count(this=exp.Star())).from_(_ref(schema, "dst", t.key)).sql(sql.DIALECT)).fetchone()[0])
        return out
    finally:
        con.close()


def _ref(schema: Database, catalog: str, key: str, alias: str | None = None) -> exp.Expression:
    t = schema.table(key)
    node = exp.Table(this=sql.ident(t.name), db=sql.ident(t.schema), catalog=sql.ident(catalog))
    return node.as_(sql.ident(alias)) if alias else node


def _close(con, schema: Database, fk, keep: dict[str, str]) -> int:
    """Keep every parent row that a kept child row references; returns how many were added."""
    kept_child = exp.select(exp.Literal.number(1)).from_(_ref(schema, "src", fk.table, "c")).join(
        sql.table_ref(keep[fk.table], alias="k"), on=exp.EQ(this=sql.column("rowid", "c"), expression=sql.column("rid", "k"))
    ).where(join_on(fk, "c", "p"))
    already = exp.select("rid").from_(sql.table_ref(keep[fk.ref_table]))
    q = exp.select(sql.column("rowid", "p")).from_(_ref(schema, "src", fk.ref_table, "p")).where(
        exp.and_(exp.Exists(this=kept_child), exp.Not(this=exp.In(this=sql.column("rowid", "p"), query=already.subquery())))
    )
    insert = exp.Insert(this=sql.table_ref(keep[fk.ref_table]), expression=q)
    return int(con.execute(insert.sql(sql.DIALECT)).fetchone()[0])
