"""Orchestration: fit every table of a database and sample them back, in plan order.

:mod:`.database_model` holds :class:`~amalgam_rel.pipeline.database_model.DatabaseModel`, the fit
and sample entry point; :mod:`.fitting` fits one table's models, :mod:`.sampling` draws one table
(:mod:`.repairs` mends what a draw breaks: CHECKs, UNIQUE columns, text); :mod:`.streaming` writes
big tables in parts; :mod:`.persistence` saves and loads a fitted model; :mod:`.private_database`
and :mod:`.private_fit` are the same fit under differential privacy (:mod:`amalgam_rel.dp`).
"""
