"""Database-level differential privacy (issue 6 item 7): caps, sensitivities, the split, the
ledger, the CLI, and that no step reads real data beyond what the guarantee covers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.dp.accounting import database_rho
from amalgam_rel.dp.bounding import fk_caps
from amalgam_rel.dp.unit import privacy_unit
from amalgam_rel.dp.unit_bounding import bound_units
from amalgam_rel.pipeline.private_fit import private_plan
from amalgam_rel.dp.options import PrivacyOptions
from amalgam_rel.dp.sensitivity import unit_contributions
from amalgam_rel.errors import InputError
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.relational.training import TrainingFrames
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb

ITERS = 100
DDL = """
CREATE TABLE club (id INTEGER PRIMARY KEY, active BOOLEAN NOT NULL, size DOUBLE NOT NULL);
CREATE TABLE gym (id INTEGER PRIMARY KEY, capacity INTEGER NOT NULL CHECK (capacity BETWEEN 10 AND 500));
CREATE TABLE member (id INTEGER PRIMARY KEY, club_id INTEGER NOT NULL REFERENCES club (id),
                     age INTEGER NOT NULL CHECK (age BETWEEN 16 AND 99), joined DATE NOT NULL);
CREATE TABLE visit (id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL REFERENCES member (id),
                    gym_id INTEGER NOT NULL REFERENCES gym (id), minutes DOUBLE NOT NULL);
"""


def build(path: Path, extra_members_of_club_1: int = 0, seed: int = 3) -> Path:
    """60 clubs with 1-6 members each, members with 0-5 visits at 20 gyms. ``extra`` adds members
    (with visits) to club 1 *after* its own ones in key order: beyond any cap of 6 or less."""
    rng = np.random.default_rng(seed)
    clubs, gyms = 60, 20
    per_club = rng.integers(1, 7, clubs)
    per_club[0] = 6  # club 1 is full at any cap of 6 or less, so its extra members are beyond it
    member_club = np.repeat(np.arange(1, clubs + 1), per_club)
    n = len(member_club)
    ages = rng.integers(18, 80, n)
    joined = rng.integers(0, 2000, n)
    per_member = rng.integers(0, 6, n)
    club_active, club_size = rng.random(clubs) < 0.7, rng.lognormal(3, 0.5, clubs).round(1)
    capacity = rng.integers(10, 501, gyms)
    visit_member = np.repeat(np.arange(1, n + 1), per_member)
    visit_gym, minutes = rng.integers(1, gyms + 1, len(visit_member)), rng.gamma(3, 20, len(visit_member)).round(1)
    if extra_members_of_club_1:  # drawn apart, so every other row is the same in both databases
        more = np.random.default_rng(seed + 1)
        k = extra_members_of_club_1
        member_club = np.concatenate([member_club, np.ones(k, dtype=np.int64)])
        ages, joined = np.concatenate([ages, np.full(k, 99)]), np.concatenate([joined, more.integers(0, 2000, k)])
        extra_visits = np.repeat(np.arange(n + 1, n + k + 1), 5)
        visit_member = np.concatenate([visit_member, extra_visits])
        visit_gym = np.concatenate([visit_gym, np.ones(len(extra_visits), dtype=np.int64)])
        minutes = np.concatenate([minutes, np.full(len(extra_visits), 500.0)])
    m, v = len(member_club), len(visit_member)
    tables = {
        "club": {"id": np.arange(1, clubs + 1), "active": club_active, "size": club_size},
        "gym": {"id": np.arange(1, gyms + 1), "capacity": capacity},
        "member": {"id": np.arange(1, m + 1), "club_id": member_club, "age": ages,
                   "joined": pa.array((np.datetime64("2015-01-01") + joined).astype("datetime64[D]"))},
        "visit": {"id": np.arange(1, v + 1), "member_id": visit_member, "gym_id": visit_gym, "minutes": minutes},
    }
    con = duckdb.connect(str(path))
    con.execute(DDL)
    for name, columns in tables.items():
        con.register("__rows", pa.table(columns))
        con.execute(f'INSERT INTO "{name}" SELECT * FROM __rows')
        con.unregister("__rows")
    con.close()
    return path


@pytest.fixture(scope="module")
def gyms(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dp") / "real.duckdb")


@pytest.fixture(scope="module")
def private_model(gyms):
    return DatabaseModel(seed=1, iters=ITERS, epsilon=1.0, max_children=4, privacy_unit="club").fit(gyms)


def club_plan(con):
    db = read_duckdb(con)
    unit = privacy_unit(db, "club", (), {})
    return private_plan(db, PrivacyOptions(1.0), unit), unit


def validity_violations(real: Path, synth: Path) -> list[dict]:
    from amalgam_rel.evaluation import evaluate

    result = evaluate(real, synth, stages=("validity",)).results["validity"]
    assert result.checks, "validity ran no checks"
    return result.to_dict()["failed"]


def test_sensitivities_follow_the_caps_along_the_fk_paths(gyms):
    con = open_duckdb(gyms)
    plan, unit = club_plan(con)
    con.close()
    assert unit.private == ("club", "member", "visit") and unit.public == ("gym",)
    c = unit_contributions(plan, "club", set(unit.private), fk_caps(plan, lambda table: {"member": 3, "visit": 5}[table]))
    assert c.rows == {"club": 1, "gym": 0, "member": 3, "visit": 15}
    # visit -> gym is an attribute of the visit (gym is public): no gym row changes with a club
    assert c.sensitivity == {"club": 1, "gym": 0, "member": 3, "visit": 15}


def test_bounding_caps_children_per_parent_and_drops_their_subtrees(gyms):
    con = open_duckdb(gyms)
    plan, unit = club_plan(con)
    caps = fk_caps(plan, lambda table: 2)
    frames = TrainingFrames(con, plan, bound_units(con, plan, "club", set(unit.private), caps))
    club = frames.build("club", ())
    member = frames.build("member", ("active",))
    visit = frames.build("visit", ())
    real_members = con.execute("SELECT count(*) FROM member").fetchone()[0]
    con.close()
    count = club.column("#0").to_numpy()  # members per club, counted on the kept rows
    assert count.max() == 2 and count.sum() == member.num_rows < real_members
    per_club = member.group_by("club_id").aggregate([("id", "count")]).column("id_count").to_numpy()
    assert per_club.max() <= 2
    kept = set(member.column("id").to_pylist())
    assert set(visit.column("member_id").to_pylist()) <= kept  # visits of dropped members are gone
    assert visit.group_by("member_id").aggregate([("id", "count")]).column("id_count").to_numpy().max() <= 2


def test_ledger_spends_exactly_rho_and_sigma_is_the_formulas(private_model):
    ledger = private_model.privacy_
    assert ledger.rho == pytest.approx(database_rho(1.0, 1e-9))
    assert ledger.spent == pytest.approx(ledger.rho, rel=1e-9)
    assert sum(t["rho"] for t in ledger.tables.values()) == pytest.approx(ledger.rho, rel=1e-9)
    assert ledger.delta_spent <= 1e-9 * (1 + 1e-9)
    assert {t: info["role"] for t, info in ledger.tables.items()} == {
        "club": "unit", "gym": "public", "member": "private", "visit": "private"}
    assert "disclosed" in ledger.tables["gym"]["disclosed"] and ledger.unit == "club"
    assert "&2.id" in private_model.tables_["visit"].model.columns_  # the gym (FK 2), an attribute of the visit
    for table, info in ledger.tables.items():
        if info["role"] == "public":
            assert not [e for e in ledger.entries if e.table == table and e.rho > 0]
            continue
        spends = [e for e in ledger.entries if e.table == table and e.rho > 0]
        assert sum(e.rho for e in spends) == pytest.approx(info["rho"], rel=1e-9), table
        assert all(e.sensitivity == info["sensitivity"] for e in spends), table
        rows = next(e for e in spends if e.step == "rows")  # one row count: L2 sensitivity = s
        assert rows.sigma == pytest.approx(info["sensitivity"] / math.sqrt(2 * rows.rho), rel=5e-3), table
    # the cardinality models are the #i columns of the parents' models, and the ledger says so
    notes = {e.step: e for e in ledger.entries if e.rho == 0}
    assert "column #0 of the club model" in notes["cardinality:member(club_id) -> club(id)"].detail


def test_changing_children_beyond_the_cap_changes_nothing_fitted(tmp_path):
    """One club gains members (and their visits) beyond the cap: every public choice, every
    parameter and the whole fitted model stay identical, so no step read the dropped rows."""
    a = DatabaseModel(seed=5, iters=ITERS, epsilon=1.0, max_children=4, privacy_unit="club").fit(
        build(tmp_path / "a.duckdb"))
    b = DatabaseModel(seed=5, iters=ITERS, epsilon=1.0, max_children=4, privacy_unit="club").fit(
        build(tmp_path / "b.duckdb", extra_members_of_club_1=30))
    docs = []
    for model, name in ((a, "ma"), (b, "mb")):
        model.save(tmp_path / name)
        doc = json.loads((tmp_path / name / "model.json").read_text())
        docs.append({k: v for k, v in doc.items() if k not in ("source", "fit_seconds")})
    assert docs[0] == docs[1]
    files = sorted(p.name for p in (tmp_path / "ma" / "tables").glob("*.npz"))
    assert len(files) == 3  # club, member, visit (gym is public: no model)
    for i in files:  # the arrays of every table model (the zip members carry their write time)
        x, y = np.load(tmp_path / "ma" / "tables" / i), np.load(tmp_path / "mb" / "tables" / i)
        assert sorted(x.files) == sorted(y.files)
        for name in x.files:
            assert np.array_equal(x[name], y[name]), (i, name)


def test_text_columns_are_refused_by_default_and_schema_filled_on_request(tmp_path):
    path = tmp_path / "people.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, bio JSON)")
    con.execute("INSERT INTO person SELECT i, 'person ' || i, '{\"a\": 1}' FROM range(1, 200) t(i)")
    con.close()
    with pytest.raises(InputError, match=r"person\.bio.*not covered by --epsilon"):
        DatabaseModel(epsilon=1.0, iters=ITERS).fit(path)
    model = DatabaseModel(epsilon=1.0, iters=ITERS, epsilon_text="schema").fit(path)
    text = [e for e in model.privacy_.entries if e.step.startswith("text:")]
    assert {e.step for e in text} >= {"text:bio"} and all("NOT LEARNED" in e.detail for e in text)
    model.sample(tmp_path / "out.duckdb")
    out = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    assert out.execute("SELECT count(*) FROM person WHERE bio IS NULL").fetchone()[0] == 0
    out.close()


def test_cli_synth_with_epsilon_is_valid_writes_the_ledger_and_varies_with_the_seed(gyms, tmp_path):
    runner = CliRunner()
    outputs = []
    for seed in (0, 1):
        out = tmp_path / f"synth{seed}.duckdb"
        result = runner.invoke(app, ["synth", str(gyms), "-o", str(out), "--epsilon", "1", "--max-children", "4",
                                     "--seed", str(seed)])
        assert result.exit_code == 0, result.output
        assert "privacy ledger" in result.output
        assert validity_violations(gyms, out) == []
        ledger = json.loads(Path(str(out) + ".privacy.json").read_text())
        assert ledger["rho_spent"] == pytest.approx(ledger["rho"], rel=1e-9)
        outputs.append(duckdb.connect(str(out), read_only=True).execute("SELECT sum(minutes), count(*) FROM visit").fetchall())
    assert outputs[0] != outputs[1]


def test_cli_checks_privacy_options_before_fitting(gyms, tmp_path):
    runner = CliRunner()
    for args, message in ((["--epsilon", "-1"], "--epsilon must be a positive number"),
                          (["--epsilon", "1", "--delta", "1"], "--delta must be between 0 and 1"),
                          (["--delta", "0.001"], "only apply with --epsilon"),
                          (["--epsilon", "1", "--max-children", "nowhere=3"], "unknown tables: nowhere"),
                          (["--epsilon", "1", "--privacy-unit", "nowhere"], "--privacy-unit names an unknown table"),
                          (["--privacy-unit", "club"], "only apply with --epsilon"),
                          (["--epsilon", "1", "--epsilon-text", "guess"], "--epsilon-text must be one of")):
        result = runner.invoke(app, ["synth", str(gyms), "-o", str(tmp_path / "x.duckdb"), *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert not (tmp_path / "x.duckdb").exists()


def test_fit_saves_the_ledger_with_the_model(private_model, tmp_path):
    private_model.save(tmp_path / "model")
    assert json.loads((tmp_path / "model" / "privacy.json").read_text())["rho_spent"] == pytest.approx(private_model.privacy_.rho)
    loaded = DatabaseModel.load(tmp_path / "model")
    assert loaded.privacy_.to_json() == private_model.privacy_.to_json()
    assert loaded.plan_.tables["member"].driver == private_model.plan_.tables["member"].driver
