"""What a private fit is asked for, validated before a single row is read.

>>> PrivacyOptions(1.0).validate().cap_of("orders") is None  # chosen from the data (dp/caps.py)
True
>>> PrivacyOptions(1.0, max_children_of=(("orders", 3),)).cap_of("orders")
3
>>> PrivacyOptions(0.0).validate()
Traceback (most recent call last):
...
amalgam_rel.errors.InputError: --epsilon must be a positive number, got 0.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from amalgam_rel.errors import InputError
from amalgam_rel.models.privacy import MAX_EPSILON

# Children kept per parent row and FK without --max-children: None, chosen from the data by the
# exponential mechanism, charged to the budget (dp/caps.py; its public prior peaks at 8, the
# former fixed cap).
DEFAULT_MAX_CHILDREN = None
# What happens to columns the graphical model leaves to the language model (free text, nested
# values): "refuse" stops with an error naming them; "schema" fills them from the schema alone;
# "words" writes free text from words whose noisy counts clear a threshold, charged to the budget
# (nested values from the schema). A future "dp-sgd" (a privately trained language model) slots in here.
TEXT_MODES = ("refuse", "schema", "words")


@dataclass(frozen=True)
class PrivacyOptions:
    epsilon: float
    delta: float = 1e-9
    max_children: int | None = DEFAULT_MAX_CHILDREN  # cap of every FK without its own (None: from the data)
    max_children_of: tuple[tuple[str, int], ...] = ()  # (child table, cap of each of its FKs)
    text: str = "refuse"

    def validate(self) -> PrivacyOptions:
        if not isinstance(self.epsilon, (int, float)) or not math.isfinite(self.epsilon) or self.epsilon <= 0:
            raise InputError(f"--epsilon must be a positive number, got {self.epsilon}")
        if self.epsilon > MAX_EPSILON:
            raise InputError(f"--epsilon must be at most {MAX_EPSILON:g}, got {self.epsilon:g}: exp(epsilon) bounds "
                             "how much one entity may change any result, and past that it is not a finite number")
        if not isinstance(self.delta, (int, float)) or not 0 < self.delta < 1:
            raise InputError(f"--delta must be between 0 and 1 (exclusive), got {self.delta}")
        for table, cap in (("", self.max_children), *self.max_children_of):
            if (cap is not None or table) and (not isinstance(cap, int) or cap < 1):
                where = f" for {table!r}" if table else ""
                raise InputError(f"--max-children{where} must be a whole number >= 1, got {cap}")
        if self.text not in TEXT_MODES:
            raise InputError(f"--epsilon-text must be one of {', '.join(TEXT_MODES)}, got {self.text!r}")
        return self

    def cap_of(self, child_table: str) -> int | None:
        """Children per parent row kept for each FK of ``child_table`` (None: chosen from the data)."""
        return dict(self.max_children_of).get(child_table, self.max_children)

    def check_tables(self, db) -> None:
        unknown = [t for t, _ in self.max_children_of if not db.has_table(t)]
        if unknown:
            raise InputError(f"--max-children names unknown tables: {', '.join(unknown)}")


def parse_max_children(items: list[str] | None) -> tuple[int | None, tuple[tuple[str, int], ...]]:
    """``["8", "orders=3"]`` -> (8, (("orders", 3),)): a bare number is the default cap.

    >>> parse_max_children(["5", "line items=2"])
    (5, (('line items', 2),))
    """
    default, per_table = DEFAULT_MAX_CHILDREN, []
    for item in items or []:
        table, sep, n = item.rpartition("=")
        if not n.strip().isdigit() or (sep and not table):
            raise InputError(f"--max-children expects N or TABLE=N with N a whole number, got {item!r}")
        if sep:
            per_table.append((table, int(n)))
        else:
            default = int(n)
    return default, tuple(per_table)


def privacy_params(db, epsilon: float | None, delta: float = 1e-9, max_children: int | dict[str, int] | None = None,
                   text: str = "refuse", unit: str | None = None) -> dict:
    """``DatabaseModel`` parameters of a private fit, checked against the schema ``db`` before a
    row is read ({} without ``epsilon``); ``max_children`` is a cap for every FK, or
    ``{table: cap}`` with ``"*"`` for the others, its tables spelled as ``db`` spells them.

    >>> privacy_params(None, None)
    {}
    >>> privacy_params(None, None, delta=0.5)
    Traceback (most recent call last):
    ...
    amalgam_rel.errors.InputError: --delta, --max-children, --epsilon-text and --privacy-unit only apply with --epsilon
    """
    if epsilon is None:
        if max_children is not None or text != "refuse" or delta != 1e-9 or unit is not None:
            raise InputError("--delta, --max-children, --epsilon-text and --privacy-unit only apply with --epsilon")
        return {}
    if unit is not None and (not isinstance(unit, str) or not db.has_table(unit)):
        raise InputError(f"--privacy-unit names an unknown table {unit!r}")
    caps = max_children if isinstance(max_children, dict) else {"*": max_children}
    per_table = tuple((t, n) for t, n in caps.items() if t != "*")
    options = PrivacyOptions(epsilon, delta, caps.get("*", DEFAULT_MAX_CHILDREN), per_table, text).validate()
    options.check_tables(db)
    spelled = {db.table(table).key: n for table, n in per_table}  # the table's own spelling
    default = {} if options.max_children is None else {"*": options.max_children}  # absent: chosen from the data
    return {"epsilon": epsilon, "delta": delta, "max_children": {**default, **spelled},
            "epsilon_text": text, "privacy_unit": db.table(unit).key if unit is not None else None}
