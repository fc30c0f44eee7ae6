"""CHECKs declared in a sidecar: the synthetic rows meet them, a private fit takes their bounds as
public, and the written DDL leaves them out (the source's did)."""

import datetime as dt

import duckdb
import numpy as np
import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel

SIDECAR = """
[[checks]]
table = "orders"
check = "Placed BETWEEN DATE '1996-01-01' AND DATE '1998-12-31'"

[[checks]]
table = "orders"
check = "shipped >= placed"
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    rng = np.random.default_rng(3)
    path = tmp_path_factory.mktemp("logical") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, placed DATE NOT NULL, shipped DATE, freight DECIMAL(10, 2))")
    n = 3000
    placed = [dt.date(1996, 7, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 670, n)]
    # shipped is loose (up to a year): the gap rule does not take it, so only the CHECK keeps the order
    shipped = [p + dt.timedelta(days=int(g)) if g < 360 else None for p, g in zip(placed, rng.integers(0, 380, n))]
    freight = np.round(rng.lognormal(3, 1, n), 2)
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                    [(i, p, s, float(f)) for i, (p, s, f) in enumerate(zip(placed, shipped, freight))])
    con.close()
    sidecar = path.with_suffix(".toml")
    sidecar.write_text(SIDECAR)
    return path, sidecar


def _orders(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT placed, shipped FROM orders").fetchall()
        checks = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'CHECK'").fetchone()[0]
    finally:
        con.close()
    return rows, checks


@pytest.mark.parametrize("epsilon", [None, 1.0])
def test_sidecar_checks_hold_in_the_output_but_not_in_its_ddl(source, tmp_path, epsilon):
    path, sidecar = source
    model = DatabaseModel(seed=2, iters=200, epsilon=epsilon).fit(path, sidecar=sidecar)
    model.sample(tmp_path / "out.duckdb", seed=1)
    rows, checks = _orders(tmp_path / "out.duckdb")
    assert checks == 0 and len(rows) > 1000
    assert all(dt.date(1996, 1, 1) <= p <= dt.date(1998, 12, 31) for p, _ in rows)
    assert all(s is None or s >= p for p, s in rows)
    assert any(s is not None for _, s in rows)
    model.save(tmp_path / "m")
    again = DatabaseModel.load(tmp_path / "m")
    again.sample(tmp_path / "again.duckdb", seed=1)
    assert _orders(tmp_path / "again.duckdb") == (rows, 0)


def test_a_private_fit_takes_a_declared_range_as_public(source):
    path, sidecar = source
    declared = DatabaseModel(seed=2, iters=200, epsilon=1.0).fit(path, sidecar=sidecar)
    undeclared = DatabaseModel(seed=2, iters=200, epsilon=1.0).fit(path)

    def domain(model, column):  # the range the fitted codec decodes into, in days since 1970
        codec = next(c for c in model.tables_["orders"].model.codecs_ if c.spec.name == column)
        return codec.lo, codec.hi

    lo, hi = (dt.date(1996, 1, 1) - dt.date(1970, 1, 1)).days, (dt.date(1998, 12, 31) - dt.date(1970, 1, 1)).days
    # declared: the search for placed's range starts from the declared span, so it ends inside it
    assert lo - 1 <= domain(declared, "placed")[0] < domain(declared, "placed")[1] <= hi + 1
    # undeclared it starts from the public +-300 years, in 1.2-year cells: it cannot end inside
    assert not lo - 1 <= domain(undeclared, "placed")[0] < domain(undeclared, "placed")[1] <= hi + 1
    # shipped is not bounded by the CHECK shipped >= placed: since dp27f the private fit tells it
    # as a gap to placed (dp/private_offsets.py), clipped to the public window of 0..366 days
    assert "shipped" not in {c.spec.name for c in declared.tables_["orders"].model.codecs_}
    gap_lo, gap_hi = domain(declared, "+shipped")
    assert 0 <= gap_lo < gap_hi <= 367
