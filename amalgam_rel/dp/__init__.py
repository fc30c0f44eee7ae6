"""Database-level differential privacy: ``amalgam-rel synth SRC -o OUT --epsilon E [--privacy-unit TABLE]``.

The guarantee is per *privacy unit* (a row of the unit table plus every row that reaches it
through foreign keys); tables outside every unit's reach are public and kept verbatim. See
``docs/privacy.md`` for the neighbouring relation, the contribution bounds and the sensitivity
derivation. One module per job:

- :mod:`.unit`: the unit (given or chosen from the schema) and the private and public tables;
- :mod:`.unit_bounding`: caps on the rows one unit holds, applied to the source in SQL;
- :mod:`.public_parents`: foreign keys into public tables as attributes of private rows;
- :mod:`.options`: what the user asks for (epsilon, delta, caps, what to do with text), checked
  before any data is read;
- :mod:`.bounding`: per-FK caps, the bounded rows' TEMP tables, clipped child counts;
- :mod:`.sensitivity`: rows of each training frame one unit can change;
- :mod:`.accounting`: the split of rho over the tables and the empty database ledger (a
  :class:`~amalgam_rel.models.ledger.Ledger`, the type a table model's ledger has too);
- :mod:`.public`: the data-independent replacements of fit steps that used to read real data;
- :mod:`.schema_text`: text and nested values from the schema alone;
- the private fit that ties them together is orchestration: :mod:`amalgam_rel.pipeline.private_fit`
  and :mod:`amalgam_rel.pipeline.private_database`.
"""
