"""Hypothesis strategies for *half-determined* columns: a column that other columns of its row
decide where they are set, and that holds values of its own where they are not.

A real database had a NOT NULL text column spelling a nullable integer of its row (``'1'``,
``'2'``, ...) and a letter code where the integer was NULL (``'R'`` 35 %, ``'F'``, ``'W'``...).
A rule that computed the column from the integer wrote NULL there, and the synthetic database
failed to write (issue #21). These strategies generate such columns, with NOT NULL and CHECK
variants, so that a fuzz suite can ask of any rule: is every value it writes one its column
accepts, and does the column's own model decide where the operands do not?

Three families (each a few columns of one table):

* ``spelled``: ``num INTEGER`` (NULL on a share of rows) and ``code VARCHAR`` = ``num`` written
  out (optionally with a prefix, zero-padded) where ``num`` is set, a small letter code where not;
* ``sum``: ``a``, ``b`` (``b`` NULL on a share of rows) and ``total = a + b`` where both are set,
  a value of its own (a flat fee) where not; INTEGER or DECIMAL(10,2);
* ``gap``: ``d0 DATE`` (NULL on a share of rows) and ``d1 = d0 + a gap of days`` where set, a
  date of its own where not.

The target is NOT NULL or not, and may carry a CHECK the real values meet. The operand's NULL
share runs from rare (0.5 %, under the rules' 1 % tolerance) to most rows.

Use: ``half_determined_tables()`` draws a :class:`HalfDeterminedTable`; :func:`write` creates it
as a DuckDB file; each :class:`Identity` says, in SQL over the table's rows, where its rule
applies (``determined``) and what it computes there (``holds``), so a test can check a synthetic
copy (for a rule the fitted model reports, ``DatabaseModel.computed_columns()``). Load this file
by path (``importlib.util.spec_from_file_location``; ``tests`` is not a package).

>>> from hypothesis import find, settings
>>> t = find(half_determined_tables(min_rows=40, max_rows=40, families=("spelled",)), lambda t: len(t.identities) == 2,
...          settings=settings(database=None))
>>> t.rows, [i.column for i in t.identities], t.ddl.startswith('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY')
(40, ['f0_code', 'f1_code'], True)
"""


import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

FAMILIES = ("spelled", "sum", "gap")
LETTERS = "RFWDNQX"
_DAY0 = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Identity:
    """What a rule may compute: ``column`` equals ``holds`` wherever ``determined`` (SQL over the row)."""

    family: str  # one of FAMILIES
    column: str
    determined: str  # the operands are set: the rule decides the value
    holds: str  # true where the column is what the rule computes (the real rows meet it wherever determined)
    not_null: bool
    check: str | None  # the target's CHECK, if any (a rule skips a CHECKed column, or keeps it)


@dataclass(frozen=True)
class HalfDeterminedTable:
    name: str
    ddl: str  # one CREATE TABLE, an INTEGER primary key "id" first
    columns: dict[str, pa.Array]  # in DDL order
    identities: tuple[Identity, ...]

    @property
    def rows(self) -> int:
        return len(self.columns["id"])


@dataclass(frozen=True)
class _Family:
    sql: tuple[str, ...]  # column definitions
    columns: dict[str, pa.Array]
    identity: Identity


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unset(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Rows whose operand is NULL: about ``share`` of them, at least one."""
    mask = rng.random(n) < share
    mask[rng.integers(n)] = True
    return mask


def _own_codes(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n`` draws of ``k`` letter codes, the first far more frequent (``'R'`` 35 % and the like)."""
    weights = rng.dirichlet(np.linspace(k, 1, k))
    return rng.choice(np.array(list(LETTERS[:k]), dtype=object), n, p=weights)


def _spelled(rng, n: int, tag: str, share: float, not_null: bool, checked: bool) -> _Family:
    num, code = f"{tag}_num", f"{tag}_code"
    prefix = str(rng.choice(["", "", "P", "NO-"]))
    width = int(rng.choice([0, 0, 3]))
    values = rng.integers(1, int(rng.choice([40, 150])), n)  # categories, not language-model text: fast
    unset = _unset(rng, n, share)
    spelled = np.array([prefix + (str(v).zfill(width) if width else str(v)) for v in values], dtype=object)
    text = np.where(unset, _own_codes(rng, n, int(rng.integers(1, 7))), spelled)
    longest = max(len(t) for t in text)
    check = f"length({_q(code)}) <= {longest}" if checked else None
    digits = f"lpad(CAST({_q(num)} AS VARCHAR), {width}, '0')" if width else f"CAST({_q(num)} AS VARCHAR)"
    return _Family(
        (f"{_q(num)} INTEGER", f"{_q(code)} VARCHAR" + (" NOT NULL" if not_null else "") + (f" CHECK ({check})" if check else "")),
        {num: pa.array(values, pa.int32(), mask=unset), code: pa.array(text, pa.string())},
        Identity("spelled", code, f"{_q(num)} IS NOT NULL", f"{_q(code)} = '{prefix}' || {digits}", not_null, check))


def _sum(rng, n: int, tag: str, share: float, not_null: bool, checked: bool) -> _Family:
    a, b, total = f"{tag}_a", f"{tag}_b", f"{tag}_total"
    decimal = bool(rng.random() < 0.4)
    left, right = rng.integers(10, 400, n), rng.integers(1, 60, n)
    unset = _unset(rng, n, share)
    fee = rng.choice([0, 500, 750, 1000], n, p=[0.1, 0.5, 0.3, 0.1])  # its own values: a flat fee
    value = np.where(unset, fee, left + right)
    check = f"{_q(total)} >= 0" if checked else None
    kind = "DECIMAL(10,2)" if decimal else "INTEGER"

    def typed(v, mask=None):
        if decimal:  # cents: the sum is exact at the column's scale
            return pa.array([Decimal(int(x)) / 4 for x in v], pa.decimal128(10, 2), mask=mask)
        return pa.array(v, pa.int32(), mask=mask)

    return _Family(
        (f"{_q(a)} {kind} NOT NULL", f"{_q(b)} {kind}",
         f"{_q(total)} {kind}" + (" NOT NULL" if not_null else "") + (f" CHECK ({check})" if check else "")),
        {a: typed(left), b: typed(right, unset), total: typed(value)},
        Identity("sum", total, f"{_q(b)} IS NOT NULL", f"{_q(total)} = {_q(a)} + {_q(b)}", not_null, check))


def _gap(rng, n: int, tag: str, share: float, not_null: bool, checked: bool) -> _Family:
    d0, d1 = f"{tag}_d0", f"{tag}_d1"
    start = rng.integers(0, 3000, n)
    unset = _unset(rng, n, share)
    own = rng.integers(0, 6000, n)  # a date of its own, anywhere in the span
    end = np.where(unset, own, start + rng.integers(1, 31, n))
    check = f"{_q(d1)} >= DATE '{_DAY0.isoformat()}'" if checked else None

    def days(v, mask=None):  # days after _DAY0
        since_epoch = v + (_DAY0 - dt.date(1970, 1, 1)).days
        return pa.array(since_epoch.astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())

    return _Family(
        (f"{_q(d0)} DATE", f"{_q(d1)} DATE" + (" NOT NULL" if not_null else "") + (f" CHECK ({check})" if check else "")),
        {d0: days(start, unset), d1: days(end)},
        Identity("gap", d1, f"{_q(d0)} IS NOT NULL", f"{_q(d1)} - {_q(d0)} BETWEEN 1 AND 30", not_null, check))


_BUILDERS = {"spelled": _spelled, "sum": _sum, "gap": _gap}


@st.composite
def half_determined_tables(draw, name: str = "t", min_rows: int = 60, max_rows: int = 600,
                           families=FAMILIES, max_families: int = 3) -> HalfDeterminedTable:
    """A table of ``min_rows`` to ``max_rows`` rows with one to ``max_families`` half-determined
    families drawn from ``families``, each NOT NULL or not, CHECKed or not, its operand NULL on
    a share from 0.5 % to 70 % of the rows. The values come from a seeded generator (the seed is
    drawn, so Hypothesis shrinks towards small seeds and few rows)."""
    n = draw(st.integers(min_rows, max_rows))
    kinds = draw(st.lists(st.sampled_from(tuple(families)), min_size=1, max_size=max_families))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    built = []
    for i, kind in enumerate(kinds):
        share = draw(st.sampled_from([0.005, 0.05, 0.3, 0.45, 0.7]))
        not_null, checked = draw(st.booleans()), draw(st.booleans())
        built.append(_BUILDERS[kind](rng, n, f"f{i}", share, not_null, checked))
    columns = {"id": pa.array(np.arange(n, dtype=np.int32))}
    definitions = ['"id" INTEGER PRIMARY KEY']
    for family in built:
        definitions += family.sql
        columns |= family.columns
    ddl = f"CREATE TABLE {_q(name)} ({', '.join(definitions)});"
    return HalfDeterminedTable(name, ddl, columns, tuple(f.identity for f in built))


def write(path: Path, table: HalfDeterminedTable) -> Path:
    """The table as a DuckDB file at ``path`` (plain DuckDB: its DDL, then its rows)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(table.ddl)
        con.register("__rows", pa.table(table.columns))
        con.execute(f"INSERT INTO {_q(table.name)} SELECT * FROM __rows")
    finally:
        con.close()
    return path


def violations(con: duckdb.DuckDBPyConnection, table: HalfDeterminedTable, identity: Identity) -> int:
    """Rows of ``table`` in ``con`` whose operands are set but whose column breaks the rule."""
    return con.execute(f"SELECT count(*) FROM {_q(table.name)} WHERE ({identity.determined})"
                       f" AND NOT coalesce({identity.holds}, FALSE)").fetchone()[0]
