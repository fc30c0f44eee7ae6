"""What ``amalgam-rel sample`` says about the text it wrote."""

from amalgam_rel.generation.text_model import ColumnReport
from amalgam_rel.pipeline.sample_report import SampleReport


def _text(rows, sampled, reused=0, null_fallbacks=0):
    return ColumnReport(rows=rows, sampled=sampled, reused=reused, null_fallbacks=null_fallbacks).to_dict()


def test_rows_left_null_after_every_attempt_are_named():
    report = SampleReport()
    report.add("part", 100, {"code": _text(100, 400, null_fallbacks=7), "name": _text(100, 120, reused=20)})
    report.add("part", 50, {"code": _text(50, 200, null_fallbacks=3), "name": _text(50, 60)})
    line = report.text_summary()
    assert line.startswith("text: 2 columns, 300 rows, 780 language-model draws, 20 rows reuse")
    assert line.endswith("left NULL after every attempt failed: part.code (10)")


def test_nothing_is_said_when_every_row_got_a_value():
    report = SampleReport()
    report.add("part", 10, {"name": _text(10, 12)})
    assert "left NULL" not in report.text_summary()
