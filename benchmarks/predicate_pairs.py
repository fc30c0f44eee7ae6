"""Do the predicates a query combines keep their real correlation on the clone?

``WHERE brand = 'X' AND container = 'Y' AND quantity < 10`` counts the rows that pass all three
tests; a clone whose columns each have the right shape can still miss that count when the tests
are correlated in the real rows and not in the model (two columns the per-table model does not
join, or a child's column and its parent's). This script makes such tests from the real data and
measures, for every conjunction of two (and a sample of three) of them, the *lift*

    lift = sel(A and B) / (sel(A) * sel(B))

— 1 where the tests are independent — on the real and the synthetic rows, with the same
constants on both sides. Three kinds: two columns of one table, a child's column and a column of
the parent its foreign key points to (the rows joined), three columns of one table.

A test is ``col = v`` for each value holding 5–95 % of a column's rows (at most 6 a column), or
``col <= q25`` / ``col > q75`` of a numeric or date column's real quartiles. A conjunction is
counted where the real rows hold at least ``--min-rows`` of it and each of its tests holds on some
synthetic row (a name the clone generates rather than copies is a column's miss, not a lost
correlation); a parent column of one value per parent row (a name, an address) makes no test.
The error of a conjunction is
``|lift_synth / lift_real - 1|``: a query counting the conjunction's rows is off by that much
beyond what its single tests are off by. Two references beside the clone: *independent* (lift 1,
what a model that joins none of the columns gives) and *real half* (the same error between two
random halves of the real rows — of the parents, for a child and its parent, since a parent's
children share its value — ÷√2: what another real sample of the same size gives, the floor).

    python -m benchmarks.predicate_pairs REAL.duckdb SYNTH.duckdb [--min-rows 30] [--worst 8]
"""

from __future__ import annotations

import argparse
import itertools
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.connection import connect
from amalgam_rel.schema.duckdb_reader import read_duckdb

MAX_VALUES = 6
MAX_ROWS = 200_000  # a larger table is measured on a repeatable sample of its rows
MAX_TRIPLES = 3000
SPLIT = "+split"  # the joined rows' parent, hashed: the real halves split parents, not their rows


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read(con, sql: str) -> dict[str, np.ndarray]:
    """Columns as arrays: a number, date or time as a float (NaN where NULL), anything else as text."""
    table = con.execute(sql).to_arrow_table()
    out = {}
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            col = pc.cast(pc.cast(col, pa.timestamp("s")) if pa.types.is_date(t) else col, pa.int64())
            t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            out[name] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            out[name] = np.array([None if v is None else str(v) for v in col.to_pylist()], dtype=object)
    return out


def _keys(db, table: str) -> set[str]:
    t = db.table(table)
    keys = set(t.primary_key)
    for fk in db.foreign_keys:
        if fk.table == table:
            keys |= set(fk.columns)
        if fk.ref_table == table:
            keys |= set(fk.ref_columns)
    return keys


def make_tests(frame: dict[str, np.ndarray]) -> list[tuple[str, str, object]]:
    """(column, op, constant) tests from the real rows: frequent values and outer quartiles."""
    tests = []
    for col, s in frame.items():
        n = len(s)
        filled = s[~np.isnan(s)] if s.dtype != object else s[s != None]  # noqa: E711
        if n == 0 or len(filled) < 20:
            continue
        values, counts = np.unique(filled, return_counts=True)
        if s.dtype == object or len(values) <= MAX_VALUES:
            if s.dtype == object and len(values) > 0.5 * n:
                continue  # text of its own per row: no value to test
            for k in np.argsort(-counts, kind="stable")[:MAX_VALUES]:
                if 0.05 <= counts[k] / n <= 0.95:
                    tests.append((col, "=", values[k]))
            continue
        q25, q75 = np.quantile(filled, [0.25, 0.75])
        tests += [(col, "<=", float(q25)), (col, ">", float(q75))]
    return tests


def apply(frame: dict[str, np.ndarray], test) -> np.ndarray:
    col, op, value = test
    s = frame[col]
    if op == "=":
        return np.asarray(s == value, dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.asarray(s <= value if op == "<=" else s > value, dtype=bool)


def lifts(masks: np.ndarray, combos: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Lift and joint row count of each combination of test columns of ``masks`` (rows x tests)."""
    m = masks.astype(np.float64)
    n = max(len(m), 1)
    single = m.mean(axis=0)
    out, rows = np.full(len(combos), np.nan), np.zeros(len(combos))
    for k, combo in enumerate(combos):
        joint = m[:, list(combo)].prod(axis=1)
        rows[k] = joint.sum()
        expected = np.prod(single[list(combo)])
        if expected > 0:
            out[k] = joint.sum() / n / expected
    return out, rows


def _errors(real: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``|other / real - 1|``, 1 where either lift is undefined (a test no row of that side passes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.abs(other / real - 1)
    return np.where(np.isfinite(e), e, 1.0)


def measure(real: dict, synth: dict, tests, combos, min_rows: int, rng) -> dict | None:
    """Errors of the clone, of independence and between real halves, over the kept combinations.

    A combination with a test no synthetic row passes (a name the clone generates, never
    copies) is left out: that is a single column's miss, not a lost correlation."""
    mr = np.stack([apply(real, t) for t in tests], 1)
    ms = np.stack([apply(synth, t) for t in tests], 1)
    lr, rows = lifts(mr, combos)
    present = ms.any(axis=0)
    keep = (rows >= min_rows) & np.isfinite(lr) & np.array([present[list(c)].all() for c in combos])
    if not keep.any():
        return None
    combos = [c for c, k in zip(combos, keep) if k]
    lr = lr[keep]
    ls, _ = lifts(ms, combos)
    half = (real[SPLIT] % 2 == 0) if SPLIT in real else rng.random(len(mr)) < 0.5
    l0, _ = lifts(mr[half], combos)
    l1, _ = lifts(mr[~half], combos)
    return {"n": len(combos), "clone": _errors(lr, ls), "independent": _errors(lr, np.ones_like(lr)),
            "half": _errors(l0, l1) / math.sqrt(2), "combos": combos, "lift_real": lr, "lift_synth": ls}


def _frame(con, db, table: str, columns: list[str] | None = None) -> dict:
    keys = _keys(db, table)
    cols = [c.name for c in db.table(table).columns if c.name not in keys] if columns is None else columns
    if not cols:
        return {}
    sample = f" USING SAMPLE {MAX_ROWS} ROWS (reservoir, 7)"
    return _read(con, f"SELECT {', '.join(_q(c) for c in cols)} FROM {_q(table)}{sample}")


def parent_columns(con, db, fk) -> list[str]:
    """The parent's columns to test: not keys, nor of one value per parent row (a name, an
    address: no test a query repeats)."""
    keys = _keys(db, fk.ref_table)
    return [c.name for c in db.table(fk.ref_table).columns if c.name not in keys
            and con.execute(f"SELECT count(DISTINCT {_q(c.name)}) <= 0.5 * count(*) FROM {_q(fk.ref_table)}").fetchone()[0]]


def _joined(con, db, fk, pcols: list[str]) -> dict:
    child_keys = _keys(db, fk.table)
    cc = [c.name for c in db.table(fk.table).columns if c.name not in child_keys]
    if not cc or not pcols:
        return {}
    on = " AND ".join(f"c.{_q(a)} = p.{_q(b)}" for a, b in zip(fk.columns, fk.ref_columns))
    key = ", ".join(f"p.{_q(c)}" for c in fk.ref_columns)
    select = ([f"c.{_q(c)}" for c in cc] + [f"p.{_q(c)} AS {_q('^' + c)}" for c in pcols]
              + [f"hash({key}) % 1000 AS {_q(SPLIT)}"])
    return _read(con, f"SELECT {', '.join(select)} FROM {_q(fk.table)} c JOIN {_q(fk.ref_table)} p ON {on}"
                      f" USING SAMPLE {MAX_ROWS} ROWS (reservoir, 7)")


def _rows(frame: dict[str, np.ndarray]) -> int:
    return len(next(iter(frame.values()))) if frame else 0


def run(real_path: str, synth_path: str, min_rows: int, seed: int = 0) -> dict[str, list[dict]]:
    rng = np.random.default_rng(seed)
    real, synth = connect(real_path, read_only=True), connect(synth_path, read_only=True)
    db = read_duckdb(real)
    found: dict[str, list[dict]] = {"same table": [], "child x parent": [], "three, same table": []}
    for table in db.table_names:
        fr, fs = _frame(real, db, table), _frame(synth, db, table)
        if not fr or _rows(fr) < 2 * min_rows:
            continue
        tests = make_tests(fr)
        pairs = [c for c in itertools.combinations(range(len(tests)), 2) if tests[c[0]][0] != tests[c[1]][0]]
        if pairs and (r := measure(fr, fs, tests, pairs, min_rows, rng)):
            found["same table"].append({"where": table, **r, "tests": tests})
        triples = [c for c in itertools.combinations(range(len(tests)), 3) if len({tests[i][0] for i in c}) == 3]
        if len(triples) > MAX_TRIPLES:
            triples = [triples[i] for i in sorted(rng.choice(len(triples), MAX_TRIPLES, replace=False))]
        if triples and (r := measure(fr, fs, tests, triples, min_rows, rng)):
            found["three, same table"].append({"where": table, **r, "tests": tests})
    for fk in db.foreign_keys:
        if fk.is_self_reference:
            continue
        pcols = parent_columns(real, db, fk)
        fr, fs = _joined(real, db, fk, pcols), _joined(synth, db, fk, pcols)
        if not fr or _rows(fr) < 2 * min_rows:
            continue
        child = make_tests({c: v for c, v in fr.items() if not c.startswith("^") and c != SPLIT})
        parent = make_tests({c: v for c, v in fr.items() if c.startswith("^")})
        tests = child + parent
        pairs = [(i, len(child) + j) for i in range(len(child)) for j in range(len(parent))]
        if pairs and (r := measure(fr, fs, tests, pairs, min_rows, rng)):
            found["child x parent"].append({"where": f"{fk.table} -> {fk.ref_table}", **r, "tests": tests})
    real.close()
    synth.close()
    return found


def summary(found: dict[str, list[dict]]) -> list[tuple]:
    """Per kind: conjunctions, and the median / 90th percentile error of clone, independence, real half."""
    rows = []
    for kind, parts in found.items():
        if not parts:
            continue
        cat = {k: np.concatenate([p[k] for p in parts]) for k in ("clone", "independent", "half")}
        rows.append((kind, len(cat["clone"]), *[(float(np.median(cat[k])), float(np.quantile(cat[k], 0.9)))
                                                 for k in ("clone", "independent", "half")]))
    return rows


def worst(found: dict[str, list[dict]], top: int) -> list[str]:
    """The conjunctions the clone misses most beyond the real-half noise."""
    out = []
    for kind, parts in found.items():
        for p in parts:
            for k, combo in enumerate(p["combos"]):
                excess = p["clone"][k] - 3 * p["half"][k]
                text = " AND ".join(f"{p['tests'][i][0]} {p['tests'][i][1]} {p['tests'][i][2]!s:.20}" for i in combo)
                out.append((excess, f"{kind} {p['where']}: {text}: lift real {p['lift_real'][k]:.2f}, "
                                    f"clone {p['lift_synth'][k]:.2f}, half-noise {p['half'][k]:.2f}"))
    return [t for _, t in sorted(out, reverse=True)[:top]]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("real")
    ap.add_argument("synth")
    ap.add_argument("--min-rows", type=int, default=30, help="real rows a conjunction must hold to be counted")
    ap.add_argument("--worst", type=int, default=8, help="list this many conjunctions missed most beyond noise")
    args = ap.parse_args(argv)
    found = run(args.real, args.synth, args.min_rows)
    print("| conjunctions | count | clone median / p90 | independent median / p90 | real half (÷√2) median / p90 |")
    print("|---|---|---|---|---|")
    for kind, n, c, i, h in summary(found):
        print(f"| {kind} | {n} | {c[0]:.3f} / {c[1]:.3f} | {i[0]:.3f} / {i[1]:.3f} | {h[0]:.3f} / {h[1]:.3f} |")
    beyond = sum(int(np.sum(p["clone"] > 3 * p["half"] + 0.1)) for parts in found.values() for p in parts)
    print(f"conjunctions missed by more than 3x the half-noise + 0.1: {beyond}")
    for line in worst(found, args.worst):
        print("  " + line)


if __name__ == "__main__":
    main()
