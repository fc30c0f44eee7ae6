"""Adding a rule is one module and one line in ``RULES``: fitting, the table model, sampling, the
saved model and the list of computed columns all follow the registry (docs/architecture.md).

The rule registered here is docs/architecture.md's worked example: a text column that is another
text column of its row in lower case.
"""

from __future__ import annotations

import types
from dataclasses import asdict, dataclass

import duckdb
import pyarrow.compute as pc
import pytest

from amalgam_rel import Synthesizer
from amalgam_rel.relational import rules
from amalgam_rel.relational.rules.protocol import checked_columns, unique_columns
from amalgam_rel.saved import typed
from amalgam_rel.schema.types import Kind

WORDS = ["River", "Stone", "Maple", "Quiet", "Amber", "North", "Field", "Cloud", "Ember", "Brook", "Cedar", "Harbor"]


@dataclass(frozen=True)
class Lowered:
    column: str
    source: str


def _lowered_rule() -> types.ModuleType:
    rule = types.ModuleType("lowered")
    rule.NAME, rule.FIT_AT = "lowered", "columns"

    def find(ctx):
        ft = ctx.ft
        text = [c.name for c in ft.table.columns if c.type.kind is Kind.STRING and c.name in ft.frame.column_names]
        skip = ctx.claimed | checked_columns(ft.table) | unique_columns(ft.table)
        return tuple(Lowered(t, s) for t in text if t not in skip for s in text
                     if s != t and ft.frame.column(t).equals(pc.utf8_lower(ft.frame.column(s))))[:1]

    def claims(records):
        return tuple(r.column for r in records)

    def apply(d, records):
        for r in records:
            d.values[r.column] = pc.utf8_lower(d.values[r.source])

    rule.find, rule.claims, rule.computed, rule.apply = find, claims, claims, apply
    rule.apply_at = lambda record, ft: "finished"
    rule.describe = lambda records, db: [(r.column, f"lower({r.source})") for r in records]
    rule.to_json = lambda records: {"lowered": [asdict(r) for r in records]}
    rule.from_json = lambda entry, where: typed(tuple[Lowered, ...], entry.get("lowered", []), f"{where}.lowered")
    return rule


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, title VARCHAR NOT NULL, "
                    "title_lower VARCHAR NOT NULL, price DOUBLE NOT NULL)")
        rows = [(i, f"{WORDS[i % 12]} {WORDS[(i * 5) % 12]} {WORDS[(i * 7) % 11]}", None, 5.0 + (i * 37) % 40)
                for i in range(120)]
        con.executemany("INSERT INTO product VALUES (?, ?, lower(?), ?)", [(i, t, t, p) for i, t, _, p in rows])
    return path


def test_a_rule_added_to_the_registry_is_fitted_sampled_saved_and_listed(source, tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "RULES", rules.RULES + (_lowered_rule(),))
    synth = Synthesizer(seed=0).fit(source)
    model = synth.model_
    assert model.tables_["product"].rules["lowered"] == (Lowered("title_lower", "title"),)
    assert ("product.title_lower", "lower(title)") in model.computed_columns()
    assert "title_lower" not in model.tables_["product"].text_columns  # the language model does not write it
    assert "title_lower" not in model.tables_["product"].model.columns_  # nor does the table model learn it

    rows = synth.sample(scale=1.0).tables["product"]
    assert rows.num_rows == 120
    assert rows.column("title_lower").to_pylist() == [t.lower() for t in rows.column("title").to_pylist()]

    model.save(tmp_path / "model")
    loaded = type(model).load(tmp_path / "model")
    assert loaded.tables_["product"].rules["lowered"] == (Lowered("title_lower", "title"),)


def test_without_the_rule_the_column_is_drawn_and_does_not_follow(source):
    synth = Synthesizer(seed=0).fit(source)
    assert "lowered" not in synth.model_.tables_["product"].rules
    rows = synth.sample(scale=1.0).tables["product"]
    lowered = [t.lower() for t in rows.column("title").to_pylist()]
    assert rows.column("title_lower").to_pylist() != lowered  # the test above is not vacuous
