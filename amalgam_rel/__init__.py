"""Clone a relational DuckDB database as synthetic data.

The Python API (README.md, "Python API")::

    import amalgam_rel

    synth = amalgam_rel.Synthesizer(seed=0).fit("examples/chinook.duckdb")
    synth.sample("synthetic.duckdb", scale=0.5)
    amalgam_rel.evaluate("examples/chinook.duckdb", "synthetic.duckdb").score("realism")

:class:`Synthesizer`, :class:`Sample` and :func:`evaluate` come from :mod:`amalgam_rel.api`,
imported on first use: fitting needs numpy, pyarrow and the models, which the command line's
``--help`` and its one-line errors should not wait for. Every problem with the input is an
:class:`AmalgamError` (a subclass says which kind) with a one-line message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amalgam_rel.errors import (
    AmalgamError,
    DataError,
    InputError,
    NotFittedError,
    OutputError,
    SchemaError,
    UnsupportedTypeError,
)

if TYPE_CHECKING:  # for readers and type checkers; at run time they load on first use
    from amalgam_rel.api import Sample, Subset, Synthesizer, evaluate, subset

__all__ = ["AmalgamError", "DataError", "InputError", "NotFittedError", "OutputError", "Sample", "SchemaError",
           "Subset", "Synthesizer", "UnsupportedTypeError", "evaluate", "subset"]

_LAZY = {"Sample", "Subset", "Synthesizer", "evaluate", "subset"}


def __getattr__(name: str):
    if name in _LAZY:
        import amalgam_rel.api

        return getattr(amalgam_rel.api, name)
    raise AttributeError(f"module 'amalgam_rel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
