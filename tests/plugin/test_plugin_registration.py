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
    names = {line.split()[0] for line in listed.stdout.lines if line.startswith("amalgam_")}
    assert names == {"amalgam_db", "amalgam_models"}, listed.stdout.str()[-2000:]  # in whatever order pytest lists them


def test_a_cached_fit_is_keyed_by_the_source_the_options_and_amalgam_rels_own_code(tmp_path, monkeypatch):
    from amalgam_rel import pytest_plugin

    source = tmp_path / "s.duckdb"
    source.write_bytes(b"DUCK" * 100)
    key = pytest_plugin._fit_key(source, {"seed": 0}, None)
    assert pytest_plugin._fit_key(source, {"seed": 0}, None) == key
    assert pytest_plugin._fit_key(source, {"seed": 1}, None) != key
    source.write_bytes(b"DUCK" * 101)
    changed_source = pytest_plugin._fit_key(source, {"seed": 0}, None)
    assert changed_source != key
    monkeypatch.setattr(pytest_plugin, "_code_digest", lambda: "another version of amalgam-rel")
    assert pytest_plugin._fit_key(source, {"seed": 0}, None) != changed_source
