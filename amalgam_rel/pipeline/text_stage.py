"""The language model's stage of sampling a table, in two halves: the question
(:func:`text_request`) and the answer put in (:func:`put_text`), so that the text may be drawn
elsewhere (another process, :mod:`amalgam_rel.generation.text_jobs`) while later tables are sampled."""

from __future__ import annotations

import pyarrow as pa

from amalgam_rel.pipeline.draft import Draft
from amalgam_rel.relational.text_features import is_text_feature


def fill_text(d: Draft) -> None:
    request = text_request(d)
    if request is not None:
        context, options = request
        put_text(d, d.text.generate_arrays(d.ft.key, context, **options))


def text_request(d: Draft) -> tuple[pa.Table, dict] | None:
    """What the text model is asked for ``d``'s text (context rows, keyword arguments), or None
    (no text to draw); draws the text's seed from the table's stream, as :func:`fill_text` does."""
    if not d.ft.text_columns or d.n == 0:
        return None
    # the model's lengths (``~name``), frequent values (``=name``) and shapes (``{name``) go with the rows
    features = {c: d.rows.column(c) for c in d.rows.column_names if is_text_feature(c)}
    context = pa.table(dict(d.values) | features)
    part = {"share": d.chunk.share, "part": d.chunk.index + 1} if d.chunk else {}
    # the text's random streams come from this table's (so from the sample's seed), not the fit's
    return context, {"seed": int(d.rng.integers(2**63)), **part}


def put_text(d: Draft, generated: dict[str, pa.Array]) -> None:
    """The text model's values (for :func:`text_request`'s question) into ``d``."""
    for name in d.ft.text_columns:
        d.values[name] = generated[name]
        d.text_reports[name] = d.text.generation_report_[(d.ft.key, name)].to_dict()
