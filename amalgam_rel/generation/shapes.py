"""JSON document shapes: which top-level keys a document has, a category the graphical model owns.

A JSON column's documents often differ in which keys they carry (a discount only on some
orders, a size only on clothes), and how often each key is there is a statistic users check.
A language model left free to pick keys gets those rates wrong, and a constraint that makes
every optional key optional cannot fix it. So a document's *shape* — the sorted list of its
top-level keys — is a categorical column ``{name`` of the table's model, sampled with the row
(the PGM stays authoritative), and the language model then writes a document with exactly
those keys: each shape is its own constraint (:func:`restrict`), and the prompt names it.

>>> shape_column("attrs"), is_shape_column("{attrs")
('{attrs', True)
>>> shape_label({"b": 1, "a": None}), shape_label([1, 2]), shape_label(None)
('["a","b"]', '*', None)
>>> keys_of('["a","b"]'), keys_of("*")
(('a', 'b'), None)
>>> s = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}}, "required": []}
>>> restrict(s, ("b",))
{'type': 'object', 'properties': {'b': {'type': 'boolean'}}, 'required': ['b']}
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow as pa

from amalgam_rel.schema.internal_names import SHAPE

ANY = "*"  # a document that is not an object: no keys to enforce
MOST = 16  # shapes enforced per column (each is a compiled constraint); rarer ones are free


def shape_column(name: str) -> str:
    """The graphical model's column holding ``name``'s document shape (NULL where ``name`` is NULL)."""
    return SHAPE + name


def is_shape_column(name: str) -> bool:
    return name.startswith(SHAPE)


def shape_label(doc: Any) -> str | None:
    """The sorted top-level keys of a parsed document as JSON text; ``*`` for a non-object."""
    if doc is None:
        return None
    if isinstance(doc, dict):
        return json.dumps(sorted(doc), ensure_ascii=False, separators=(",", ":"))
    return ANY


def keys_of(label: str) -> tuple[str, ...] | None:
    """The keys a shape label names; None for ``*`` (any document)."""
    return None if label == ANY else tuple(json.loads(label))


def document_shapes(values: pa.ChunkedArray | pa.Array) -> pa.Array | None:
    """Shape labels of a column of JSON texts, or None when every document has the same shape.

    Each distinct text is parsed once: a table of millions holds far fewer distinct documents.
    """
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = values.dictionary_encode()
    labels = [shape_label(json.loads(v)) if isinstance(v, str) else shape_label(v)
              for v in encoded.dictionary.to_pylist()]
    out = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(labels, pa.string())).cast(pa.string())
    if len(set(out.drop_null().to_pylist())) < 2:
        return None
    return out


def common_shapes(labels: list[str | None], most: int = MOST) -> tuple[tuple[str, int], ...]:
    """(label, rows) of the ``most`` most frequent object shapes, most frequent first."""
    counts = Counter(x for x in labels if x is not None and x != ANY)
    return tuple(counts.most_common(most)) if len(counts) >= 2 else ()


def restrict(schema: dict, keys: tuple[str, ...]) -> dict:
    """``schema`` for documents with exactly ``keys`` (those the schema knows), in its key order.

    An ``anyOf`` keeps its object alternative only: the shape says the document is an object.
    """
    if "anyOf" in schema:
        objects = [s for s in schema["anyOf"] if s.get("type") == "object"]
        return restrict(objects[0], keys) if objects else schema
    if schema.get("type") != "object":
        return schema
    wanted = set(keys)
    props = {k: v for k, v in schema["properties"].items() if k in wanted}
    return {"type": "object", "properties": props, "required": list(props)}
