"""Evaluate a synthetic database against the real one: the orchestrator and the Python API.

Stages run in the order of :data:`STAGES`; each takes the shared
:class:`~amalgam_rel.evaluation.context.Context` and returns a frozen result with ``to_dict()``.

    >>> from amalgam_rel.evaluation import evaluate            # doctest: +SKIP
    >>> ev = evaluate("real.duckdb", "synth.duckdb")           # doctest: +SKIP
    >>> ev.to_dict()["overall"]["score"]                       # doctest: +SKIP
    0.93

The overall score is the mean of the fidelity scores that could be computed: validity,
realism, column shapes, pair trends, cardinality, inter-table trends, detection and workload. Privacy,
the χ² p-values and key paths (:mod:`.key_paths`) are reported beside it, not in it.

>>> overall({"a": 1.0, "b": 0.5, "c": None})
0.75
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from amalgam_rel.errors import InputError
from amalgam_rel.evaluation.cardinality import cardinality
from amalgam_rel.evaluation.chi2 import chi2
from amalgam_rel.evaluation.context import Context, open_pair
from amalgam_rel.evaluation.detection import detection
from amalgam_rel.evaluation.intertable import intertable_trends
from amalgam_rel.evaluation.key_paths import key_paths
from amalgam_rel.evaluation.pairs import pair_trends
from amalgam_rel.evaluation.privacy import privacy
from amalgam_rel.evaluation.profile import profile
from amalgam_rel.evaluation.realism import realism
from amalgam_rel.evaluation.sample_rows import sample_rows
from amalgam_rel.evaluation.shapes import column_shapes
from amalgam_rel.evaluation.validity import validity
from amalgam_rel.evaluation.workload import Query, load_queries, workload, workload_fidelity
from amalgam_rel.schema.model import Database

STAGES: tuple[tuple[str, Callable[[Context], object]], ...] = (
    ("validity", validity),
    ("realism", realism),
    ("column_shapes", column_shapes),
    ("amalgam_chi2_p", chi2),
    ("pair_trends", pair_trends),
    ("cardinality", cardinality),
    ("key_paths", key_paths),
    ("intertable_trends", intertable_trends),
    ("detection", detection),
    ("workload", workload),
    ("privacy", privacy),
    ("sample_rows", sample_rows),
)
SCORED = ("validity", "realism", "column_shapes", "pair_trends", "cardinality", "intertable_trends", "detection", "workload")


@dataclass(frozen=True)
class Evaluation:
    real: str
    synth: str
    results: dict  # stage name -> result object
    seconds: dict  # stage name -> wall time
    profile: object  # the real data's profile (bins, for the report)

    def score(self, stage: str) -> float | None:
        result = self.results.get(stage)
        return None if result is None else getattr(result, "score", None)

    def to_dict(self) -> dict:
        out = {"real": self.real, "synth": self.synth}
        out |= {name: result.to_dict() for name, result in self.results.items()}
        out["overall"] = {"score": overall({s: self.score(s) for s in SCORED if s in self.results}),
                          "areas": {s: self.score(s) for s in SCORED if s in self.results}}
        out["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        return out


def overall(scores: dict[str, float | None]) -> float | None:
    present = [v for v in scores.values() if v is not None]
    return float(np.mean(present)) if present else None


def evaluate(
    real: str | Path,
    synth: str | Path,
    *,
    schema: Database | None = None,
    queries: str | Path | list[Query] | None = None,
    holdout: str | Path | None = None,
    stages: tuple[str, ...] | None = None,
    seed: int = 0,
    semantic_overrides: dict[tuple[str, str], str] | None = None,
) -> Evaluation:
    """Compare ``synth`` with ``real`` (DuckDB files with the same tables and columns).

    ``schema`` replaces the schema read from ``real``, e.g. one with logical FKs from a sidecar;
    ``queries`` is a directory of ``.sql`` files (or a list of :class:`Query`); ``stages`` picks
    a subset of :data:`STAGES` by name; ``semantic_overrides`` are a sidecar's column types
    (:func:`amalgam_rel.relational.semantic_columns.semantic_overrides`), which decide the
    generated identity columns (:mod:`.identity`) as they decided them for ``synth``.
    """
    known = [name for name, _ in STAGES]
    unknown = [s for s in stages or () if s not in known]
    if unknown:
        raise InputError(f"unknown evaluation stage {unknown[0]!r} (known: {', '.join(known)})")
    user_queries = load_queries(queries) if isinstance(queries, (str, Path)) else list(queries or [])
    results, seconds = {}, {}
    with open_pair(real, synth, schema, seed, holdout) as ctx:
        ctx.queries = tuple(user_queries)
        ctx.semantic_overrides = dict(semantic_overrides or {})
        start = time.perf_counter()
        ctx.profile = profile(ctx)
        seconds["profile"] = time.perf_counter() - start
        for name, stage in STAGES:
            if stages is not None and name not in stages:
                continue
            start = time.perf_counter()
            results[name] = stage(ctx)
            seconds[name] = time.perf_counter() - start
        if "workload" in results:
            results["workload"] = workload_fidelity(results["workload"], results.get("column_shapes"),
                                                    results.get("cardinality"), results.get("pair_trends"),
                                                    results.get("intertable_trends"))
        return Evaluation(ctx.real_path, str(synth), results, seconds, ctx.profile)
