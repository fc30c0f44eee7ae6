"""A short synth from each kind of source (issue 25): a small copy of chinook loaded into it is
learnt and sampled; the output has the source's tables, keys and foreign keys, all holding.
A folder of files declares no key: the keys its data suggests (``inspect --suggest-keys``) are
passed back as a sidecar, and hold in the synthetic rows too."""

from __future__ import annotations

import pytest

from amalgam_rel.api import Synthesizer
from amalgam_rel.connection import connect
from amalgam_rel.locations import parse_location
from amalgam_rel.schema.duckdb_reader import read_duckdb
from amalgam_rel.schema.key_discovery import sidecar_toml, suggest_keys
from amalgam_rel.schema.sidecar import apply_sidecar
from amalgam_rel.schema.sources import open_source

from .conftest import EXAMPLE, fresh_name
from .servers import (MYSQL_URL, PG_URL, drop_from_server, export_folder, load_into_server, load_into_sqlite,
                      mini_chinook, require_server)

KINDS = ["postgres", "mysql", "sqlite", "parquet", "csv"]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return mini_chinook(EXAMPLE, tmp_path_factory.mktemp("mini") / "mini.duckdb")


@pytest.fixture
def source(request, mini, tmp_path):
    """(location text, schema) of the small chinook loaded into a source of kind ``request.param``."""
    kind = request.param
    if kind in ("postgres", "mysql"):
        require_server(kind)
        name = fresh_name("amalgam_mini")
        url = PG_URL if kind == "postgres" else MYSQL_URL
        load_into_server(mini, kind, url, name)
        try:
            yield (url, name) if kind == "postgres" else (url.rsplit("/", 1)[0] + "/" + name, None)
        finally:
            drop_from_server(kind, url, name)
    elif kind == "sqlite":
        load_into_sqlite(mini, tmp_path / "mini.db")
        yield f"sqlite:{tmp_path / 'mini.db'}", None
    else:
        export_folder(mini, tmp_path / kind, kind)
        yield f"{kind}:{tmp_path / kind}", None


@pytest.mark.parametrize("source", KINDS, indirect=True)
def test_a_short_synth_from_each_kind_of_source(source, mini, tmp_path):
    text, schema = source
    location = parse_location(text, schema=schema)
    sidecar = None
    if location.kind in ("parquet", "csv"):
        with open_source(location) as src:
            found = suggest_keys(src.con, src.database)
        declared = read_duckdb(mini)
        # every key the small chinook declares, but the self-reference Employee.ReportsTo (its name says nothing)
        assert {fk.label for fk in found.foreign_keys} == {fk.label for fk in declared.foreign_keys
                                                           if not fk.is_self_reference}
        assert {(k.table, k.columns) for k in found.primary_keys} == {(t.name, t.primary_key) for t in declared.tables}
        sidecar = tmp_path / "keys.toml"
        sidecar.write_text(sidecar_toml(found, location.shown()))
    out = tmp_path / "out.duckdb"
    Synthesizer(seed=4, text_steps=1).fit(location, sidecar=sidecar).sample(out, scale=0.2)
    if location.kind == "postgres":  # evaluate reads the same locations as REAL
        from amalgam_rel.api import evaluate

        result = evaluate(location, out)
        assert result.real == location.shown() and 0 <= result.score("validity") <= 1
    real, synthetic = read_duckdb(mini), read_duckdb(out)
    assert sorted(synthetic.table_names) == sorted(real.table_names)
    assert all(synthetic.table(t.name).row_count > 0 for t in real.tables)
    if sidecar is None:  # the source's keys, declared again (DuckDB enforced them on insert)
        assert {fk.label for fk in synthetic.foreign_keys} == {fk.label for fk in real.foreign_keys}
        assert {t.name: t.primary_key for t in synthetic.tables} == {t.name: t.primary_key for t in real.tables}
    else:  # the suggested keys hold in the synthetic rows (apply_sidecar checks them against the data)
        con = connect(out, read_only=True)
        try:
            checked = apply_sidecar(synthetic, sidecar, con)
        finally:
            con.close()
        assert len([fk for fk in checked.foreign_keys if fk.kind == "logical"]) == len(found.foreign_keys)
