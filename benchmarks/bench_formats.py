"""How well a synthetic database writes its phone numbers and postcodes in the real one's formats.

For every string column the semantic detector calls a phone or a postcode, on the non-NULL values
of both sides: ``in_real`` (share of synthetic values whose mask, :func:`~amalgam_rel.generation.
semantic.formats.mask`, some real value has), ``mask_tv`` (1 - total variation distance between the
two mask distributions), ``shape_tv`` (the same over character-kind shapes, the evaluator's
``+1 (780) 428-9482`` vs ``780-428-9482``: sorted set of digit runs, capitalised / lower-case words
and other characters), ``copies`` (share of synthetic values equal to a real one) and both sides'
distinct shares.

    python -m benchmarks.bench_formats REAL.duckdb SYNTH.duckdb [SYNTH2.duckdb ...]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

from amalgam_rel.connection import connect
from amalgam_rel.generation.semantic.detect import semantic_type
from amalgam_rel.generation.semantic.formats import mask
from amalgam_rel.schema.types import Kind

_RUN = re.compile(r"[^\W\d_]+|\d+")
TYPES = ("phone", "postcode")


def shape(value: str) -> str:
    kinds = set(_RUN.sub("", value))
    kinds |= {"9" if r[0].isdigit() else "A" if r[0].isupper() else "a" for r in _RUN.findall(value)}
    return "".join(sorted(kinds))


def tv_complement(a: Counter, b: Counter) -> float:
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return float(na == nb)
    return 1 - 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in set(a) | set(b))


def columns(con) -> list[tuple[str, str, str]]:
    """``(table, column, type)`` of the real database's phone and postcode columns."""
    out = []
    for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
        names = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                           "AND data_type = 'VARCHAR' ORDER BY ordinal_position", [table]).fetchall()]
        for name in names:
            sample = [r[0] for r in con.execute(f'SELECT "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL LIMIT 200').fetchall()]
            found = semantic_type(name, Kind.STRING, sample, table=table, columns=names)
            if found is not None and found.name in TYPES:
                out.append((table, name, found.name))
    return out


def scores(real: list[str], synth: list[str], letters: bool) -> dict[str, float]:
    real_masks = Counter(mask(v, letters=letters) for v in real)
    synth_masks = Counter(mask(v, letters=letters) for v in synth)
    known = set(real)
    n = max(len(synth), 1)
    return {"in_real": sum(c for m, c in synth_masks.items() if m in real_masks) / n,
            "mask_tv": tv_complement(real_masks, synth_masks),
            "shape_tv": tv_complement(Counter(map(shape, real)), Counter(map(shape, synth))),
            "copies": sum(v in known for v in synth) / n,
            "distinct_real": len(set(real)) / max(len(real), 1), "distinct_synth": len(set(synth)) / n}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real")
    parser.add_argument("synth", nargs="+")
    args = parser.parse_args(argv)
    real = connect(args.real, read_only=True)
    found = columns(real)
    print("| column | type | run | in_real | mask_tv | shape_tv | copies | distinct real / synth |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.synth:
        synth = connect(path, read_only=True)
        for table, name, kind in found:
            query = f'SELECT "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL'
            s = scores([str(r[0]) for r in real.execute(query).fetchall()],
                       [str(r[0]) for r in synth.execute(query).fetchall()], kind == "postcode")
            print(f"| {table}.{name} | {kind} | {path} | {s['in_real']:.2f} | {s['mask_tv']:.2f} | {s['shape_tv']:.2f} | "
                  f"{s['copies']:.3f} | {s['distinct_real']:.2f} / {s['distinct_synth']:.2f} |")
        synth.close()


if __name__ == "__main__":
    main()
