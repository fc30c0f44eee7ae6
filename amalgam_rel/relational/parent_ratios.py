"""Numbers that are their parent's number, or a fixed ratio of it, on a share of the rows.

An order line's price is its product's list price on most lines and 80 % of it on the lines sold
before a price rise (northwind: 69 % and 29 % of 2,155 lines); a sale's amount is the item's price,
or the price less a standard discount. Neither holds on every row, so neither is a derived column
(:mod:`.derived`) nor a parent copy (:mod:`.parent_copies`), and a table model that draws the
line's price from its own bins beside the parent's loses the equality: a synthetic line almost
never carries its product's price, and revenue per category drifts with every binned draw.

Fitting finds, per numeric child column, the parent column (through the driving or a matched
foreign key) and the few ratios (:func:`find_ratios`) that the child's value follows, to within
:data:`TOLERANCE` (or half a step of its type), on at least :data:`MIN_SHARE` of the rows each
(and :data:`MIN_VALUES` distinct parent values) and together on far more rows than chance gives (the same ratios against the parent values of
other rows). The table model then owns, beside the column, which ratio a row follows (``%name``:
0 where the value is drawn): it draws that jointly with the rest of the row, and once the row's
parent is final, sampling writes the parent's value times the ratio, at the column's resolution
(:func:`apply_ratios`). The rows that follow no ratio keep the value the model drew.

>>> rng = np.random.default_rng(0)
>>> parent = np.round(rng.uniform(5, 50, 500), 2)
>>> kind = rng.choice(3, 500, p=[0.6, 0.3, 0.1])  # the list price, 80 % of it, anything
>>> child = np.round(np.select([kind == 0, kind == 1], [parent, parent * 0.8], rng.uniform(5, 50, 500)), 2)
>>> find_ratios(child, parent, 0.01)
(1.0, 0.8)
>>> follows(np.array([18.0, 14.4, 7.0]), np.array([18.0, 18.0, 12.0]), (1.0, 0.8), 0.01).tolist()
[1, 2, 0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from amalgam_rel.models.codecs.scale import from_numeric, storable_bounds, to_numeric
from amalgam_rel.schema.internal_names import PARENT_RATIO

TOLERANCE = 0.005  # relative: a value within half a percent of parent x ratio follows that ratio
MIN_SHARE = 0.05  # of the rows with both values, each ratio's least share
MIN_HELD = 0.25  # of those rows, the least share the ratios together hold
BEYOND_CHANCE = 2.0  # held at least this many times the share the same ratios hold on shuffled parents
MAX_RATIOS = 4
MIN_ROWS = 30
# distinct parent values a ratio holds on, at least: a ratio held on the rows of one parent (a
# price over that product's 10 units on order) says nothing of how children follow parents
MIN_VALUES = 5
SCREEN_ROWS = 2000  # rows a pair must pass before all rows are searched


@dataclass(frozen=True)
class ParentRatio:
    column: str
    fk: int  # index of the foreign key (in the database's list) whose parent row holds ``source``
    source: str  # the parent's column
    ratios: tuple[float, ...]  # model value k (1..) means ``source * ratios[k - 1]``
    step: float | None  # the column's resolution (DECIMAL step, 1 for integers), None for floats

    def __post_init__(self):  # a loaded manifest gives lists
        object.__setattr__(self, "ratios", tuple(self.ratios))


def ratio_column(name: str) -> str:
    """The model column holding which ratio ``name`` follows (0: none, drawn)."""
    return PARENT_RATIO + name


def is_ratio_column(name: str) -> bool:
    return name.startswith(PARENT_RATIO)


def follows(child: np.ndarray, parent: np.ndarray, ratios: tuple[float, ...], step: float | None) -> np.ndarray:
    """Per row, 1 + the index of the first ratio its value follows, 0 where none (or a value is missing)."""
    out = np.zeros(len(child), dtype=np.int64)
    for k, ratio in reversed(list(enumerate(ratios, start=1))):
        target = parent * ratio
        with np.errstate(invalid="ignore"):
            close = np.abs(child - target) <= np.maximum(TOLERANCE * np.abs(target), (step or 0.0) / 2)
        out[close & np.isfinite(target) & np.isfinite(child)] = k
    return out


def find_ratios(child: np.ndarray, parent: np.ndarray, step: float | None) -> tuple[float, ...]:
    """The ratios ``child`` follows of ``parent`` (most rows first), or () where they hold on too
    few rows or no more than on the parent values of other rows. NaN marks a missing value."""
    both = np.isfinite(child) & np.isfinite(parent) & (parent != 0)
    if both.sum() < MIN_ROWS:
        return ()
    child, parent = child[both], parent[both]
    screen = np.random.default_rng(0).permutation(len(child))[:SCREEN_ROWS]
    if not _candidates(child[screen], parent[screen], step):
        return ()
    ratios = _candidates(child, parent, step)
    if not ratios:
        return ()
    held = float((follows(child, parent, ratios, step) > 0).mean())
    shuffled = parent[np.random.default_rng(1).permutation(len(parent))]
    chance = float((follows(child, shuffled, ratios, step) > 0).mean())
    return ratios if held >= MIN_HELD and held >= BEYOND_CHANCE * chance else ()


def _candidates(child: np.ndarray, parent: np.ndarray, step: float | None) -> tuple[float, ...]:
    """Up to :data:`MAX_RATIOS` ratios, each followed by :data:`MIN_SHARE` of the rows not taken
    by the ratios before it: the modes of the positive ratios in bins of :data:`TOLERANCE`."""
    ratio = child / parent
    left = np.isfinite(ratio) & (ratio > 0)
    found: list[float] = []
    for _ in range(4 * MAX_RATIOS):  # modes of one parent each are passed over, a few times
        if len(found) == MAX_RATIOS or left.sum() < MIN_SHARE * len(child):
            break
        bins = np.round(np.log(ratio[left]) / TOLERANCE)
        values, counts = np.unique(bins, return_counts=True)
        top = values[np.argmax(counts)]
        mode = ratio[left][np.abs(bins - top) <= 1]
        candidate = _plain(float(np.median(mode)))
        taken = left & (follows(child, parent, (candidate,), step) > 0)
        if taken.sum() < MIN_SHARE * len(child):
            break
        if len(np.unique(parent[taken])) >= MIN_VALUES:
            found.append(candidate)
        left &= ~(taken | (np.abs(np.round(np.log(np.where(left, ratio, 1.0)) / TOLERANCE) - top) <= 1))
    return tuple(found)


def _plain(ratio: float) -> float:
    """The ratio at the fewest significant digits within a tenth of the tolerance (0.8, not 0.79998)."""
    for digits in range(1, 7):
        rounded = float(f"{ratio:.{digits}g}")
        if abs(rounded / ratio - 1) <= TOLERANCE / 10:
            return rounded
    return ratio


def apply_ratios(record: ParentRatio, which: pa.Array, parent_values: pa.Array, own: pa.Array) -> pa.Array:
    """The column's values: ``parent x ratio`` where the model drew a ratio (and the row has a
    parent value), at the column's resolution and within its type; ``own`` (the model's draw) elsewhere."""
    k = np.nan_to_num(to_numeric(which)[0], nan=0.0).astype(np.int64)
    source, present = to_numeric(parent_values)
    table = np.array((np.nan,) + record.ratios)
    value = source * table[np.clip(k, 0, len(record.ratios))]
    if record.step:
        value = np.round(value / record.step) * record.step
    low, high = storable_bounds(own.type)
    use = present & (k > 0) & np.isfinite(value) & (value >= low) & (value <= high)
    if not use.any():
        return own
    mine, valid = to_numeric(own)
    out = np.where(use, value, mine)
    return from_numeric(np.where(use | valid, out, 0.0), use | valid, own.type)
