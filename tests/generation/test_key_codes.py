"""Key-like codes with empty strings among them (openflights ``airlines.icao``: 85 of 6,162 are '')."""

from __future__ import annotations

import re

import pytest

from amalgam_rel.generation.output_types import OutputSpec, build_spec
from amalgam_rel.schema.types import parse_type


def test_a_code_column_with_empty_strings_still_gets_its_pattern():
    codes = ["ABX", "AGO", "MMM", "DLI", "VRO", "SPR", "CTP", "FRF"] * 10 + [""] * 6 + [None] * 3
    spec = build_spec("icao", parse_type("VARCHAR"), codes)
    assert spec.key_like and spec.regex is not None
    assert all(re.fullmatch(spec.regex, c) for c in codes if c)
    assert not re.fullmatch(spec.regex, "None")


def test_a_text_spec_without_a_regex_is_refused_not_written_as_none():
    with pytest.raises(ValueError, match="icao"):
        OutputSpec("icao", "VARCHAR", "text", None).output_type()
