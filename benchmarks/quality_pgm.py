"""Single-table quality of TableModel on ../shared/datasets (keys excluded).

Column shapes: KSComplement (numeric, temporal) / TVComplement (categorical, NULL a category),
as SDMetrics defines them. Pair trends: CorrelationSimilarity (1 - |r_real - r_syn| / 2,
Pearson) for numeric pairs, ContingencySimilarity (1 - TVD of the joint, numeric columns cut
into 10 equal-width bins of the real range) otherwise. Only the columns the model owns are
scored; columns it hands to the language model are listed, not scored.

    python benchmarks/quality_pgm.py                 # non-private
    python benchmarks/quality_pgm.py --epsilon 1     # (1, 1e-9)-DP
    python benchmarks/quality_pgm.py --epsilon 1 --seeds 0 1 2 3 --tables northwind.orders world.country
                                                     # mean (and spread) over seeds, chosen tables
    python benchmarks/quality_pgm.py --epsilon 1 --public-bounds benchmarks/public_bounds
                                                     # with public bounds stated in a sidecar

With ``--seeds`` every table is fitted and sampled once per seed (``TableModel(seed=s)``,
``sample(seed=s)``); the table shows the mean over seeds, the range, and the first seed's figures.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.models.codecs.scale import is_numeric_type, to_numeric
from amalgam_rel.models.table_model import TableModel
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.sidecar import apply_sidecar

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def ks_complement(real: np.ndarray, syn: np.ndarray) -> float:
    if len(real) == 0 or len(syn) == 0:
        return 1.0 if len(real) == len(syn) else 0.0
    real, syn = np.sort(real), np.sort(syn)
    grid = np.concatenate([real, syn])
    cdf_r = np.searchsorted(real, grid, side="right") / len(real)
    cdf_s = np.searchsorted(syn, grid, side="right") / len(syn)
    return 1.0 - float(np.max(np.abs(cdf_r - cdf_s)))


def _labels(arr: pa.ChunkedArray) -> np.ndarray:
    return np.array([repr(v) for v in arr.to_pylist()], dtype=object)


def tv_complement(real: np.ndarray, syn: np.ndarray) -> float:
    cats = np.unique(np.concatenate([real, syn]))
    p = np.array([(real == c).mean() for c in cats]) if len(cats) < 200 else None
    if p is None:
        r_u, r_c = np.unique(real, return_counts=True)
        s_u, s_c = np.unique(syn, return_counts=True)
        pr = dict(zip(r_u, r_c / len(real)))
        ps = dict(zip(s_u, s_c / len(syn)))
        return 1.0 - 0.5 * sum(abs(pr.get(c, 0) - ps.get(c, 0)) for c in cats)
    q = np.array([(syn == c).mean() for c in cats])
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def _discrete(real: pa.ChunkedArray, syn: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    if is_numeric_type(real.type):
        rv, rok = to_numeric(real)
        sv, sok = to_numeric(syn)
        lo, hi = (rv[rok].min(), rv[rok].max()) if rok.any() else (0.0, 1.0)
        edges = np.linspace(lo, hi, 11)[1:-1]
        r = np.where(rok, np.searchsorted(edges, rv, side="right"), -1)
        s = np.where(sok, np.searchsorted(edges, np.clip(sv, lo, hi), side="right"), -1)
        return r.astype(object), s.astype(object)
    return _labels(real), _labels(syn)


def score_table(real: pa.Table, syn: pa.Table) -> tuple[float, float | None]:
    shapes = []
    for name in syn.column_names:
        r, s = real.column(name), syn.column(name)
        if is_numeric_type(r.type):
            rv, rok = to_numeric(r)
            sv, sok = to_numeric(s)
            score = ks_complement(rv[rok], sv[sok])
            if r.null_count or s.null_count:  # MissingValueSimilarity, averaged in
                score = (score + 1 - abs(r.null_count / len(r) - s.null_count / len(s))) / 2
        else:
            score = tv_complement(_labels(r), _labels(s))
        shapes.append(score)
    pairs = []
    for a, b in itertools.combinations(syn.column_names, 2):
        ra, rb, sa, sb = real.column(a), real.column(b), syn.column(a), syn.column(b)
        if is_numeric_type(ra.type) and is_numeric_type(rb.type) and not (ra.null_count or rb.null_count):
            x, _ = to_numeric(ra)
            y, _ = to_numeric(rb)
            u, _ = to_numeric(sa)
            v, _ = to_numeric(sb)
            if np.std(x) > 0 and np.std(y) > 0:
                rr = np.corrcoef(x, y)[0, 1]
                rs = np.corrcoef(u, v)[0, 1] if np.std(u) > 0 and np.std(v) > 0 else 0.0
                pairs.append(1 - abs(rr - rs) / 2)
                continue
        xr, xs = _discrete(ra, sa)
        yr, ys = _discrete(rb, sb)
        jr = np.array([f"{p}|{q}" for p, q in zip(xr, yr)], dtype=object)
        js = np.array([f"{p}|{q}" for p, q in zip(xs, ys)], dtype=object)
        pairs.append(tv_complement(jr, js))
    return float(np.mean(shapes)), (float(np.mean(pairs)) if pairs else None)


def run(epsilon: float | None, only: list[str], seed: int, tables: list[str] = (), bounds: Path | None = None) -> list[dict]:
    rows = []
    for path in sorted(DATASETS.glob("*.duckdb")):
        if only and path.stem not in only:
            continue
        if tables and not any(t.split(".")[0] == path.stem for t in tables):
            continue
        con = open_duckdb(path)
        db = read_duckdb(con)
        if bounds is not None and (bounds / f"{path.stem}.toml").exists():
            db = apply_sidecar(db, bounds / f"{path.stem}.toml", con)
        for table in db.tables:
            if tables and f"{path.stem}.{table.name}" not in tables:
                continue
            keys = set(table.primary_key)
            for fk in db.foreign_keys_of(table.key):
                keys |= set(fk.columns)
            for fk in db.referencing(table.key):
                keys |= set(fk.ref_columns)
            data = con.sql(f'SELECT * FROM "{table.schema}"."{table.name}"').to_arrow_table()
            if data.num_rows == 0:
                continue
            t0 = time.perf_counter()
            try:
                model = TableModel(epsilon=epsilon, seed=seed).fit(data, table, exclude=tuple(keys))
            except Exception as err:  # a table with nothing to model is reported, not fatal
                rows.append({"db": path.stem, "table": table.name, "rows": data.num_rows, "error": str(err)})
                continue
            if not model.columns_:
                rows.append({"db": path.stem, "table": table.name, "rows": data.num_rows, "error": "nothing to model (keys / text only)"})
                continue
            syn = model.sample(data.num_rows, seed=seed)
            shapes, pairs = score_table(data, syn)
            seconds = time.perf_counter() - t0
            # The metric's own noise floor: a same-size bootstrap resample of the real rows.
            boot = data.select(syn.column_names).take(np.random.default_rng(seed).integers(0, data.num_rows, data.num_rows))
            b_shapes, b_pairs = score_table(data, boot)
            rows.append({"db": path.stem, "table": table.name, "rows": data.num_rows, "cols": len(model.columns_),
                         "shapes": shapes, "pairs": pairs, "seconds": seconds, "b_shapes": b_shapes, "b_pairs": b_pairs,
                         "left_out": len(model.left_out_) - len([k for k in keys if k in data.column_names])})
        con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epsilon", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="*", default=None, help="mean over these seeds (overrides --seed)")
    parser.add_argument("--only", nargs="*", default=[], help="databases")
    parser.add_argument("--tables", nargs="*", default=[], help="db.table names")
    parser.add_argument("--public-bounds", type=Path, default=None, metavar="DIR",
                        help="apply DIR/<db>.toml as a sidecar: CHECKs stating public bounds (e.g. benchmarks/public_bounds)")
    args = parser.parse_args()
    if not DATASETS.exists():
        sys.exit(f"{DATASETS} is absent")
    if args.public_bounds is not None and not args.public_bounds.is_dir():
        sys.exit(f"--public-bounds: {args.public_bounds} is not a directory")
    if args.seeds:
        return seed_means(args.epsilon, args.only, args.seeds, args.tables, args.public_bounds)
    rows = run(args.epsilon, args.only, args.seed, args.tables, args.public_bounds)
    print("| db | table | rows | modelled cols | column shapes | pair trends | bootstrap shapes | bootstrap pairs | fit+sample s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['db']} | {r['table']} | {r['rows']} | 0 | - | - | - | - | {r['error']} |")
            continue
        pairs = "-" if r["pairs"] is None else f"{r['pairs']:.3f}"
        b_pairs = "-" if r["b_pairs"] is None else f"{r['b_pairs']:.3f}"
        print(f"| {r['db']} | {r['table']} | {r['rows']} | {r['cols']} | {r['shapes']:.3f} | {pairs} | {r['b_shapes']:.3f} | {b_pairs} | {r['seconds']:.1f} |")
    ok = [r for r in rows if "error" not in r]
    print(f"\nmean column shapes {np.mean([r['shapes'] for r in ok]):.3f}; min {min(r['shapes'] for r in ok):.3f}")
    paired = [r["pairs"] for r in ok if r["pairs"] is not None]
    print(f"mean pair trends {np.mean(paired):.3f}; min {min(paired):.3f}")
    big = [r for r in ok if r["rows"] >= 2000 and r["pairs"] is not None]
    if big:
        print(f"tables with >= 2000 rows ({len(big)}): shapes mean {np.mean([r['shapes'] for r in big]):.3f} "
              f"min {min(r['shapes'] for r in big):.3f}; pairs mean {np.mean([r['pairs'] for r in big]):.3f} "
              f"min {min(r['pairs'] for r in big):.3f}")
    print(f"bootstrap floor, all tables: shapes mean {np.mean([r['b_shapes'] for r in ok]):.3f}, "
          f"pairs mean {np.mean([r['b_pairs'] for r in ok if r['b_pairs'] is not None]):.3f}")


def seed_means(epsilon: float | None, only: list[str], seeds: list[int], tables: list[str], bounds: Path | None) -> None:
    """Per table: mean over ``seeds`` of shapes and pairs, their range, and the first seed's figures."""
    runs = [run(epsilon, only, s, tables, bounds) for s in seeds]
    print(f"seeds {seeds}: mean [min-max] (seed {seeds[0]})")
    print("| db.table | rows | cols | shapes mean [range] (first seed) | pairs mean [range] (first seed) |")
    print("|---|---|---|---|---|")
    means = []
    for per_seed in zip(*runs):
        r = per_seed[0]
        if any("error" in p for p in per_seed):
            print(f"| {r['db']}.{r['table']} | {r['rows']} | 0 | - | - |")
            continue
        cells = []
        for key in ("shapes", "pairs"):
            v = [p[key] for p in per_seed if p[key] is not None]
            cells.append(f"{np.mean(v):.3f} [{min(v):.3f}-{max(v):.3f}] ({v[0]:.3f})" if v else "-")
        means.append((np.mean([p["shapes"] for p in per_seed]), [p["pairs"] for p in per_seed if p["pairs"] is not None]))
        print(f"| {r['db']}.{r['table']} | {r['rows']} | {r['cols']} | {cells[0]} | {cells[1]} |")
    if means:
        pairs = [np.mean(p) for _, p in means if p]
        print(f"\nmean over tables: shapes {np.mean([m for m, _ in means]):.3f}"
              + (f", pairs {np.mean(pairs):.3f}" if pairs else ""))


if __name__ == "__main__":
    main()
