"""Codec for BOOLEAN, ENUM and low-cardinality strings.

Each frequent category is a code; categories seen fewer than ``rare_min_count`` times (or beyond
``max_categories``) share one *rare* code that decodes to one of those real rare values, drawn
by frequency, so output never contains a made-up placeholder. NULL is its own code.

When private, the categories are the public labels (ENUM, BOOLEAN, CHECK ... IN) where they
exist; otherwise only values whose noisy count clears a threshold are released (a stability-
based histogram, which spends part of delta), and the rare code decodes to the least frequent
released values.

>>> import pyarrow as pa, numpy as np
>>> codec = CategoricalCodec(ColumnSpec("c", Kind.STRING, pa.string())).fit(pa.array(["a", "a", "b", "b", "y", "z", None]))
>>> codec.categories, codec.rare_values, codec.size  # y and z are rare; NULL gets the last code
(['a', 'b'], ['y', 'z'], 4)
>>> codec.encode(pa.array(["b", "z", None, "never seen"])).tolist()
[1, 2, 3, 2]
>>> codec.decode(np.array([0, 2, 3]), np.random.default_rng(0)).to_pylist()
['a', 'z', None]
"""

from __future__ import annotations

import copy

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amalgam_rel.models.codecs.base import Codec, CodecOptions, ColumnSpec, PrivateFit, combine
from amalgam_rel.models.privacy import gaussian_sigma, release_threshold
from amalgam_rel.models.stratified import stratified_uniforms
from amalgam_rel.schema.types import Kind


# Below this share of rows in released states, a private column is text. NULL is a released
# state too (a public label, its noisy count measured with the values): berka's trans.k_symbol,
# 59 % NULL and one value released of seven, was text - placeholders, never NULL (column shape 0)
# - where its NULLs and its commonest value hold 77 % of the rows.
_RELEASED_SHARE = 0.5


class CategoricalCodec(Codec):
    @property
    def size(self) -> int:
        return len(self.categories) + int(bool(self.rare_values)) + int(self.has_null)

    @property
    def rare_code(self) -> int | None:
        return len(self.categories) if self.rare_values else None

    @property
    def null_code(self) -> int | None:
        return self.size - 1 if self.has_null else None

    def _plain(self, values) -> pa.Array:
        arr = combine(values)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        if pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.string())
        return arr

    def fit(self, values, private: PrivateFit | None = None) -> CategoricalCodec:
        arr = self._plain(values)
        if private is not None:
            return self._fit_private(arr, private)
        counts = pc.value_counts(arr.drop_null()) if len(arr) > arr.null_count else None
        if counts is None or len(counts) == 0:
            return self.fit_counts([], np.zeros(0, np.int64), arr.null_count)
        return self.fit_counts(counts.field("values").to_pylist(), counts.field("counts").to_numpy(), arr.null_count)

    def fit_counts(self, vals: list, cnts: np.ndarray, nulls: int) -> CategoricalCodec:
        """Fit on value counts alone (distinct non-NULL values, their counts, the NULL count): what
        ``fit`` computes from the rows, or a ``GROUP BY`` computes where the rows are too many."""
        self.has_null = nulls > 0
        if len(vals) == 0:
            self.categories, self.rare_values, self.rare_weights = [], [], np.zeros(0)
            if not self.has_null:  # an empty column still needs one code to be a variable
                self.categories = [self.spec.labels[0]] if self.spec.labels else [False if self.spec.kind is Kind.BOOLEAN else ""]
            return self
        order = sorted(range(len(vals)), key=lambda i: (-cnts[i], str(vals[i])))  # deterministic ties
        keep = [i for i in order if cnts[i] >= self.options.rare_min_count][: self.options.max_categories]
        kept = set(keep)
        rare = [i for i in order if i not in kept]
        if len(rare) == 1 and len(keep) < self.options.max_categories:  # one rare value is simply a category
            keep, rare = keep + rare, []
        if not keep:  # every value rare: the most frequent ones still become categories
            keep, rare = order[: self.options.max_categories], order[self.options.max_categories :]
        self.categories = [vals[i] for i in keep]
        self.rare_values = [vals[i] for i in rare]
        self.rare_weights = np.array([cnts[i] for i in rare], dtype=np.float64)
        return self

    def _fit_private(self, arr: pa.Array, private: PrivateFit) -> CategoricalCodec:
        self.has_null = self.spec.nullable
        labels = list(self.spec.labels) or ([False, True] if self.spec.kind is Kind.BOOLEAN else [])
        sigma = gaussian_sigma(private.rho)
        if labels:
            candidates = labels
        else:
            counts = pc.value_counts(arr.drop_null()) if len(arr) > arr.null_count else None
            candidates = counts.field("values").to_pylist() if counts is not None else []
        idx = pc.index_in(arr, value_set=pa.array(candidates, type=arr.type)).to_numpy(zero_copy_only=False)
        idx = np.where(np.isnan(idx.astype(np.float64)), -1, idx).astype(np.int64) if len(idx) else idx.astype(np.int64)
        true = np.bincount(idx[idx >= 0], minlength=len(candidates)).astype(np.float64)
        noisy = true + private.rng.normal(0, sigma, len(candidates))
        null_noisy = arr.null_count + private.rng.normal(0, sigma)
        if labels:
            private.ledger.spend(f"domain:{self.name}", "gaussian", private.rho,
                                 detail=f"noisy counts of {len(labels)} public labels, sigma={sigma:.3g}")
            keep = list(range(len(labels)))
            rare: list[int] = []
        else:
            tau = release_threshold(sigma, private.release_delta)
            private.ledger.spend(f"domain:{self.name}", "thresholded gaussian", private.rho, delta=private.release_delta,
                                 detail=f"released values with noisy count > {tau:.3g}, sigma={sigma:.3g}")
            passed = sorted((i for i in range(len(candidates)) if noisy[i] > tau), key=lambda i: (-noisy[i], str(candidates[i])))
            keep = passed[: self.options.max_categories]
            rare = passed[self.options.max_categories :]
            released = float(np.maximum(noisy[passed], 0).sum()) if passed else 0.0
            released += max(null_noisy, 0.0) if self.has_null else 0.0
            # the share is of the table's noisy row count, never of the noisy counts that stayed
            # under the threshold: which values the data holds decides how many of those there
            # are, so a sum of them (what this once was) has no stated sensitivity
            if not keep or (private.n_hat is not None and released < _RELEASED_SHARE * max(private.n_hat, released)):
                # Decided from the noisy release alone (post-processing), so routing stays private.
                private.free_text = f"high-cardinality string ({len(passed)} values released privately)"
                private.null_count = null_noisy if self.has_null else None
                self.categories, self.rare_values, self.rare_weights = [""], [], np.zeros(0)
                return self
        self.categories = [candidates[i] for i in keep]
        self.rare_values = [candidates[i] for i in rare]
        self.rare_weights = np.maximum(np.array([noisy[i] for i in rare]), 1e-9)
        counts = [noisy[i] for i in keep]
        if rare:
            counts.append(float(sum(noisy[i] for i in rare)))
        if self.has_null:
            counts.append(null_noisy)
        private.counts = np.array(counts, dtype=np.float64)
        private.stddev = sigma
        return self

    def encode(self, values) -> np.ndarray:
        arr = self._plain(values)
        value_set = pa.array(self.categories + self.rare_values, type=arr.type)
        found = pc.index_in(arr, value_set=value_set)
        codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        rare_or_unknown = self.rare_code if self.rare_code is not None else 0
        codes = np.where(codes >= len(self.categories), rare_or_unknown, codes)
        missing = codes < 0
        if missing.any():
            is_null = np.asarray(arr.is_null(), dtype=bool)
            null_code = self.null_code if self.has_null else 0
            codes[missing & is_null] = null_code
            codes[missing & ~is_null] = rare_or_unknown
        return codes

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pa.Array:
        codes = np.asarray(codes, dtype=np.int64)
        take = codes.copy()
        values = self.categories + self.rare_values
        if self.rare_values:
            rare = codes == self.rare_code
            if rare.any():
                p = self.rare_weights / self.rare_weights.sum()
                u = stratified_uniforms(np.zeros(int(rare.sum()), dtype=np.int64), rng)
                picked = np.minimum(np.searchsorted(np.cumsum(p), u, side="right"), len(p) - 1)
                take[rare] = len(self.categories) + picked
        if self.has_null:
            take[codes == self.null_code] = -1
        plain_type = self.spec.arrow_type.value_type if pa.types.is_dictionary(self.spec.arrow_type) else self.spec.arrow_type
        dictionary = pa.array(values, type=pa.string() if pa.types.is_large_string(plain_type) else plain_type)
        idx = pa.array(take, mask=take < 0)
        out = dictionary.take(idx)
        t = self.spec.arrow_type
        if pa.types.is_dictionary(t):
            labels = list(self.spec.labels) or values
            return pa.DictionaryArray.from_arrays(pc.index_in(out, value_set=pa.array(labels)).cast(t.index_type), pa.array(labels, type=t.value_type))
        return out.cast(t) if out.type != t else out

    def code_values(self) -> tuple[np.ndarray, pa.Array]:
        """Every value a code decodes to, with its code (the rare code once per rare value, NULL's
        code with a NULL): a condition on the column holds for a code iff it holds for one of them."""
        codes = list(range(len(self.categories))) + [self.rare_code] * len(self.rare_values) \
            + ([self.null_code] if self.has_null else [])
        values = self.categories + self.rare_values + ([None] if self.has_null else [])
        t = self.spec.arrow_type
        plain = t.value_type if pa.types.is_dictionary(t) else t
        return np.array(codes, dtype=np.int64), pa.array(values, type=pa.string() if pa.types.is_large_string(plain) else plain)

    def restricted(self, held: np.ndarray) -> tuple[CategoricalCodec, np.ndarray]:
        """For a condition holding for the values ``held`` marks (a bool per entry of
        :meth:`code_values`): the weight of each code (1 or 0; the rare code's, the share of the
        rare values' frequency held) and a copy whose rare code decodes only to the rare values
        held, so a condition on one rare value draws that value and no other."""
        held = np.asarray(held, dtype=bool)
        codes, _ = self.code_values()
        weights = np.zeros(self.size)
        weights[codes[held]] = 1.0
        rare = held[len(self.categories):len(self.categories) + len(self.rare_values)]
        if not self.rare_values or rare.all() or not rare.any():
            return self, weights
        out = copy.copy(self)
        out.rare_weights = np.where(rare, self.rare_weights, 0.0)
        weights[self.rare_code] = out.rare_weights.sum() / self.rare_weights.sum()
        return out, weights

    def state(self):
        params = {"categories": self.categories, "rare_values": self.rare_values, "has_null": self.has_null}
        return params, {"rare_weights": self.rare_weights}

    @classmethod
    def from_state(cls, spec: ColumnSpec, options: CodecOptions, params: dict, arrays: dict) -> CategoricalCodec:
        codec = cls(spec, options)
        codec.categories, codec.rare_values = list(params["categories"]), list(params["rare_values"])
        codec.has_null, codec.rare_weights = bool(params["has_null"]), arrays["rare_weights"]
        return codec
