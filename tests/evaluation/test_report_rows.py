"""The HTML report shows real and synthetic rows side by side, every value escaped."""

from __future__ import annotations

import duckdb

from amalgam_rel.evaluation import evaluate
from amalgam_rel.evaluation.report import render


def test_report_shows_escaped_rows_of_both_sides(tmp_path):
    paths = {}
    for side, label in (("real", "<b>Rock & Roll</b>"), ("synth", '<script>alert("x")</script>')):
        paths[side] = tmp_path / f"{side}.duckdb"
        con = duckdb.connect(str(paths[side]))
        con.execute("CREATE TABLE genre (id INTEGER PRIMARY KEY, name VARCHAR)")
        con.executemany("INSERT INTO genre VALUES (?, ?)", [(i, f"{label} {i}") for i in range(30)])
        con.close()
    ev = evaluate(paths["real"], paths["synth"], stages=("realism", "sample_rows"))
    rows = ev.to_dict()["sample_rows"]["tables"][0]
    assert len(rows["real"]) == 5 and len(rows["synth"]) == 5
    html = render(ev)
    assert "Rows side by side" in html
    assert "&lt;b&gt;Rock &amp; Roll&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>" not in html and "<b>Rock" not in html
    assert "Realism" in html
