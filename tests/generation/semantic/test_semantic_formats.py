"""Phones and postcodes in the database's own formats: masks learned from the real values, filled at random
(amalgam_rel.generation.semantic.formats)."""

import re

import numpy as np
import pytest

from amalgam_rel.generation.semantic.formats import Masks, fill_formats, learn_formats, mask
from amalgam_rel.generation.semantic.generate import SemanticColumn, generate

BRAZIL = ["+55 (12) 3923-5555", "+55 (11) 3033-5446", "+55 (21) 2271-7000"]
CANADA = ["+1 (514) 721-4711", "+1 (780) 428-9482", "+1 (403) 262-3443", "+1 (403) 246-9887"]
NORWAY = ["+47 22 44 22 22"]  # the only Norwegian row: its format is its own


def regex(template: str) -> str:
    return "".join(r"\d" if c == "#" else "[A-Z]" if c == "?" else re.escape(c) for c in template)


def test_a_mask_keeps_separators_and_the_calling_code():
    assert mask("+55 (12) 3923-5555") == "+55 (##) ####-####"
    assert mask("1 (780) 836-9987") == "# (###) ###-####"  # no +: digits like any other
    assert mask("+4712345678") == "+##########"  # a whole number is not a calling code
    assert mask("555-1234 ext. 12") == "###-#### ext. ##"  # letters of a phone stay
    assert mask("EC2 5NT", letters=True) == "??# #??" and mask("EC2 5NT") == "EC# #NT"
    assert mask("s-958 22", letters=True) == "s-### ##"  # only capitals are masked


def test_only_masks_that_two_distinct_values_share_are_kept():
    values = CANADA + BRAZIL + NORWAY + ["0800 123", "0800 123", "0800 123"]  # one value, three rows
    origins = ["Canada"] * 4 + ["Brazil"] * 3 + ["Norway"] + ["Brazil"] * 3
    overall, *groups = learn_formats(values, origins)
    assert overall == Masks(("+1 (###) ###-####", "+55 (##) ####-####"), (4, 3))
    assert groups == [Masks(("+55 (##) ####-####",), (3,), "Brazil"), Masks(("+1 (###) ###-####",), (4,), "Canada")]
    assert "+47 ## ## ## ##" not in repr(learn_formats(values, origins)) and "#### ###" not in repr(overall)


def test_no_formats_where_none_is_shared_or_too_few_values_follow_them():
    assert learn_formats(NORWAY + ["12-34", None]) == ()
    codes = ["12209", "05021", "WA1 1DP", "c/o the mill", "see notes", "unknown", "ask at desk", "n/a"]
    assert learn_formats(codes, letters=True)[0].masks == ("#####",)
    assert learn_formats(codes, letters=True, min_cover=0.8) == ()  # 2 of 8 values: not a postcode column's format
    assert learn_formats(["#12-34", "#56-78"]) == ()  # a value holding a placeholder is not read


def test_filled_values_follow_their_origins_masks_with_random_digits():
    formats = learn_formats(CANADA + BRAZIL + ["+1 (###) ###-####"], ["Canada"] * 4 + ["Brazil"] * 3 + [None])
    origins = ["Brazil"] * 200 + ["Canada"] * 200 + ["Norway", None] * 100
    rng = np.random.default_rng(3)
    values = fill_formats(formats, origins, len(origins), rng)
    assert all(re.fullmatch(regex("+55 (##) ####-####"), v) for v in values[:200])
    assert all(re.fullmatch(regex("+1 (###) ###-####"), v) for v in values[200:400])
    # no origin: the column's masks, by frequency (4 Canadian rows to 3 Brazilian)
    unknown = values[401::2]
    assert 0.4 < np.mean([v.startswith("+1 ") for v in unknown]) < 0.8 and all(v[:3] in ("+1 ", "+55") for v in unknown)
    # a Norwegian row: the column's masks without another country's code
    norway = values[400::2]
    assert all(re.fullmatch(regex("(###) ###-####"), v) or re.fullmatch(regex("(##) ####-####"), v) for v in norway)
    assert 0.4 < np.mean([v[4] == ")" for v in norway]) < 0.8  # (###): Canadian, (##): Brazilian
    assert len(set(values)) == len(values) and not set(values) & set(CANADA + BRAZIL)
    assert values == fill_formats(formats, origins, len(origins), np.random.default_rng(3))


def test_postcode_letters_are_drawn_too():
    formats = learn_formats(["T5K 2N1", "T2P 2T3", "H2G 1A7", "12209", "05021"], letters=True)
    values = fill_formats(formats, None, 300, np.random.default_rng(1))
    assert {bool(re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d", v)) for v in values} == {True, False}
    assert all(re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d|\d{5}", v) for v in values)
    assert len({v[0] for v in values if not v[0].isdigit()}) > 10  # not the real rows' T and H alone


def test_generate_writes_a_column_with_formats_in_them_and_one_without_from_faker():
    formats = learn_formats(CANADA + BRAZIL, ["Canada"] * 4 + ["Brazil"] * 3)
    cols = [SemanticColumn("tel", "phone", formats=formats), SemanticColumn("fax", "phone")]
    out = generate(cols, ["pt_BR"] * 50 + ["en_CA"] * 50, np.random.default_rng(5), ["Brazil"] * 50 + ["Canada"] * 50)
    assert all(re.fullmatch(regex("+55 (##) ####-####"), v) for v in out["tel"][:50])
    assert all(re.fullmatch(regex("+1 (###) ###-####"), v) for v in out["tel"][50:])
    assert sum(re.fullmatch(regex("+55 (##) ####-####"), v) is not None for v in out["fax"]) < 10  # Faker's own
    unique = SemanticColumn("tel", "phone", max_length=18, unique=True, formats=(Masks(("+1 ##",), (2,)),))
    tel = generate([unique], ["en_US"] * 100, np.random.default_rng(0))["tel"]
    assert len(set(tel)) == 100  # 100 rows, 100 fillings: repeats drawn again, then numbered


def test_masks_are_checked():
    with pytest.raises(ValueError, match="one positive count"):
        Masks(("###",), (0,))
    with pytest.raises(ValueError, match="one positive count"):
        Masks(("###", "##"), (3,))
