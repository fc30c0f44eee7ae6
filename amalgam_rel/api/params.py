"""The checks of a :class:`~amalgam_rel.api.synthesizer.Synthesizer`'s parameters and sample
options: each one line naming the option (as the command line spells it, which shares them).

``fit`` runs :func:`fit_params` on the source's schema before a row is read; ``sample`` runs
:func:`sample_rows` and :func:`check_sample_options` before a row is drawn;
:meth:`Synthesizer.check <amalgam_rel.api.synthesizer.Synthesizer.check>` runs them all at
once, as ``amalgam-rel synth`` does before minutes of fitting.

>>> from amalgam_rel.schema.model import Column, Database, Table
>>> from amalgam_rel.schema.types import parse_type
>>> db = Database((Table("Genre", (Column("id", parse_type("INTEGER")),)),))
>>> sample_rows(db, 1.0, {"genre": 3})
{'Genre': 3}
>>> sample_rows(db, 0, {})
Traceback (most recent call last):
...
amalgam_rel.errors.InputError: --scale must be between 0.01 and 100, got 0
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from amalgam_rel.errors import InputError
from amalgam_rel.schema.model import Database

MIN_SCALE, MAX_SCALE = 0.01, 100
# what DatabaseModel takes from a Synthesizer as given; the rest is checked against the schema
_AS_GIVEN = ("seed", "llm", "text_steps", "text_values", "min_word_rows", "max_rows")


def source_schema(source) -> Database:
    """The schema of what ``fit`` reads: a DuckDB file or open connection, or any other source
    location (:func:`~amalgam_rel.schema.sources.open_source`; a DDL file has no rows)."""
    from amalgam_rel.schema.sources import open_source

    with open_source(source) as src:
        return src.database


def fit_params(params: Mapping, db: Database, *, rows: dict[str, int] | None = None, source=None) -> dict:
    """``DatabaseModel``'s parameters from a Synthesizer's ``params``, checked against the source's
    schema ``db``, with the tables they name spelled as ``db`` spells them.

    ``rows`` (the sample's, :func:`sample_rows`) and ``source`` check too that no table ``rows``
    sizes will be kept verbatim (:func:`~amalgam_rel.relational.reference.reference_params`).
    """
    from amalgam_rel.dp.options import privacy_params
    from amalgam_rel.relational.reference import reference_params

    _check_whole(params["text_steps"], "--text-steps", 1)
    _check_whole(params["text_values"], "--text-values", 0)
    _check_whole(params["max_rows"], "--max-rows", 1)
    if params["max_rows"] is not None and params["epsilon"] is not None:
        raise InputError("--max-rows cannot be combined with --epsilon: a private fit bounds the rows it reads itself")
    privacy = privacy_params(db, params["epsilon"], params["delta"], params["max_children"], params["epsilon_text"],
                             params.get("privacy_unit"))
    reference = reference_params(db, _names(params["synthesize"]), _names(params["public"]), params["epsilon"],
                                 rows, source)
    return {name: params[name] for name in _AS_GIVEN} | privacy | reference


def sample_rows(db: Database, scale: float, rows: Mapping[str, int] | None) -> dict[str, int]:
    """``rows`` keyed by each table's own spelling (a name matches in any case, as in DuckDB),
    after ``scale`` is checked; the counts themselves are checked with the sizes they make
    (:func:`~amalgam_rel.relational.sizes.check_sizes`)."""
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not MIN_SCALE <= scale <= MAX_SCALE:
        shown = scale if isinstance(scale, numbers.Real) else repr(scale)
        raise InputError(f"--scale must be between {MIN_SCALE} and {MAX_SCALE}, got {shown}")
    if rows is not None and not isinstance(rows, Mapping):
        raise InputError(f"--rows must map table names to row counts, got {type(rows).__name__}")
    spelled: dict[str, int] = {}
    for table, n in (rows or {}).items():
        if not isinstance(table, str) or not db.has_table(table):
            raise InputError(f"--rows names an unknown table {table!r}")
        key = db.table(table).key
        if key in spelled:
            raise InputError(f"--rows names the table {key!r} twice")
        spelled[key] = n
    return spelled


def check_sample_options(text_values, part_rows) -> None:
    """``text_values``: "fitted" (the model's), None (no limit) or a count; ``part_rows``: None or >= 1."""
    if text_values != "fitted":
        _check_whole(text_values, "--text-values", 0)
    _check_whole(part_rows, "--part-rows", 1)


def _names(tables) -> tuple:
    """Table names as given: one name alone (``synthesize="Genre"``) is one table, not five letters."""
    return (tables,) if isinstance(tables, str) else tuple(tables or ())


def _check_whole(value, option: str, least: int) -> None:
    """None, or a whole number >= ``least``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least):
        raise InputError(f"{option} must be a whole number >= {least}, got {value!r}")
