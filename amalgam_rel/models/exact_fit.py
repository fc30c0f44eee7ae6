"""The exact fit of a :class:`~amalgam_rel.models.table_model.TableModel`: true marginals.

Every codec learns its domain from the data, the structure is a Chow-Liu tree of pairwise mutual
information plus a few extra high-information pairs, and the clique potentials are the closed-form
maximum-likelihood point (or mbi's MirrorDescent on the same exact counts). The private fit
(:mod:`.private_fit`) returns the same :class:`FittedParts`, so the model is built alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from amalgam_rel.errors import DataError
from amalgam_rel.models import structure
from amalgam_rel.models.aggregated_fit import clique_counts, fit_codecs
from amalgam_rel.models.aggregates import Aggregates
from amalgam_rel.models.codecs import Codec, CodecOptions, ColumnSpec, make_codec
from amalgam_rel.models.estimation import (Measurement, Potentials, closed_form, estimate, largest_clique_cells,
                                           maximal_cliques)
from amalgam_rel.models.ledger import Ledger


@dataclass(frozen=True)
class FittedParts:
    """What a fit learned, before the model wraps it in a sampler."""

    specs: list[ColumnSpec]
    codecs: list[Codec]
    left_out: dict[str, str]  # column -> why the model does not own it
    ledger: Ledger | None  # what the private fit spent (None: exact)
    n_rows: int  # rows the model stands for (noisy when private)
    names: list[str]
    sizes: list[int]
    edges: list[tuple[int, int]]  # measured pairs, as indexes into ``names``
    potentials: Potentials
    seconds: dict[str, float]
    sample_rows: int | None = None  # fitted from aggregates: the rows of the sample (else None: all rows)
    sample_cliques: tuple[tuple[str, ...], ...] = ()  # of those, the cliques counted on the sample
    text_nulls: dict[str, float] | None = None  # private fits: nullable text column -> its noisy NULL share


class Laps:
    """Seconds of each fit stage: a stage's time runs from the end of the previous one."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self._last
        self._last = now


def encode_columns(codecs: list[Codec], data: pa.Table) -> np.ndarray:
    """The rows as codes, one column per codec (one column of zeros when there is no codec).

    Column-major: every later count reads whole columns (a pair's contingency table, a clique's
    marginal), and a column of six million rows strided across a row-major array read four times slower."""
    return np.stack([c.encode(data.column(c.name)) for c in codecs] or [np.zeros(data.num_rows, np.int64)], axis=0).T


def fit_exact(data: pa.Table, specs: list[ColumnSpec], left_out: dict[str, str], options: CodecOptions, *,
              extra_edges: int | None, max_clique_cells: int, estimator: str, iters: int, laps: Laps,
              aggregates: Aggregates | None = None) -> FittedParts:
    """Fit the planned ``specs`` of ``data`` on exact counts (see the module doc). With
    ``aggregates``, ``data`` is a sample of a larger table whose counts those give
    (:mod:`.aggregated_fit`): codecs and clique counts come from every row, structure from the sample."""
    if aggregates is not None and estimator != "auto":
        raise DataError("a table fitted from aggregates is estimated in closed form: use estimator='auto'")
    if aggregates is None:
        codecs = [make_codec(spec, options).fit(data.column(spec.name)) for spec in specs]
    else:
        codecs = fit_codecs(data, specs, options, aggregates)
    laps.lap("codecs")

    names, sizes = [c.spec.name for c in codecs], [c.size for c in codecs]
    codes = encode_columns(codecs, data)
    one_way = [np.bincount(codes[:, i], minlength=sizes[i]).astype(np.float64) for i in range(len(names))]
    laps.lap("encode")

    # the tree by the mutual information less its bias, the extras by the observed (structure's doc)
    observed, corrected = structure.mutual_information_matrices(codes, sizes)
    extra = extra_edges if extra_edges is not None else len(names) // 2
    edges = structure.add_extra_edges(
        observed, structure.chow_liu(corrected), sizes, extra, max_clique_cells,
        lambda es: largest_clique_cells(names, sizes, [(names[i], names[j]) for i, j in es]))
    laps.lap("structure")

    measurements = [Measurement((names[i],), one_way[i], 1.0) for i in range(len(names))]
    measurements += [Measurement((names[i], names[j]), structure.pair_counts(codes, sizes, i, j), 1.0) for i, j in edges]
    rows = data.num_rows if aggregates is None else aggregates.rows
    sample_cliques: tuple[tuple[str, ...], ...] = ()
    if not names:  # nothing to model (keys and text only): the model just counts rows
        potentials = Potentials([], [], [], float(rows))
    elif estimator == "mirror_descent":
        potentials = estimate(names, sizes, measurements, iters=iters, known_total=float(len(codes)))
    else:
        cliques = [m.clique for m in measurements]
        counted = None
        if aggregates is not None:
            maximal = maximal_cliques(names, sizes, cliques)[0]
            counted = clique_counts(aggregates, codecs, data, sizes, maximal)
            sample_cliques = tuple(cl for cl in maximal if cl not in counted)
        potentials = closed_form(names, sizes, codes, cliques, counted, rows)
    laps.lap("estimate")
    return FittedParts([c.spec for c in codecs], codecs, left_out, None, rows, names, sizes, list(edges),
                       potentials, laps.seconds, None if aggregates is None else data.num_rows, sample_cliques)
