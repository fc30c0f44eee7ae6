import re

import duckdb
import pytest

from amalgam_rel.generation.patterns import TEXT_CHAR, is_key_like, learn_pattern, like_regex

PHONES = ["(503) 555-9831", "(71) 555-2282", "030-0074321", "(5) 555-4729", "030-0076545"]


def test_pattern_matches_every_covered_value():
    values = [f"{a}{n:03d}-{c}" for a in ("AB", "XYZ") for n in range(20) for c in "qr"]
    pattern = learn_pattern(values)
    assert all(re.fullmatch(pattern, v) for v in values)
    assert not re.fullmatch(pattern, "ab001-q")


def test_pattern_alternatives_and_lengths():
    pattern = learn_pattern(PHONES * 3)
    assert all(re.fullmatch(pattern, v) for v in PHONES)
    assert re.fullmatch(pattern, "(12) 555-0000")
    assert not re.fullmatch(pattern, "(1234) 555-0000")  # run lengths stay within what was seen


def test_too_many_shapes_is_not_a_pattern():
    values = ["a" * i + "1" * j for i in range(1, 6) for j in range(1, 6)]  # 1 skeleton, fine
    assert learn_pattern(values) is not None
    messy = ["a1", "1a", "a-1", "1-a", "a 1", "1 a", "a.1", "1.a", "a,1", "1,a"]
    assert learn_pattern(messy) is None


@pytest.mark.parametrize("values, expected", [
    (["ALFKI", "ANATR", "BERGS", "BONAP", "CACTU"], True),
    (PHONES, True),
    (["anna.smith@example.com", "ben.jones@example.org"] * 3, True),
    (["funny", "dark comedy", "great acting", "slow", "boring plot"], False),
])
def test_key_like(values, expected):
    assert is_key_like(values) is expected


def test_like_regex_keeps_literals_and_learns_middle():
    values = [f"P-{i:04d}X" for i in range(30)]
    regex = like_regex("P-%", values, 8)
    assert all(re.fullmatch(regex, v) for v in values)
    assert not re.fullmatch(regex, "Q-0001X")
    free = like_regex("%ab_", [], 10)
    assert re.fullmatch(free, "xxabc") and not re.fullmatch(free, "xxab")


def test_like_with_several_wildcards_stays_a_small_automaton():
    # '%@%.%' on a VARCHAR was three runs of up to 2,000 characters, each free to hold '@' and
    # '.': outlines took over 17 GB compiling it. Each run is now as long as the real ones run,
    # and the one before a literal cannot hold that literal.
    values = [f"user{i}@mail{i % 5}.com" for i in range(200)]
    regex = like_regex("%@%.%", values, 2000)
    assert all(re.fullmatch(regex, v) for v in values)
    assert "2000" not in regex and regex.count("{") == 3
    assert not re.fullmatch(regex, "a@b@c.com") and not re.fullmatch(regex, "nobody.com")
    duck = duckdb.connect()
    for v in ("user7@mail2.com", "x@y.z"):
        if re.fullmatch(regex, v):
            assert duck.execute("SELECT ? LIKE '%@%.%'", [v]).fetchone()[0]


def test_text_char_refuses_control_characters():
    assert re.fullmatch(TEXT_CHAR + "+", "Line one\nline\ttwo: é ü")
    assert not re.fullmatch(TEXT_CHAR + "+", "bad\x00byte")
    assert not re.fullmatch(TEXT_CHAR + "+", "cut\ufffd")
