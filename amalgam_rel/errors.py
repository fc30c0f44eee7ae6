"""User-facing errors.

Every problem with the user's input (files, schemas, data, options) is raised as an
:class:`AmalgamError`; the CLI prints its message on one line and exits non-zero, without a
traceback. Anything else escaping the CLI is a bug in amalgam-rel and keeps its traceback.
"""

from __future__ import annotations


class AmalgamError(Exception):
    """A problem with what the user gave us, explained in one line."""

    exit_code = 2

    def __str__(self) -> str:  # keep the promise of one line even if a message embeds newlines
        return " ".join(super().__str__().split())


class InputError(AmalgamError):
    """A file that is missing, unreadable, locked, or not what it claims to be."""


class SchemaError(AmalgamError):
    """A schema amalgam-rel cannot represent: an unsupported type, broken DDL, an unknown column."""


class UnsupportedTypeError(SchemaError):
    """A column type outside the type tree of :mod:`amalgam_rel.schema.types`."""


class DataError(AmalgamError):
    """Data that violates a constraint it is declared (or asserted) to satisfy."""


class LocationError(InputError):
    """A SRC or output argument that names no place amalgam-rel can read or write."""


class OutputError(AmalgamError):
    """An output that cannot or must not be written."""


class NotFittedError(AmalgamError):
    """A :class:`~amalgam_rel.Synthesizer` asked to sample or save before it was fitted or loaded."""
