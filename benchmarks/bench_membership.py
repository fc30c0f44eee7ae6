"""Membership inference against ``--epsilon``: can an attacker tell whether one unit was trained on?

    python -m benchmarks.bench_membership [--seeds 20] [--epsilon 1]

Two databases differ by one customer (the privacy unit) with far more rows than any cap, all
with a value no other row has (orders of total 9,999, line items of quantity 99). Each is fitted
and sampled under ``--epsilon`` with ``--seeds`` seeds; the distinguisher scores an output by its
rows near the unit's values (orders with total above 9,000, line items with quantity above 90),
and the best threshold over all scores gives the attack's advantage TPR - FPR. (ε, δ)-DP bounds
it by ``(e^ε - 1 + 2δ) / (e^ε + 1)`` for any test; the run prints both and the empirical
advantage's one-sided 95 % margin (few seeds: it is a sanity check, not a proof).
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np

from amalgam_rel.connection import connect

SHOP = """
CREATE TABLE nation (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, nation_id INTEGER NOT NULL REFERENCES nation (id), age INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id), total DOUBLE NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id), qty INTEGER NOT NULL);
INSERT INTO nation SELECT i, 'n' || i FROM range(1, 6) t(i);
INSERT INTO customer SELECT i, 1 + i % 5, 20 + i % 50 FROM range(1, 401) t(i);
INSERT INTO orders SELECT i, 1 + i % 400, (i * 37) % 1000 FROM range(1, 2001) t(i);
INSERT INTO line SELECT i, 1 + i % 2000, i % 9 FROM range(1, 8001) t(i);
"""
THE_UNIT = """
INSERT INTO customer VALUES (401, 2, 99);
INSERT INTO orders SELECT 5000 + i, 401, 9999 FROM range(40) t(i);
INSERT INTO line SELECT 50000 + i, 5000 + i // 10, 99 FROM range(400) t(i);
"""


def build(path: Path, with_unit: bool) -> Path:
    con = connect(path)
    con.execute(SHOP + (THE_UNIT if with_unit else ""))
    con.close()
    return path


def score(path: Path) -> float:
    con = connect(path, read_only=True)
    orders = con.execute("SELECT count(*) FROM orders WHERE total > 9000").fetchone()[0]
    lines = con.execute("SELECT count(*) FROM line WHERE qty > 90").fetchone()[0]
    con.close()
    return float(orders + lines)


def advantage(inside: list[float], outside: list[float]) -> float:
    """The best TPR - FPR of 'trained on the unit' when the score is at least a threshold."""
    best = 0.0
    for t in sorted(set(inside) | set(outside)):
        tpr = np.mean([s >= t for s in inside])
        fpr = np.mean([s >= t for s in outside])
        best = max(best, tpr - fpr)
    return float(best)


def main(argv: list[str] | None = None) -> None:
    from amalgam_rel.pipeline.database_model import DatabaseModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--epsilon", type=float, default=1.0)
    args = parser.parse_args(argv)
    scores: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="amalgam-mia-") as tmp:
        for with_unit in (True, False):
            source = build(Path(tmp) / f"real_{with_unit}.duckdb", with_unit)
            for seed in range(args.seeds):
                model = DatabaseModel(seed=seed, iters=100, epsilon=args.epsilon, privacy_unit="customer").fit(source)
                out = Path(tmp) / f"out_{with_unit}_{seed}.duckdb"
                model.sample(out, force=True)
                scores[with_unit].append(score(out))
    found = advantage(scores[True], scores[False])
    bound = (math.exp(args.epsilon) - 1 + 2e-9) / (math.exp(args.epsilon) + 1)
    margin = 1.645 * math.sqrt(0.5 / args.seeds)  # one-sided 95 % on a difference of two rates
    print(f"epsilon={args.epsilon:g} seeds={args.seeds}: advantage {found:.3f} (bound {bound:.3f}, "
          f"sampling margin ~{margin:.3f}); scores with the unit {sorted(scores[True])}, without {sorted(scores[False])}")


if __name__ == "__main__":
    main()
