"""The plugin is found the way an installed amalgam-rel offers it, and fails a test in one line."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_the_pytest11_entry_point_names_the_plugin_module_under_its_own_name():
    # the same name as the module: `-p amalgam_rel.pytest_plugin` or `pytest_plugins` then registers it once
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"amalgam_rel.pytest_plugin": "amalgam_rel.pytest_plugin"}


def test_a_session_gets_amalgam_db_and_a_bad_model_fails_its_test_in_one_line(pytester):
    pytester.makepyfile(test_inner="""
        def test_missing_model(amalgam_db):
            amalgam_db("no-such-model", scale=0.01)
    """)
    result = pytester.runpytest_subprocess("-p", "amalgam_rel.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*amalgam_db: *no-such-model is neither a saved model directory nor a DuckDB source file"])
    assert "Traceback" not in result.stdout.str()
    listed = pytester.runpytest_subprocess("-p", "amalgam_rel.pytest_plugin", "--fixtures")
    listed.stdout.fnmatch_lines(["amalgam_db*", "amalgam_models*"])
