"""amalgam-rel's Python API, exported by :mod:`amalgam_rel`: :class:`Synthesizer` (fit, sample,
save, load), the :class:`Sample` it returns, :func:`evaluate`, and :func:`subset` (REAL rows)."""

from amalgam_rel.api.evaluate import evaluate
from amalgam_rel.api.sample import Sample
from amalgam_rel.api.subset import Subset, subset
from amalgam_rel.api.synthesizer import Synthesizer

__all__ = ["Sample", "Subset", "Synthesizer", "evaluate", "subset"]
