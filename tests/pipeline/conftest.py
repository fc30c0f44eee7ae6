"""The pipeline's tests fit the small databases tests/relational/conftest.py builds; its session
fixture ``shop`` is shared from there (one fit per directory that uses it)."""

from ..relational.conftest import shop  # noqa: F401 - a fixture, found by pytest through this name
