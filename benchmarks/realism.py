"""Issue 22's targets on the development databases: realism, analyst queries, TPC-H, speed.

Synthesizes each dataset with the code of ``--tree`` (a checkout of any commit: the "before" is
measured with the same evaluator as the "after") and scores the output with this checkout's
``evaluate``: word realism against the real ceiling, word-pair realism, within-row consistency,
analyst queries that come back empty where the real answer is not, the fidelity areas, and for
TPC-H the errors of the 22 queries. One JSON per dataset under
``benchmarks/results/realism/LABEL/``; a markdown table on stdout.

    python -m benchmarks.realism --label after --datasets chinook northwind
    python -m benchmarks.realism --label before --tree /tmp/before --datasets chinook
    python -m benchmarks.realism --table before after      # the table of both, from the JSON files
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.datasets import resolve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "realism"
TPCH_NAME_QUERIES = ("q02", "q05", "q07", "q08", "q09", "q10", "q11", "q20", "q21")


def synthesize(tree: Path, source: Path, out: Path, sidecar: Path | None, seed: int, timeout: float) -> dict:
    """Run ``amalgam-rel synth`` from ``tree`` in a child process; wall and CPU seconds, or the error."""
    argv = [sys.executable, "-m", "amalgam_rel.cli", "synth", str(source), "-o", str(out), "--force", "--seed", str(seed)]
    if sidecar is not None:
        argv += ["--sidecar", str(sidecar)]
    env = os.environ | {"PYTHONPATH": str(tree)}
    start, before = time.perf_counter(), os.times()
    try:
        done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s"}
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    status = "ok" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    return {"status": status, "synth_s": round(time.perf_counter() - start, 1), "synth_cpu_s": round(cpu, 1)}


def score(ds, synth: Path) -> dict:
    from amalgam_rel.evaluation import evaluate

    d = evaluate(ds.path, synth, schema=ds.schema(), queries=ds.queries).to_dict()
    realism, workload = d["realism"], d["workload"]
    analyst = [r for r in workload["results"] if r["name"].startswith("analyst:")]
    row = {
        "overall": d["overall"]["score"], "realism": realism["score"],
        "word_realism": realism["word_realism"], "ceiling": realism["ceiling"], "ratio": realism["ratio"],
        "pair_realism": realism["pair_realism"], "pair_ceiling": realism["pair_ceiling"],
        "consistency": realism["consistency"],
        "columns": {f"{c['table']}.{c['column']}": c.get("ratio") for c in realism["columns"] if c.get("status") == "scored"},
        "shapes": d["column_shapes"]["score"], "pairs": d["pair_trends"]["score"], "cardinality": d["cardinality"]["score"],
        "detection_auc": d["detection"]["auc"], "violations": d["validity"]["violations"],
        "analyst_queries": len(analyst), "analyst_empty": [r["name"] for r in analyst if r.get("empty")],
        # empty by design: the filter is on a generated person / company / place (never a real value)
        "analyst_empty_identity": [r["name"] for r in analyst if r["empty"] and r["identity"]],
        "analyst_empty_other": [r["name"] for r in analyst if r["empty"] and not r["identity"]],
        "identity_columns": len(d["column_shapes"]["identity"]["columns"]),
        "pairs_left_out": d["pair_trends"]["left_out"]["count"],
        "analyst_median": _median([r["error"] for r in analyst]),
    }
    if ds.queries is not None:
        row["tpch"] = {r["name"]: r["error"] for r in workload["results"] if r["name"][:1] == "q" and r["name"][1:3].isdigit()}
    return row


def _empty(r: dict) -> str:
    """``14 of 56``, and where the run told them apart: how many filter a generated identity."""
    out = f"{len(r['analyst_empty'])} of {r['analyst_queries']}"
    if "analyst_empty_identity" in r:
        out += f" ({len(r['analyst_empty_identity'])} on generated identities, {len(r['analyst_empty_other'])} other)"
    return out


def _median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def run(label: str, tree: Path, names: list[str], seed: int, timeout: float) -> None:
    folder = RESULTS / label
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        ds = resolve(name)
        if isinstance(ds, str):
            print(f"{name}: skipped ({ds})", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "synth.duckdb"
            record = {"dataset": name, "label": label, "tree": str(tree), "commit": _commit(tree), "seed": seed,
                      **synthesize(tree, ds.path, out, ds.sidecar, seed, timeout)}
            if record["status"] == "ok":
                record |= score(ds, out)
        (folder / f"{name}.json").write_text(json.dumps(record, indent=1))
        print(f"{label} {name}: {record['status']} {record.get('synth_s')} s, realism ratio {record.get('ratio')}", file=sys.stderr)


def _commit(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return done.stdout.strip()


def table(labels: list[str]) -> str:
    head = ["dataset", "run", "commit", "synth wall s (CPU s)", "word realism / ceiling (ratio)", "word pairs / ceiling",
            "consistency", "analyst queries empty", "shapes", "pairs", "cardinality", "detection AUC"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    names = sorted({p.stem for label in labels for p in (RESULTS / label).glob("*.json")})
    for name in names:
        for label in labels:
            path = RESULTS / label / f"{name}.json"
            if not path.exists():
                continue
            r = json.loads(path.read_text())
            if r["status"] != "ok":
                lines.append(f"| {name} | {label} | {r['commit']} | {r['status']} |" + " |" * (len(head) - 4))
                continue
            f = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(" | ".join([
                f"| {name}", label, r["commit"], f"{r['synth_s']:.0f} ({r.get('synth_cpu_s', 0):.0f})",
                f"{f(r['word_realism'])} / {f(r['ceiling'])} ({f(r['ratio'])})",
                f"{f(r['pair_realism'])} / {f(r['pair_ceiling'])}", f(r["consistency"]),
                _empty(r), f(r["shapes"]), f(r["pairs"]),
                f(r["cardinality"]), f(r["detection_auc"])]) + " |")
    tpch = [(label, json.loads((RESULTS / label / f"{n}.json").read_text())) for n in names if n.startswith("tpch")
            for label in labels if (RESULTS / label / f"{n}.json").exists()]
    if tpch:
        lines += ["", "| run | " + " | ".join(TPCH_NAME_QUERIES) + " | all 22: median |", "|" + "---|" * (len(TPCH_NAME_QUERIES) + 2)]
        for label, r in tpch:
            q = r.get("tpch") or {}
            errs = sorted(v for v in q.values() if v is not None)
            med = f"{errs[len(errs) // 2]:.3f}" if errs else "–"
            lines.append(f"| {label} {r['dataset']} | " + " | ".join(
                "–" if q.get(k) is None else f"{q[k]:.3f}" for k in TPCH_NAME_QUERIES) + f" | {med} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", help="name of this run (a folder of results)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose amalgam-rel synthesizes (default: this one)")
    parser.add_argument("--datasets", nargs="+", default=["chinook"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--table", nargs="+", metavar="LABEL", help="print the table of these runs and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.table))
        return
    if not args.label:
        parser.error("--label is needed to run")
    run(args.label, args.tree.resolve(), args.datasets, args.seed, args.timeout)
    print(table([args.label]))


if __name__ == "__main__":
    main()
