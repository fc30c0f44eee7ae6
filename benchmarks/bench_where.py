"""``sample --where`` acceptance: rows asked, rows produced, rows drawn and seconds, for conditions
of increasing rarity among the real rows.

    PYTHONPATH=$PWD python -m benchmarks.bench_where MODEL_DIR SOURCE --column routes.airline --rows routes=200
    PYTHONPATH=$PWD python -m benchmarks.bench_where MODEL_DIR SOURCE --where "routes.stops = 1" --rows routes=200

``--column TABLE.COLUMN`` picks, for each share of ``--shares`` (default 1 %, 0.1 %, 0.01 %), the
value of that column whose share of the real rows is closest to it, and conditions on
``TABLE.COLUMN = value``; ``--where`` adds conditions of one's own. Each line: the condition, its
real share (DuckDB over SOURCE), and what ``Synthesizer.sample(where=…)`` reported (rows asked and
produced, rows drawn over its attempts, the model's probability of the evidence), with the wall
and CPU seconds of the whole sample, next to the same sample without the condition.
"""

from __future__ import annotations

import argparse
import time

from amalgam_rel.connection import connect


def _timed(action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _picked(source: str, column: str, shares: list[float]) -> list[str]:
    """``TABLE.COLUMN = value`` for the value whose real share is closest to each of ``shares``."""
    table, name = column.split(".")
    con = connect(source, read_only=True)
    try:
        counts = con.execute(f'SELECT "{name}", count(*) / sum(count(*)) OVER () AS share FROM "{table}" '
                             f'WHERE "{name}" IS NOT NULL GROUP BY ALL ORDER BY share DESC, "{name}"').fetchall()
    finally:
        con.close()
    out = []
    for share in shares:
        value = min(counts, key=lambda vc: abs(vc[1] - share))[0]
        literal = "'" + str(value).replace("'", "''") + "'" if isinstance(value, str) else str(value)
        out.append(f"{column} = {literal}")
    return out


def _real_share(source: str, condition: str) -> float:
    from amalgam_rel.relational.subset import parse_condition
    from amalgam_rel.schema import sql
    from amalgam_rel.schema.sources import open_source

    with open_source(source) as src:
        bound = parse_condition(src.database, condition)
        table = src.database.table(bound.table)
        ref = sql.render(sql.table_ref(table.name, table.schema))
        return float(src.con.execute(f"SELECT avg(CASE WHEN ({sql.render(bound.expression)}) THEN 1 ELSE 0 END) "
                                     f"FROM {ref}").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a saved model directory")
    parser.add_argument("source", help="the DuckDB file it was fitted on (for the real shares)")
    parser.add_argument("--column", help="TABLE.COLUMN whose values make conditions of each share")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.01, 0.001, 0.0001])
    parser.add_argument("--where", action="append", default=[])
    parser.add_argument("--rows", action="append", default=[], help="TABLE=N, as sample's --rows")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from amalgam_rel.api import Synthesizer

    synth = Synthesizer.load(args.model)
    rows = {k: int(v) for k, v in (r.split("=") for r in args.rows)}
    conditions = (_picked(args.source, args.column, args.shares) if args.column else []) + args.where
    synth.sample(None, scale=args.scale, rows=rows, seed=args.seed)  # one-time caches (JAX, Faker)
    plain, wall, cpu = _timed(lambda: synth.sample(None, scale=args.scale, rows=rows, seed=args.seed))
    print(f"no condition: {sum(plain.rows.values()):,} rows, wall {wall:.2f}s cpu {cpu:.2f}s")
    for condition in conditions:
        share = _real_share(args.source, condition)
        try:
            sample, wall, cpu = _timed(lambda c=condition: synth.sample(None, scale=args.scale, rows=rows,
                                                                         seed=args.seed, where=c))
        except Exception as err:  # a condition the model cannot meet is a result too
            print(f"{condition!r} (real share {share:.4%}): refused: {err}")
            continue
        for r in sample.report.conditions:
            print(f"{condition!r} (real share {share:.4%}): asked {r.asked:,}, produced {r.produced:,}, drawn "
                  f"{r.drawn:,} in {r.attempts} attempts, evidence probability {r.evidence_probability:.3g}, "
                  f"condition {r.seconds:.2f}s; whole sample wall {wall:.2f}s cpu {cpu:.2f}s")


if __name__ == "__main__":
    main()
