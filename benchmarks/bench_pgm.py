"""Speed of the per-table PGM: fit a 1M-row, 20-column table; sample and decode 1M rows.

    python benchmarks/bench_pgm.py               # 1M rows, non-private
    python benchmarks/bench_pgm.py --epsilon 1   # private fit
    python benchmarks/bench_pgm.py --rows 100000

Targets (issue 4): fit < 60 s on 2 cores; sample + decode 1M rows < 3 s. The first fit in a
process includes JAX start-up and (private: MirrorDescent) compilation; it is reported apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pyarrow as pa

from amalgam_rel.models.table_model import TableModel


def make_table(n: int, seed: int = 0) -> pa.Table:
    """20 columns with planted dependencies: 5 strings, 9 floats/decimals, 3 ints, 2 dates, 1 timestamp."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {}
    segment = rng.integers(0, 6, n)
    cols["segment"] = pa.array(np.array(["a", "b", "c", "d", "e", "f"])[segment])
    cols["country"] = pa.array(np.array([f"country_{i}" for i in range(40)])[(segment * 7 + rng.integers(0, 5, n)) % 40])
    cols["channel"] = pa.array(np.where(rng.random(n) < 0.7, np.array(["web", "store", "phone"])[segment % 3], "partner"))
    cols["status"] = pa.array(rng.choice(["open", "closed", "void"], n, p=[0.6, 0.35, 0.05]))
    flag = rng.random(n) < 0.1 + 0.1 * segment
    cols["flag"] = pa.array(np.where(flag, "yes", "no"))
    base = rng.gamma(2.0, 50.0, n) * (1 + segment)
    for i in range(8):
        cols[f"x{i}"] = pa.array(np.round(base * (1 + 0.1 * i) + rng.normal(0, 10 + i, n), 2))
    cols["price"] = pa.array(np.round(base, 2)).cast(pa.decimal128(12, 2))
    cols["qty"] = pa.array(rng.poisson(3 + segment, n).astype(np.int32))
    cols["age"] = pa.array(np.clip(rng.normal(40, 12, n), 18, 90).astype(np.int16))
    cols["score"] = pa.array(np.where(rng.random(n) < 0.05, None, rng.integers(0, 1000, n)).tolist(), pa.int32())
    start = np.datetime64("2015-01-01") + rng.integers(0, 3000, n).astype("timedelta64[D]")
    cols["start"] = pa.array(start)
    cols["end"] = pa.array(start + rng.integers(0, 400, n).astype("timedelta64[D]"))
    cols["created"] = pa.array(start.astype("datetime64[s]") + rng.integers(0, 86400, n).astype("timedelta64[s]")).cast(pa.timestamp("us"))
    return pa.table(cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epsilon", type=float, default=None)
    args = parser.parse_args()
    t = time.perf_counter()
    data = make_table(args.rows)
    print(f"generated {data.num_rows} x {data.num_columns} in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    TableModel(epsilon=args.epsilon).fit(make_table(5000, seed=1))  # JAX start-up (+ JIT when private)
    print(f"warm-up fit on 5k rows (JAX import{' + JIT' if args.epsilon else ''}): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    model = TableModel(epsilon=args.epsilon).fit(data)
    fit_s = time.perf_counter() - t
    stages = ", ".join(f"{k} {v:.1f}" for k, v in model.summary_.seconds.items())
    print(f"fit {args.rows} rows: {fit_s:.1f} s ({stages}); cliques {len(model.summary_.cliques)}, "
          f"largest {max(int(np.prod([model.sampler_.sizes[a] for a in c])) for c in model.summary_.cliques)} cells")

    for label, kwargs in (("sample+decode", {"n": args.rows}),
                          ("conditional sample+decode (2 evidence cols)", {"evidence": data.select(["segment", "age"])})):
        model.sample(1000, seed=0)
        t = time.perf_counter()
        out = model.sample(seed=1, **kwargs) if "evidence" in kwargs else model.sample(kwargs["n"], seed=1)
        print(f"{label} {out.num_rows} rows: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
