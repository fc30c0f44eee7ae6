"""Reversible column codecs, one per data kind (numeric-like, categorical).

>>> import pyarrow as pa
>>> from amalgam_rel.schema.types import Kind
>>> type(make_codec(ColumnSpec("flag", Kind.BOOLEAN, pa.bool_()))).__name__
'CategoricalCodec'
"""

from __future__ import annotations

from amalgam_rel.models.codecs.base import Codec, CodecOptions, ColumnSpec, PrivateFit
from amalgam_rel.models.codecs.categorical import CategoricalCodec
from amalgam_rel.models.codecs.numeric import NumericCodec
from amalgam_rel.schema.types import Kind

CATEGORICAL_KINDS = frozenset({Kind.BOOLEAN, Kind.ENUM, Kind.STRING})
NUMERIC_LIKE_KINDS = frozenset({Kind.INTEGER, Kind.FLOAT, Kind.DECIMAL, Kind.DATE, Kind.TIME, Kind.TIMESTAMP, Kind.INTERVAL})
CODECS = {"numeric": NumericCodec, "categorical": CategoricalCodec}


def make_codec(spec: ColumnSpec, options: CodecOptions = CodecOptions()) -> Codec:
    """An unfitted codec for a modelled column."""
    if spec.kind in CATEGORICAL_KINDS:
        return CategoricalCodec(spec, options)
    if spec.kind in NUMERIC_LIKE_KINDS:
        return NumericCodec(spec, options)
    raise ValueError(f"no codec models {spec.kind} columns")  # callers filter kinds first


def codec_kind(codec: Codec) -> str:
    return "numeric" if isinstance(codec, NumericCodec) else "categorical"


__all__ = ["Codec", "CodecOptions", "ColumnSpec", "PrivateFit", "CategoricalCodec", "NumericCodec",
           "make_codec", "codec_kind", "CODECS", "CATEGORICAL_KINDS", "NUMERIC_LIKE_KINDS"]
