"""Benchmark the language-model half: training time, speed, validity and fidelity.

    python benchmarks/bench_lm.py                      # shop fixture + the dev datasets
    python benchmarks/bench_lm.py --only movielens --rows 500 --json out.json
    python benchmarks/bench_lm.py --datasets DIR --device cuda --batch-size 64   # e.g. on a GPU machine

For each case the default model is fitted (automatic step count) on the listed columns, then values are
generated for synthetic rows whose context columns are drawn independently from their real
marginals (a stand-in for the PGM: no real record reaches a prompt). Figures:

* fit_s: the whole fit (reading, tokenizer, training); values_per_s: generate() end to end,
  validation and retries included, batch 64, CPU;
* valid: share of generated values DuckDB accepts in a column of that type (with its CHECKs);
  first_pass: share accepted on the first draw;
* length_ks_c: 1 - KS statistic of text lengths; element_tv_c: 1 - total variation of the LIST
  element distribution (len_tv_c: of the list lengths);
* copy_all / copy_single: first draws identical to any real value / to a value only one real
  row holds (what the guard rejects); copy_out: copies left in the output;
* key_presence_max_delta: largest |real - generated| key-presence rate of a JSON column.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
from scipy.stats import ks_2samp

from amalgam_rel.connection import connect
from amalgam_rel.generation.sample_db import WORDS, make_shop
from amalgam_rel.generation.lengths import is_length_column, length_column
from amalgam_rel.generation.shapes import is_shape_column
from amalgam_rel.generation.text_model import TextFieldModel
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import read_duckdb

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CASES = {
    "shop": {"products": ["description", "code", "phone", "email", "grade", "sku", "label", "size", "dims",
                          "tags", "scores", "attrs", "meta", "extra"]},
    "northwind": {"employees": ["notes"]},
    "movielens_small": {"movies": ["genres"], "tags": ["tag"]},
    "openflights": {"routes": ["equipment"]},
}


def marginal_context(con, table, names, n, rng):
    """Each context column drawn on its own from its real values: no real row is reproduced."""
    out = {}
    for name in names:
        q = sql.select_columns(table.name, [name], table.schema).sql(sql.DIALECT)
        values = [r[0] for r in con.execute(q).fetchall()]
        out[name] = [rng.choice(values) for _ in range(n)]
    return out


def accepted(table, name, values) -> float:
    con = connect()
    col = table.column(name)
    checks = [c for c in table.checks if {x.name for x in c.find_all(sql.exp.Column)} == {name}]
    ddl = f"CREATE TABLE t ({sql.ident(name).sql('duckdb')} {col.type.sql(named_enums=False)}"
    ddl += "".join(f", CHECK ({sql.render(c)})" for c in checks) + ")"
    con.execute(ddl)
    ok = 0
    for v in values:
        try:
            con.execute("INSERT INTO t VALUES (?)", [v])
            ok += 1
        except duckdb.Error:
            pass
    return ok / len(values) if values else 1.0


def fidelity(real, fake, kind):
    out = {}
    real = [v for v in real if v is not None]
    fake = [v for v in fake if v is not None]
    if kind == "string":
        out["length_ks_c"] = round(1 - ks_2samp([len(v) for v in real], [len(v) for v in fake]).statistic, 3)
    if kind in ("list", "array"):
        out["element_tv_c"] = round(1 - _tv(Counter(x for v in real for x in v), Counter(x for v in fake for x in v)), 3)
        out["len_tv_c"] = round(1 - _tv(Counter(len(v) for v in real), Counter(len(v) for v in fake)), 3)
    if kind == "json":
        rk = _presence([json.loads(v) for v in real])
        fk = _presence([json.loads(v) for v in fake])
        out["key_presence"] = {k: [round(rk.get(k, 0), 3), round(fk.get(k, 0), 3)] for k in sorted(set(rk) | set(fk))}
        out["key_presence_max_delta"] = round(max(abs(rk.get(k, 0) - fk.get(k, 0)) for k in set(rk) | set(fk)), 3)
    return out


def _tv(p: Counter, q: Counter) -> float:
    np_, nq = sum(p.values()) or 1, sum(q.values()) or 1
    return 0.5 * sum(abs(p[k] / np_ - q[k] / nq) for k in set(p) | set(q))


def _presence(docs):
    docs = [d for d in docs if isinstance(d, dict)]
    counts = Counter(k for d in docs for k in d)
    return {k: n / len(docs) for k, n in counts.items()} if docs else {}


def run_case(name: str, path: Path, n_rows: int, seed: int, *, device: str | None = None,
             batch_size: int | None = None, exact_lengths: bool = False) -> dict:
    columns = CASES[name]
    clock = time.perf_counter()
    model = TextFieldModel(seed=seed, device=device, batch_size=batch_size).fit(path, columns=columns)
    result = {"case": name, "device": str(model.device_), "batch_size": model._batch(),
              "fit_s": round(time.perf_counter() - clock, 1),
              "train": model.train_report_.to_dict(), "columns": {}}
    con = connect(path, read_only=True)
    db = read_duckdb(con)
    rng = random.Random(seed)
    for table_key, names in columns.items():
        table = db.table(table_key)
        # lengths (~col) and shapes ({col) are left out: without the PGM's, the model draws them
        # from their real distribution (a length bucket; --exact-lengths hands over a real length)
        prompt_cols = sorted({c for n in names for c in model.plans_[(table_key, n)].prompt_columns
                              if not (is_length_column(c) or is_shape_column(c))} - set(names))
        context = marginal_context(con, table, prompt_cols, n_rows, rng)
        if name == "shop":  # the planted dependency needs the category
            context["category"] = [rng.choice(list(WORDS)) for _ in range(n_rows)]
        if exact_lengths:  # as the graphical model hands them over in a whole-database run
            for col in names:
                if model.plans_[(table_key, col)].length_buckets and table.column(col).type.kind.value == "string":
                    q = sql.select_columns(table.name, [col], table.schema).sql(sql.DIALECT)
                    lengths = [None if v is None else len(v) for (v,) in con.execute(q).fetchall()]
                    context[length_column(col)] = [rng.choice(lengths) for _ in range(n_rows)]
        out = model.generate(table_key, context, n_rows=n_rows)
        for col in names:
            report = model.generation_report_[(table_key, col)]
            q = sql.select_columns(table.name, [col], table.schema).sql(sql.DIALECT)
            real = [r[0] for r in con.execute(q).fetchall()]
            kind = table.column(col).type.kind.value
            guard_all = {" ".join(str(v).casefold().split()) for v in real if v is not None}
            fake_text = [" ".join(str(v).casefold().split()) for v in out[col] if v is not None]
            entry = {
                "rows": n_rows, "values_per_s": round(n_rows / report.seconds, 1) if report.seconds else None,
                "valid": round(accepted(table, col, out[col]), 4), "first_pass": round(report.first_pass_validity, 4),
                "nulls": sum(v is None for v in out[col]),
            }
            if model.plans_[(table_key, col)].guarded:
                entry |= {"copy_single": round(report.copy_rate, 4),
                          "copy_all": round(sum(t in guard_all for t in fake_text) / max(1, len(fake_text)), 4),
                          "copy_out": round(report.output_copy_rate, 4)}
            entry |= fidelity(real, out[col], kind)
            if name == "shop" and col == "description":
                hits = 0
                for cat, text in zip(context["category"], out[col]):
                    scores = {c: sum(w in v for w in text.lower().replace(".", " ").split()) for c, v in WORDS.items()}
                    hits += max(scores, key=scores.get) == cat and scores[cat] > 0
                entry["category_accuracy"] = round(hits / n_rows, 3)  # chance: 1/3
            result["columns"][f"{table_key}.{col}"] = entry
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", choices=list(CASES))
    ap.add_argument("--rows", type=int, default=640)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json")
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of the dev databases")
    ap.add_argument("--device", help="torch device (default: the GPU when torch sees one, else the CPU)")
    ap.add_argument("--batch-size", type=int, help="rows per model call (default: 64 on a CPU, 256 on a GPU)")
    ap.add_argument("--exact-lengths", action="store_true",
                    help="give each row a text length drawn from the real lengths, as the graphical model does "
                         "in a whole-database run (default: only a length bucket drawn from the real ones)")
    args = ap.parse_args(argv)
    results = []
    for name in args.only or list(CASES):
        if name == "shop":
            tmp = Path(tempfile.mkdtemp()) / "shop.duckdb"
            with connect(tmp) as con:
                make_shop(con, rows=500, seed=args.seed)
            path = tmp
        else:
            path = args.datasets / f"{name}.duckdb"
            if not path.exists():
                print(f"skip {name}: {path} not found", file=sys.stderr)
                continue
        res = run_case(name, path, args.rows, args.seed, device=args.device, batch_size=args.batch_size,
                       exact_lengths=args.exact_lengths)
        results.append(res)
        print(json.dumps(res, default=str), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
