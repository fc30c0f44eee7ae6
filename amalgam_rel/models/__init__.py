"""Per-table graphical models on private-pgm (``mbi``): codecs, structure, estimation, sampling.

The entry point is :class:`~amalgam_rel.models.table_model.TableModel`; see ``docs/pgm.md``.
"""
