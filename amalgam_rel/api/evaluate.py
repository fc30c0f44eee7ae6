"""``evaluate``: score a synthetic database against the real one (``amalgam-rel evaluate``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from amalgam_rel.locations import Location, parse_location

if TYPE_CHECKING:  # imported when evaluate runs: sampling (a test fixture, `synth`) should not load scipy.stats & co.
    from amalgam_rel.evaluation.evaluate import Evaluation


def evaluate(real: str | Path | Location, synthetic: str | Path | Location, *, sidecar: str | Path | None = None,
             queries: str | Path | None = None, holdout: str | Path | Location | None = None,
             report: str | Path | None = None, force: bool = False) -> Evaluation:
    """Compare ``synthetic`` with ``real`` (each a DuckDB file or any other location
    :func:`~amalgam_rel.locations.parse_location` names: a server, SQLite, a folder of files),
    which have the same tables and columns:
    validity, fidelity, SQL-workload answers and privacy, each scored in [0, 1] (docs/metrics.md).

    ``sidecar``: the one the synthetic database was made with (its logical keys and column
    types); ``queries``: a folder of ``.sql`` files run on both; ``holdout``: real rows the
    synthesizer never saw, for the privacy score; ``report``: an HTML report to write (checked
    before any work, replaced only with ``force``). The result's ``score(area)``, ``to_dict()``
    and ``results`` hold every figure.
    """
    from amalgam_rel.evaluation import evaluate as run_evaluation
    from amalgam_rel.evaluation.report import write_report
    from amalgam_rel.relational.semantic_columns import semantic_overrides
    from amalgam_rel.schema.load import load_schema
    from amalgam_rel.outputs import check_outputs

    real, synthetic, holdout = (p if p is None or isinstance(p, Location) else parse_location(p)  # passwords never shown
                                for p in (real, synthetic, holdout))
    check_outputs({"--report": report}, force=force, sources={
        "real database": _local(real), "synthetic database": _local(synthetic), "--queries folder": queries,
        "holdout database": _local(holdout), "sidecar": sidecar})
    schema = load_schema(real, sidecar=sidecar) if sidecar else None
    overrides = semantic_overrides(schema, sidecar) if sidecar else None  # the column types synth was given
    result = run_evaluation(real, synthetic, schema=schema, queries=queries, holdout=holdout,
                            semantic_overrides=overrides)
    if report:
        write_report(result, report)
    return result


def _local(place: Location | None) -> Path | None:
    """A location's file or folder, which the report may not be written onto (None: a server)."""
    return None if place is None or place.is_server else place.path
