"""Evaluate a synthetic relational database against the real one (``amalgam-rel evaluate``).

One module per metric area; :mod:`.evaluate` runs them in order and returns an
:class:`Evaluation` whose ``to_dict()`` is the ``--json`` output. Every score is in [0, 1],
1 = indistinguishable; docs/metrics.md defines each one.
"""

from amalgam_rel.evaluation.evaluate import STAGES, Evaluation, evaluate

__all__ = ["STAGES", "Evaluation", "evaluate"]
