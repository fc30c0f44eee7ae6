"""Fit and sample SDV's HMASynthesizer, inside an SDV virtual environment (no amalgam_rel here).

    benchmarks/.venv-sdv/bin/python benchmarks/sdv_worker.py IN_DIR OUT_DIR [--seed N] --result FILE

IN_DIR holds ``TABLE.parquet`` files and ``metadata.json`` (written by
:mod:`benchmarks.sdv_bridge`); OUT_DIR receives the sampled tables as Parquet, same size as the
real ones (scale 1). SDV's own refusal of a schema ("more than 5 tables or depth greater than 2")
is reported as ``refused``, not as a failure.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
import traceback
from pathlib import Path

REFUSAL = ("more than 5 tables", "relationship depth", "SDV Enterprise")


def load(folder: Path):
    import pandas as pd
    from sdv.metadata import Metadata

    spec = json.loads((folder / "metadata.json").read_text())
    metadata = Metadata.load_from_dict(spec["metadata"])
    data = {name: pd.read_parquet(folder / f"{name}.parquet") for name in spec["metadata"]["tables"]}
    return metadata, data, spec["rows"]


def sample(synth, metadata, rows: dict) -> dict:
    """Scale 1 under either API: ``sample(scale=)`` (1.x) or ``sample(num_rows, main_table_name)`` (2.x)."""
    params = inspect.signature(synth.sample).parameters
    if "scale" in params:
        return synth.sample(scale=1.0)
    children = {r["child_table_name"] for r in metadata.to_dict().get("relationships", [])}
    root = next(name for name in rows if name not in children)
    return synth.sample(num_rows=rows[root], main_table_name=root)


def run(args) -> dict:
    import numpy as np
    import sdv
    from sdv.multi_table import HMASynthesizer

    np.random.seed(args.seed)
    start = time.perf_counter()
    metadata, data, rows = load(args.input)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    try:
        synth = HMASynthesizer(metadata, verbose=False)
        synth.fit(data)
    except Exception as err:
        if any(marker in str(err) for marker in REFUSAL):
            return {"status": "refused", "error": str(err).splitlines()[0], "sdv_version": sdv.__version__}
        raise
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    out = sample(synth, metadata, rows)
    sample_s = time.perf_counter() - start
    args.output.mkdir(parents=True, exist_ok=True)
    for name, frame in out.items():
        frame.to_parquet(args.output / f"{name}.parquet", index=False)
    return {"load_s": load_s, "fit_s": fit_s, "sample_s": sample_s, "rows": int(sum(len(f) for f in out.values())),
            "sdv_version": sdv.__version__}


def peak_kb() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    try:
        result = run(args)
    except Exception as err:  # the runner records the message as this run's failure
        traceback.print_exc()
        result = {"status": "failed", "error": f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:300]}
    result["vmhwm_kb"] = peak_kb()  # exact final peak; the runner's polling may miss the last 50 ms
    args.result.write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
