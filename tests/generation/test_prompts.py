import datetime as dt

from amalgam_rel.generation.prompts import format_value, render_prompt


def test_prompt_is_compact_and_deterministic():
    row = {"cat": "fruit", "when": dt.datetime(2024, 5, 1, 13, 45, 12), "n": 12345.678, "note": "a;b\nc"}
    text = render_prompt("t", "c", row, ["cat", "when", "n", "note", "missing"])
    assert text == "cat=fruit;when=2024-05-01 13:45;n=1.23e+04;note=a,b c;missing=null|t.c>"
    assert text == render_prompt("t", "c", dict(reversed(row.items())), ["cat", "when", "n", "note", "missing"])


def test_long_values_are_cut():
    assert len(format_value("x" * 500)) == 32
    assert format_value(["a", "b"]) == '["a","b"]'
