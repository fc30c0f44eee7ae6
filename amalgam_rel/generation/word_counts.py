"""What the word n-gram model counts, counted in arrays: one pass of numpy over every token.

:meth:`.word_ngram.WordNGramLM.fit` counts, per column, in how many real rows each token follows
each context (its last n-gram history, each prompt field, the first field joined with the
position). Counted in Python, one context at a time, that took 33 s of TPC-H sf 0.01's 85 s
(10 million contexts); here every context of every row is a hash in one array, and a row's
repeats of a (context, token) pair are dropped, and the rows of each pair counted, by sorting.
The hashes are those of :func:`context_hash`, which the model uses to look contexts up.

>>> context_hash(3, 2, 17) == int(hash_arrays([np.array([3]), 2, np.array([17])])[0])
True
>>> pairs = distinct_rows(np.array([9, 9, 9, 4]), np.array([1, 1, 2, 1]), np.array([0, 0, 1, 1]))
>>> [a.tolist() for a in pairs]  # (context, token) and the rows holding it: row 0 counts once
[[4, 9, 9], [1, 1, 2], [1, 1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

MOD = (1 << 61) - 1
MUL = 1_000_003
_LOW29 = (1 << 29) - 1
_LOW32 = (1 << 32) - 1
_PACKED = (1 << 63) - 1  # an int64 holds (context, token, row) packed while their product stays below


def context_hash(*parts: int) -> int:
    """A context's key: a polynomial hash of its integer parts modulo the prime 2^61 - 1."""
    h = 0
    for p in parts:
        h = (h * MUL + p + 1) % MOD
    return h


def hash_arrays(parts: list) -> np.ndarray:
    """:func:`context_hash` of each row of ``parts`` (arrays of one length, or plain ints), exactly.

    ``h * MUL`` would overflow 64 bits: ``h``'s top 29 bits times ``MUL`` are folded back
    (2^61 is 1 modulo 2^61 - 1), so every sum stays below 2^63."""
    h = np.zeros(1, dtype=np.int64)
    for p in parts:
        h = _step(h, p)
    return h


def _step(h: np.ndarray, p) -> np.ndarray:
    """``(h * MUL + p + 1) % MOD`` without overflowing 64 bits."""
    c = (h >> 32) * MUL
    return ((c >> 29) + ((c & _LOW29) << 32) + (h & _LOW32) * MUL + np.asarray(p, dtype=np.int64) + 1) % MOD


def ngram_keys(ids: np.ndarray, tag_at: np.ndarray, columns: np.ndarray, orders: np.ndarray,
                o: int) -> np.ndarray:
    """Per row of ``ids`` (its column tag at ``tag_at``, its column and order), the hash of
    its last ``o - 1`` tokens, the tag standing for those before the value's first; -1 where
    its order stops short of ``o``. One pass of numpy over the batch (:func:`hash_arrays`)."""
    k = o - 1
    if ids.shape[1] < k:  # a bare tag: the left is all tag
        pad = k - ids.shape[1]
        ids = np.concatenate([np.zeros((len(ids), pad), dtype=ids.dtype), ids], axis=1)
        tag_at = tag_at + pad
    width = ids.shape[1]
    last = ids[:, width - k:]
    tags = ids[np.arange(len(ids)), tag_at]
    last = np.where(np.arange(width - k, width)[None, :] <= tag_at[:, None], tags[:, None], last)
    keys = hash_arrays([columns, o, *last.T])
    keys[orders < o] = -1
    return keys


def prompt_fields(prompts: list[list[int]], columns: list[int], pad: int, separator: int):
    """The field hashes of each prompt (its tokens before the column tag, ``separator`` between
    fields, ``pad`` left out) as :meth:`.word_ngram.WordNGramLM._prompt_fields` gives them,
    as (fields per prompt, every prompt's hashes in order)."""
    lengths = np.fromiter((max(len(p) - 1, 0) for p in prompts), dtype=np.int64, count=len(prompts))
    flat = np.fromiter(chain.from_iterable(p[:-1] for p in prompts), dtype=np.int64, count=int(lengths.sum()))
    prompt = np.repeat(np.arange(len(prompts)), lengths)
    keep = flat != pad
    flat, prompt = flat[keep], prompt[keep]
    is_sep = flat == separator
    n_fields = np.bincount(prompt[is_sep], minlength=len(prompts)) + 1
    first = np.cumsum(n_fields) - n_fields
    # each token's field: the prompt's first field plus the separators before it in the prompt
    seps_before = np.cumsum(is_sep) - is_sep
    field = first[prompt] + seps_before - (np.cumsum(np.bincount(prompt[is_sep], minlength=len(prompts)))
                                           - np.bincount(prompt[is_sep], minlength=len(prompts)))[prompt]
    owner = np.repeat(np.arange(len(prompts)), n_fields)
    h = hash_arrays([np.asarray(columns, dtype=np.int64)[owner], np.arange(len(owner)) - first[owner]])
    words = ~is_sep
    field, flat = field[words], flat[words]
    rank = np.arange(len(field)) - np.searchsorted(field, field)  # a token's place in its field (fields ascend)
    for k in range(int(rank.max(initial=-1)) + 1):
        at = rank == k
        h[field[at]] = _step(h[field[at]], flat[at])
    return n_fields, h


def distinct_rows(keys: np.ndarray, tokens: np.ndarray, rows: np.ndarray, packed_limit: int = _PACKED):
    """Each distinct (key, token) pair, sorted by key then token, and the number of distinct rows holding it."""
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    key_values, key_ids = _dense(keys)
    width, height = int(tokens.max()) + 1, int(rows.max()) + 1
    if len(key_values) * width * height < packed_limit:
        packed = np.sort((key_ids * width + tokens) * height + rows)
        packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))]
        pair = packed // height
    else:  # too many to pack in 64 bits (a database of millions of text values): sorted by columns
        order = np.lexsort((rows, tokens, key_ids))
        key_ids, tokens, rows = key_ids[order], tokens[order], rows[order]
        new = np.concatenate(([True], (key_ids[1:] != key_ids[:-1]) | (tokens[1:] != tokens[:-1])
                              | (rows[1:] != rows[:-1])))
        pair = key_ids[new] * width + tokens[new]
    starts = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    counts = np.diff(np.append(starts, len(pair)))
    pair = pair[starts]
    return key_values[pair // width], pair % width, counts


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct ``values`` and each value's index among them (``np.unique`` is slower)."""
    order = np.argsort(values)
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    ids = np.empty(len(values), dtype=np.int64)
    ids[order] = np.cumsum(new) - 1
    return ordered[new], ids


@dataclass
class Counted:
    """Per table: each (context key, token) and the rows holding it; per column the token counts."""

    tables: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    unigram: np.ndarray  # [columns, vocab]: occurrences of each token in each column's values
    field_rows: dict[int, int]  # rows whose prompt holds each field
    position_field: dict[int, int]  # the first field of each position context

    def kept(self, name: str, min_rows: int, min_field_rows: int):
        """(keys, starts, tokens, counts, pruned) of table ``name``: the pairs ``min_rows`` rows hold,
        for field and position tables only fields that ``min_field_rows`` rows hold; for an n-gram
        table ``pruned`` holds per key the rows of its pairs left out (None for the others)."""
        keys, tokens, rows = self.tables[name]
        keep = rows >= min_rows
        if not name.startswith("o"):
            field = keys if name == "fields" else np.array([self.position_field[k] for k in keys.tolist()],
                                                            dtype=np.int64)
            held = np.array([self.field_rows.get(f, 0) for f in field.tolist()], dtype=np.int64)
            keep &= held >= min_field_rows
        pruned = None
        if len(keys):
            first = _starts(keys)
            held_keys = np.add.reduceat(keep.astype(np.int64), first) > 0  # a key none of whose pairs is kept goes
            if name.startswith("o"):
                pruned = np.add.reduceat(np.where(keep, 0, rows), first)[held_keys].astype(np.float32)
        elif name.startswith("o"):
            pruned = np.zeros(0, dtype=np.float32)
        keys, tokens, rows = keys[keep], tokens[keep], rows[keep]
        first = _starts(keys)
        return keys[first], np.append(first, len(keys)).astype(np.int64), tokens, rows.astype(np.float32), pruned


def count_contexts(columns: list[int], tags: list[int], fields: tuple[np.ndarray, np.ndarray],
                   targets: list[list[int]], orders: list[int], n_columns: int, vocab: int,
                   max_position: int) -> Counted:
    """What :meth:`.word_ngram.WordNGramLM.fit` counts, for rows of ``columns`` (a column index
    each) with their column ``tags``, prompt ``fields`` (as :func:`prompt_fields` gives them) and
    ``targets`` (token ids, the end token last); ``orders`` per column."""
    lengths = np.array([len(t) for t in targets], dtype=np.int64)
    tokens = np.fromiter(chain.from_iterable(targets), dtype=np.int64, count=int(lengths.sum()))
    row = np.repeat(np.arange(len(targets)), lengths)
    position = np.arange(len(tokens)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    column = np.asarray(columns, dtype=np.int64)
    unigram = np.zeros((n_columns, vocab), dtype=np.float64)
    np.add.at(unigram, (column[row], tokens), 1.0)
    tables = _ngram_tables(tokens, row, position, column, np.asarray(tags, dtype=np.int64),
                           np.asarray(orders, dtype=np.int64))
    n_fields, field_of = fields
    held, counts = _runs(np.sort(field_of))  # a row's fields are distinct: each of its own index
    position_field: dict[int, int] = {}
    if len(field_of):
        tables["fields"] = _field_table(tokens, row, n_fields, field_of)
        tables["position"], position_field = _position_table(tokens, row, position, n_fields, field_of, max_position)
    return Counted(tables, unigram, dict(zip(held.tolist(), counts.tolist())), position_field)


def _ngram_tables(tokens, row, position, column, tags, orders) -> dict:
    """``o2``.. tables: each token under the hash of (column, order, its last order-1 tokens),
    the column's tag standing in before the value's first token."""
    order_of = orders[column[row]]
    tables = {}
    for o in range(2, int(orders.max(initial=1)) + 1):
        at = np.flatnonzero(order_of >= o)
        parts = [column[row[at]], o]
        for back in range(o - 1, 0, -1):
            before = position[at] >= back
            parts.append(np.where(before, tokens[np.where(before, at - back, 0)], tags[row[at]]))
        tables[f"o{o}"] = distinct_rows(hash_arrays(parts), tokens[at], row[at])
    return tables


def _field_table(tokens, row, n_fields, field_of):
    """Each distinct token of a row under each of the row's prompt fields."""
    width = int(tokens.max()) + 1
    pairs, _ = _runs(np.sort(row * width + tokens))
    pair_row, pair_token = pairs // width, pairs % width
    repeat = n_fields[pair_row]
    first_field = np.cumsum(n_fields) - n_fields
    within = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    fields = field_of[np.repeat(first_field[pair_row], repeat) + within]
    return distinct_rows(fields, np.repeat(pair_token, repeat), np.repeat(pair_row, repeat))


def _position_table(tokens, row, position, n_fields, field_of, max_position):
    """Each token under the hash of (the row's first field, its position, capped)."""
    at = np.flatnonzero(n_fields[row] > 0)
    first = field_of[(np.cumsum(n_fields) - n_fields)[row[at]]]
    keys = hash_arrays([first, np.minimum(position[at], max_position)])
    key_values, where = _runs_first(keys)
    return distinct_rows(keys, tokens[at], row[at]), dict(zip(key_values.tolist(), first[where].tolist()))


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    if not len(ordered):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs."""
    starts = _starts(ordered)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _runs_first(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and the index of one occurrence of each."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    return ordered[new], order[new]
