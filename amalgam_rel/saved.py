"""Reading back the files a fitted model is saved as: every problem is one line naming the file.

A model directory can be hand-edited, truncated, or half copied. Its loaders therefore parse
under :func:`reading`, and build the model's own dataclasses through :func:`typed`, which checks
every field against its annotation (pydantic) and against the ranges the loader states. A wrong
type or an absurd count then fails at load, naming the file and the entry, instead of as a
traceback (or a 7 TiB allocation) deep inside sampling.

>>> typed(list[int], [1, "2"], "sizes")
[1, 2]
>>> typed(list[int], [1, "x"], "sizes")
Traceback (most recent call last):
...
ValueError: sizes[1]: Input should be a valid integer, unable to parse string as an integer (got 'x')
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from amalgam_rel.errors import InputError, SchemaError

# What parsing a damaged document raises: missing keys, wrong types and values (pydantic's
# ValidationError is a ValueError), short lists, and types or CHECKs that do not parse.
DAMAGE = (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError, SchemaError)


@contextmanager
def reading(path: str | Path) -> Iterator[None]:
    """Turn :data:`DAMAGE` raised while ``path`` is parsed into one line naming it.

    Only parsing goes in here: an error of the same kinds later, in sampling, is a bug.
    """
    try:
        yield
    except DAMAGE as err:
        raise InputError(f"{path} is damaged: {_describe(err)}") from None


def read_json(path: str | Path) -> dict:
    """A JSON object from ``path``; a missing, unreadable or malformed file is one line naming it."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} is missing") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path} is damaged: {err}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path} is damaged: it holds a JSON {type(doc).__name__}, not an object")
    return doc


def typed(kind: Any, value: Any, where: str) -> Any:
    """``value`` validated as ``kind`` (a dataclass, a TypedDict, ``list[int]``...) and converted
    to it (JSON lists become tuples where the annotation says so); a ValueError naming ``where``
    and the first offending entry otherwise."""
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError as err:
        first = err.errors()[0]
        place = where + "".join(_step(p) for p in first["loc"] if p != "[key]")
        raise ValueError(f"{place}: {first['msg']} (got {_short(first['input'])})") from None


@functools.cache
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


def _step(part: int | str) -> str:
    """One step of a path into the document: ``[2]``, ``.real_rows``, ``['0']``."""
    return f".{part}" if isinstance(part, str) and part.isidentifier() else f"[{part!r}]"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: Exception) -> str:
    # a KeyError's text is just the quoted key
    return f"missing entry {err}" if isinstance(err, KeyError) else str(err) or type(err).__name__
