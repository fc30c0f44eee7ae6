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


def test_one_typo_in_a_hundred_codes_leaves_them_codes():
    """openflights ``airlines.iata``: '8z' among 1,537 upper-case codes made the column free text,
    and the model wrote codes of 1 and 3 characters."""
    codes = ["AB", "2C", "FF", "QX", "ZL", "U2", "KL", "LH"] * 25 + ["8z"]
    spec = build_spec("iata", parse_type("VARCHAR"), codes)
    assert spec.key_like
    assert re.fullmatch(spec.regex, "KL") and not re.fullmatch(spec.regex, "KLM")
    words = ["Air", "Jet", "Wings", "Sky", "Blue", "Fly", "Go", "Star"] * 25
    assert not build_spec("name", parse_type("VARCHAR"), words).key_like


def test_a_rare_length_does_not_widen_a_code_pattern():
    """openflights ``airports.icao``: 7,692 four-letter codes and one of three made ``[A-Z]{3,4}``,
    and half the synthetic codes had three letters."""
    from amalgam_rel.generation.patterns import learn_pattern

    codes = [f"{a}{b}{c}{d}" for a in "EKLS" for b in "GHNP" for c in "ABCD" for d in "WXYZ"] * 2 + ["KQA"]
    assert learn_pattern(codes) == "[A-Z]{4}"
    assert learn_pattern(["AB", "ABC", "ABCD", "ABCDE"] * 5) == "[A-Z]{2,5}"  # lengths all common: kept
