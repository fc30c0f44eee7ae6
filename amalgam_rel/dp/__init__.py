"""Database-level differential privacy: ``amalgam-rel synth SRC -o OUT --epsilon E``.

The guarantee is per *root entity* (a row without a driving parent plus every row that reaches
it through driving foreign keys); see ``docs/privacy.md`` for the neighbouring relation, the
contribution bounds and the sensitivity derivation. One module per job:

- :mod:`.options`: what the user asks for (epsilon, delta, caps, what to do with text), checked
  before any data is read;
- :mod:`.bounding`: per-FK caps on children per parent, applied to the source rows in SQL;
- :mod:`.sensitivity`: rows of each training frame one entity can change;
- :mod:`.accounting`: the split of rho over the tables and the empty database ledger (a
  :class:`~amalgam_rel.models.ledger.Ledger`, the type a table model's ledger has too);
- :mod:`.public`: the data-independent replacements of fit steps that used to read real data;
- :mod:`.schema_text`: text and nested values from the schema alone;
- the private fit that ties them together is orchestration: :mod:`amalgam_rel.pipeline.private_fit`
  and :mod:`amalgam_rel.pipeline.private_database`.
"""
