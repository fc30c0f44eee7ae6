"""A row's context as a compact, deterministic line of text: the language model's prompt.

At sampling time the row is synthetic (the structured values the PGM generated, and the text
columns generated before this one), so no real record ever reaches a prompt; at fit time the
same rendering of the real rows is what the model learns to continue.

>>> render_prompt("products", "description", {"category": "fruit", "price": 3.14159, "stock": None},
...               ["category", "price", "stock"])
'category=fruit;price=3.14;stock=null|products.description>'
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Mapping, Sequence
from typing import Any

MAX_VALUE_CHARS = 32  # a long neighbour (another text column) is cut: the prompt stays short


def format_value(v: Any) -> str:
    """One value, compact: numbers to 3 significant digits, timestamps to the minute."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float | decimal.Decimal):
        text = f"{float(v):.3g}"
    elif isinstance(v, dt.datetime):
        text = v.strftime("%Y-%m-%d %H:%M")
    elif isinstance(v, dt.date | dt.time):
        text = v.isoformat()
    elif isinstance(v, list | dict | tuple):
        text = json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        text = str(v)
    text = " ".join(text.replace(";", ",").split())
    return text[:MAX_VALUE_CHARS]


def column_tag(table: str, column: str, *, special: bool = False) -> str:
    """What ends a prompt and names the column asked for.

    The default model gets one dedicated token per column (``special``): one embedding to learn
    instead of a spelling, which the compact model picks up in far fewer steps. A user's model
    reads the name as text.
    """
    return f"<|{table}.{column}|>" if special else f"|{table}.{column}>"


def render_prompt(table: str, column: str, row: Mapping[str, Any], names: Sequence[str], *,
                  tag: str | None = None, named: bool = True) -> str:
    """``name=value;...|table.column>`` (or ``...<|table.column|>``): the value follows.

    The column comes last, next to the value, so that cutting a long prompt from the left
    (:data:`amalgam_rel.generation.lm.MAX_PROMPT_TOKENS`) never loses what is asked for.
    ``named=False`` leaves the names out: behind a column's own tag the values always come in
    the same order, so the compact model reads them by position, and prompts (most of the
    training tokens) get about half as long.

    >>> render_prompt("t", "c", {"a": 1, "b": "x"}, ["a", "b"], tag="<|t.c|>", named=False)
    '1;x<|t.c|>'
    """
    parts = (f"{n}={format_value(row.get(n))}" if named else format_value(row.get(n)) for n in names)
    return ";".join(parts) + (tag or column_tag(table, column))
