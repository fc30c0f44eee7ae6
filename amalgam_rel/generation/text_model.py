"""TextFieldModel: fills the columns a PGM cannot model, one constrained LM per database.

``fit`` reads the real database once: for every chosen column it learns an output spec (see
:mod:`.output_types`), the prompt columns, the NULL rate and the copy guard, then trains
(or loads) one causal LM on all (prompt, value) pairs. ``generate`` fills a table's columns for
synthetic rows: prompts come from the row's synthetic values only, every candidate is cast and
CHECKed by DuckDB, and failures (or verbatim copies, or duplicates in a unique column) are
regenerated a bounded number of times.

Fitting and generating never read the clock: the default model is counted (:mod:`.word_ngram`),
a fine-tuned ``--llm`` trains a number of steps computed from the data (or ``train_steps``), and
every draw comes from a random stream derived from the seed, the table and the column, so the
same model and seed give the same values on any load.

Example (a real run trains for a few seconds)::

    model = TextFieldModel(train_steps=300).fit("shop.duckdb", columns={"products": ["description"]})
    values = model.generate("products", {"category": ["fruit", "dairy"]})
    values["description"]  # two strings, each accepted by DuckDB
    model.save("fitted/text")
"""

from __future__ import annotations

import json
import math
import time
import uuid
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from amalgam_rel.errors import DataError, InputError
from amalgam_rel.generation import lm as lm_mod
from amalgam_rel.generation.checks import Validator, string_rule
from amalgam_rel.generation.copy_guard import CopyGuard
from amalgam_rel.generation.elements import Thinning, element_counts, has_repeats
from amalgam_rel.generation.output_types import OutputSpec, build_spec, map_arrow_type, schema_regex
from amalgam_rel.generation.frequent import frequent_column
from amalgam_rel.generation.local_model import check_local_model
from amalgam_rel.generation.lengths import bucket_array, bucket_floor, length_bucket, length_column, value_length
from amalgam_rel.generation.decoding import fast_generation, supports
from amalgam_rel.generation.masking import prepare_outlines
from amalgam_rel.generation.prompts import column_tag, render_prompt
from amalgam_rel.generation.reuse import DEFAULT_MAX_VALUES, reuse_plan
from amalgam_rel.generation.row_context import RowContext
from amalgam_rel.generation.saved_text import META, read_text_model
from amalgam_rel.generation.selection import context_columns, default_columns
from amalgam_rel.generation.tokenizer import token_ids
from amalgam_rel.generation.shapes import ANY, common_shapes, keys_of, restrict, shape_column, shape_label
from amalgam_rel.generation.word_model import WordJoins, train_word_model
from amalgam_rel.generation.word_tokenizer import column_token_ids, is_word_tokenizer
from amalgam_rel.generation.word_units import DEFAULT_MIN_ROWS, check_min_rows, column_words, letter_units, untidy
from amalgam_rel.generation.vocabulary import byte_vocabulary, constrained_generator, token_bytes, token_characters
from amalgam_rel.saved import reading
from amalgam_rel.schema import sql
from amalgam_rel.schema.duckdb_reader import open_duckdb, read_duckdb
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.schema.types import Kind, parse_type
from amalgam_rel.seeds import checked_seed, duckdb_seed

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ColumnPlan:
    """Everything ``generate`` needs for one column; JSON-serialisable with the fitted model."""

    table: str
    column: str
    spec: OutputSpec
    prompt_columns: tuple[str, ...]
    null_rate: float
    nullable: bool
    unique: bool
    guarded: bool  # the copy guard applies (text mode: free text and codes)
    tag: str  # ends every prompt of this column (a dedicated token for the default model)
    max_new_tokens: int = 64
    # (bucket, real rows) of the value lengths, when prompts carry the length (see .lengths);
    # sampled from only when the caller's rows bring no length column of their own
    length_buckets: tuple[tuple[str, int], ...] = ()
    # (shape label, real rows) of a JSON column's most common document shapes (see .shapes), the
    # rest under ``*``; a row asking for shape i is written under that shape's own constraint
    shapes: tuple[tuple[str, int], ...] = ()
    # (element, real occurrences) of a LIST whose elements are an enum (see .elements): draws
    # over-using an element are thinned towards these shares
    elements: tuple[tuple[str, int], ...] = ()
    # the words a word-level column may write (see .word_units); None: any token (codes, documents, --llm)
    words: tuple[str, ...] | None = None
    # a column the default model writes by character (codes, documents): the characters its
    # values and its type hold, all it may write (its constraint's index stays that small)
    alphabet: str | None = None
    tidy_spaces: bool = False  # no real value starts or ends with whitespace or holds two in a row

    def to_dict(self) -> dict:
        return asdict(self) | {"spec": self.spec.to_dict()}



@dataclass
class ColumnReport:
    """What generating one column took: validity, retries, copies, duplicates."""

    rows: int = 0
    sampled: int = 0  # candidates drawn from the model
    first_pass_valid: int = 0  # accepted by DuckDB on the first draw
    first_pass_drawn: int = 0
    invalid: int = 0  # candidates DuckDB refused (regenerated)
    copies: int = 0  # verbatim copies of a real value (regenerated when the guard is on)
    first_pass_copies: int = 0
    output_copies: int = 0  # copies kept (only with the guard off)
    duplicates: int = 0  # repeats in a unique column (regenerated)
    length_misses: int = 0  # valid, but far from the length the row asked for (regenerated)
    element_misses: int = 0  # lists thinned for over-drawn or repeated elements (regenerated, see .elements)
    frequent: int = 0  # rows given a frequent real value the graphical model chose (no model call)
    frequent_repeats: int = 0  # draws equal to a frequent value in a row meant for a new one (regenerated)
    reused: int = 0  # rows served from the K distinct values of their context bucket
    null_fallbacks: int = 0  # rows of a nullable column left NULL when every attempt failed
    value_fallbacks: int = 0  # rows of a NOT NULL column given another row's value when every attempt failed
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def first_pass_validity(self) -> float:
        return self.first_pass_valid / self.first_pass_drawn if self.first_pass_drawn else 1.0

    @property
    def copy_rate(self) -> float:
        """Share of first draws that copy a real value verbatim: what the model does unguarded."""
        return self.first_pass_copies / self.first_pass_drawn if self.first_pass_drawn else 0.0

    @property
    def output_copy_rate(self) -> float:
        """Share of generated rows holding a verbatim copy (0 with the guard on)."""
        return self.output_copies / self.rows if self.rows else 0.0

    @property
    def duplicate_rate(self) -> float:
        return self.reused / self.rows if self.rows else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"first_pass_validity": self.first_pass_validity, "copy_rate": self.copy_rate,
                               "output_copy_rate": self.output_copy_rate,
                               "duplicate_rate": self.duplicate_rate}


class TextFieldModel:
    """The language-model half of amalgam-rel (scikit-learn style: ``fit`` returns self).

    Parameters: ``llm`` a local directory of a causal LM, never downloaded (None: train the default
    compact model); ``fine_tune`` train a given ``llm`` on the database text too; ``train_steps``
    optimizer steps of training (None: grows with the data, see :func:`auto_steps`); ``copy_guard``
    regenerate free text identical to a real value that at most ``guard_max_count`` real rows hold
    (None: any real value; a phrase many rows share is vocabulary, not a record);
    ``max_distinct_per_context`` (K) generate at
    most K distinct values per prompt and reuse them; ``max_values_per_column`` (M) the generation
    budget: at most M language-model values per column and call of ``generate``, every other row
    reusing a value drawn for the most similar context (see :func:`reuse_plan`; None: no cap);
    ``max_attempts`` draws per value before giving up; ``batch_size`` rows per model call (None:
    :data:`WORD_BATCH` for the default word model, :data:`CPU_BATCH` for a user's model);
    ``min_word_rows`` (k) free text holds only words that k real rows of its column hold, or
    public words (see :mod:`.word_units`).
    """

    def __init__(self, *, llm: str | None = None, fine_tune: bool = False, train_steps: int | None = None,
                 max_rows_per_column: int = 20_000, copy_guard: bool = True, guard_max_count: int | None = 1,
                 max_distinct_per_context: int | None = None, max_values_per_column: int | None = DEFAULT_MAX_VALUES,
                 batch_size: int | None = None, max_attempts: int = 12,
                 temperature: float = 1.0, seed: int = 0, device: str | None = None,
                 num_threads: int | None = None, min_word_rows: int = DEFAULT_MIN_ROWS):
        self.llm = llm
        self.fine_tune = fine_tune
        self.train_steps = train_steps
        self.max_rows_per_column = max_rows_per_column
        self.copy_guard = copy_guard
        self.guard_max_count = guard_max_count
        self.max_distinct_per_context = max_distinct_per_context
        self.max_values_per_column = max_values_per_column
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.temperature = temperature
        self.seed = seed
        self.device = device
        self.num_threads = num_threads
        self.min_word_rows = min_word_rows

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, source, db: Database | None = None, columns: dict[str, list[str]] | None = None) -> TextFieldModel:
        """Learn from a DuckDB file or connection; ``columns`` picks table -> columns (else automatic)."""
        start = time.perf_counter()
        checked_seed(self.seed)
        check_min_rows(self.min_word_rows)
        if self.train_steps is not None and self.train_steps < 1:
            raise InputError(f"train_steps must be at least 1, not {self.train_steps}")
        if self.llm is not None:
            check_local_model(self.llm)
        con = source if isinstance(source, duckdb.DuckDBPyConnection) else open_duckdb(source)
        try:
            db = db or read_duckdb(con)
            columns = columns if columns is not None else default_columns(db, con)
            self.tables_ = {key: db.table(key) for key in columns}
            plans, pairs, guard = [], [], CopyGuard()
            for table_key, names in columns.items():
                t_plans, t_pairs, guarded = self._learn_table(con, db, db.table(table_key), list(names))
                plans += t_plans
                pairs += t_pairs
                for values in guarded:
                    guard.add_rare(values, self.guard_max_count)
        finally:
            if con is not source:
                con.close()
        if not pairs:
            raise InputError("no column to learn text from: the chosen columns hold no values")
        self.device_ = lm_mod.select_device(self.device)
        steps = self.train_steps if self.train_steps is not None else auto_steps(len(pairs))
        with lm_mod.torch_threads(self.num_threads):
            self.model_, self.tokenizer_, self.train_report_ = self._train(pairs, steps, plans)
        self.plans_ = {(p.table, p.column): _with_token_budget(p, self.tokenizer_, pairs) for p in plans}
        self.guard_ = guard
        self.fit_seconds_ = round(time.perf_counter() - start, 2)
        self.generation_report_: dict[tuple[str, str], ColumnReport] = {}
        self._generators: dict = {}
        self._validators: dict = {}
        return self

    def _learn_table(self, con, db: Database, table: Table, names: list[str]):
        context = context_columns(db, table, names, con)
        wanted = list(dict.fromkeys(names + context))
        rows = _sample_rows(con, table, wanted, self.max_rows_per_column, self.seed)
        plans, pairs, guarded_values = [], [], []
        for i, name in enumerate(names):
            col = table.column(name)
            values = [r[name] for r in rows]
            rule = string_rule(table.checks, name) if col.type.kind is Kind.STRING else None
            spec = build_spec(name, col.type, values, string_rule=rule)
            # earlier text columns of the row condition this one (a title -> its genres), but only
            # the last two short ones: prompts stay short, training and sampling fast
            earlier = [n for n in names[:i] if plans[names.index(n)].spec.mode != "json"][-2:]
            prompt_cols = tuple(context + earlier)
            present = [r for r in rows if r[name] is not None]
            buckets: tuple = ()
            if spec.mode == "text" or col.type.kind is Kind.LIST:
                # first in the prompt: the strongest hint, and the last one a reused value gives up
                length = length_column(name)
                for r in rows:
                    r[length] = length_bucket(value_length(r[name]))
                prompt_cols = (length,) + prompt_cols
                buckets = tuple(sorted(Counter(r[length] for r in present).items()))
            shapes: tuple = ()
            if col.type.kind is Kind.JSON:
                labels = [shape_label(_parsed(r[name])) for r in rows]  # None where NULL
                shapes = common_shapes(labels)
                if shapes:
                    other = sum(x is not None for x in labels) - sum(n for _, n in shapes)
                    shapes += ((ANY, other),) if other else ()
                    shape = shape_column(name)
                    tokens = _shape_tokens(shapes)
                    for r, label in zip(rows, labels):
                        r[shape] = None if label is None else tokens.get(label, "K*")
                    prompt_cols = (shape,) + prompt_cols
            # codes too: a real customer's e-mail, phone or postcode is as telling as their notes
            guarded = spec.mode == "text"
            tag = column_tag(table.key, name, special=self.llm is None)
            words, alphabet = None, None
            if self.llm is None and spec.mode == "text" and not spec.key_like:  # free text: written in words
                words = tuple(sorted(column_words((spec.encode(r[name]) for r in present), self.min_word_rows)))
            elif self.llm is None:
                alphabet = "".join(sorted({ch for r in present for ch in spec.encode(r[name])} | set(_spelled(spec))))
            plans.append(ColumnPlan(table.key, name, spec, prompt_cols,
                                    null_rate=1 - len(present) / len(rows) if rows else 0.0,
                                    nullable=col.nullable, unique=table.is_unique((name,)), guarded=guarded, tag=tag,
                                    length_buckets=buckets, shapes=shapes,
                                    elements=element_counts(spec.schema, values), words=words, alphabet=alphabet,
                                    tidy_spaces=words is not None and not any(untidy(r[name]) for r in present)))
            named = self.llm is not None  # a user's model reads names; the compact one reads positions
            pairs += [(render_prompt(table.key, name, r, prompt_cols, tag=tag, named=named), spec.encode(r[name]))
                      for r in present]
            if guarded:
                guarded_values.append([r[name] for r in present])
        return plans, pairs, guarded_values

    def _train(self, pairs: list[tuple[str, str]], steps: int, plans: list[ColumnPlan]):
        if self.llm is not None:
            model, tokenizer = lm_mod.load_pretrained(self.llm, self.device_)
            if not self.fine_tune:
                return model, tokenizer, None
            report = lm_mod.train(model, tokenizer, pairs, steps=steps, max_epochs=_max_epochs(pairs),
                                  lr=1e-4, seed=self.seed, device=self.device_)
            return model, tokenizer, report
        words = {p.tag: frozenset(p.words) for p in plans if p.words is not None}
        spelled = "".join(sorted({ch for p in plans for ch in _spelled(p.spec)}))  # what the types spell literally
        return train_word_model(pairs, words, [p.tag for p in plans], min_rows=self.min_word_rows, characters=spelled)

    # -- generation ---------------------------------------------------------------------------

    def columns_of(self, table: str) -> list[str]:
        """The columns this model fills in ``table``, in generation order."""
        return [c for (t, c) in self.plans_ if t == table]

    def generate(self, table: str, context: pa.Table | dict[str, list] | None = None, *,
                 n_rows: int | None = None, context_types: dict[str, str] | None = None,
                 seed: int | None = None) -> dict[str, list]:
        """Values for every fitted column of ``table``, one per synthetic row of ``context``.

        ``context`` holds the row's already generated (synthetic) columns; ``context_types``
        (column -> DuckDB type) is needed only for context columns outside the fitted table.
        ``seed`` picks the random streams (None: the fit's seed); the same call with the same
        seed gives the same values.
        """
        arrays = self.generate_arrays(table, context, n_rows=n_rows, context_types=context_types, seed=seed)
        return {name: values.to_pylist(maps_as_pydicts="strict") for name, values in arrays.items()}

    def generate_arrays(self, table: str, context: pa.Table | dict[str, list] | None = None, *,
                        n_rows: int | None = None, context_types: dict[str, str] | None = None,
                        share: float = 1.0, part: int = 0, seed: int | None = None) -> dict[str, pa.Array]:
        """:meth:`generate`, as Arrow arrays: no Python object per row for tables of millions.

        A table sampled in parts calls this once per part: ``share`` (the part's share of the
        table's rows) scales the generation budget so the parts together draw what the whole
        table would, and ``part`` gives each part its own random stream.
        """
        self._check_fitted()
        rows = RowContext.of(context, n_rows)
        out: dict[str, pa.Array] = {}
        for name in self.columns_of(table):
            plan = self.plans_[(table, name)]
            with lm_mod.torch_threads(self.num_threads):
                values = self._generate_column(plan, rows, context_types or {}, share, part, seed)
            out[name] = values
            rows.put(name, values)
        return out

    def _generate_column(self, plan: ColumnPlan, rows: RowContext, extra_types: dict[str, str],
                         share: float = 1.0, part: int = 0, seed: int | None = None) -> pa.Array:
        start = time.perf_counter()
        report = ColumnReport(rows=rows.n)
        # the column's own stream: the seed, the column's identity, the rows and the part
        rng = np.random.default_rng([self.seed if seed is None else seed,
                                     zlib.crc32(f"{plan.table}/{plan.column}".encode()), rows.n]
                                    + ([part] if part else []))
        wanted = self._wanted_rows(plan, rows, rng)
        frequent = rows.array(frequent_column(plan.column)) if frequent_column(plan.column) in rows.names else None
        avoid: frozenset = frozenset()
        if frequent is not None:
            # the graphical model chose a frequent real value for these rows: the model writes the rest
            is_frequent = np.asarray(frequent.is_valid()) & wanted
            wanted = wanted & ~is_frequent
            report.frequent = int(is_frequent.sum())
            avoid = frozenset(v for v in frequent.unique().to_pylist() if v is not None)
        if plan.unique:
            draw, source = np.flatnonzero(wanted), np.where(wanted, np.arange(rows.n), -1)
        else:
            draw, source = reuse_plan(rows.codes(plan.prompt_columns), wanted,
                                      _share_of(self.max_distinct_per_context, share),
                                      _share_of(self.max_values_per_column, share), rng)
        values: dict[int, Any] = {}
        texts: dict[int, str] = {}  # accepted decoded text per drawn row, to recheck where reused
        validator = self._validator(plan, rows, extra_types)
        seen: set = set()
        self._draw(plan, rows, draw.tolist(), values, texts, validator, seen, report, rng, avoid)
        reused = np.flatnonzero((source >= 0) & (source != np.arange(rows.n)))
        if len(reused) and validator.context_types:
            # a CHECK ties this column to others: a value reused from another row must hold in this one
            back = reused[np.isin(source[reused], np.fromiter(texts, dtype=np.int64, count=len(texts)))]
            ctx = rows.take(validator.context_types, back)
            ok, _ = validator.check([texts[s] for s in source[back].tolist()], ctx)
            redo = back[~np.asarray(ok, dtype=bool)].tolist()
            source[redo] = redo
            self._draw(plan, rows, redo, values, texts, validator, seen, report, rng, avoid)
            reused = np.flatnonzero((source >= 0) & (source != np.arange(rows.n)))
        report.reused = len(reused)
        out = _spread(values, source, map_arrow_type(plan.spec.type_sql))
        if frequent is not None and report.frequent:
            if pa.types.is_null(out.type):
                out = pa.nulls(rows.n, frequent.type)
            out = pc.if_else(pa.array(is_frequent), frequent.cast(out.type), out)
        report.seconds = round(time.perf_counter() - start, 3)
        self.generation_report_[(plan.table, plan.column)] = report
        return out

    def _wanted_rows(self, plan: ColumnPlan, rows: RowContext, rng: np.random.Generator) -> np.ndarray:
        """Rows that get a value; where the prompt carries a length, every wanted row gets one.

        A length column in the rows (the graphical model's, see :mod:`.lengths`) decides both:
        NULL length, NULL value. Without one, NULLs come at the real rate and lengths from their
        real distribution.
        """
        if plan.shapes:
            return self._wanted_shapes(plan, rows, rng)
        length = length_column(plan.column)
        if length in rows.names:
            lengths = rows.array(length)
            wanted = ~np.asarray(lengths.is_null())
            if plan.length_buckets:
                numbers = lengths.cast(pa.float64()).fill_null(0).to_numpy(zero_copy_only=False)
                rows.put(length, bucket_array(numbers, wanted))
                rows.put(_exact(length), pa.array(numbers))
            return wanted
        wanted = np.ones(rows.n, dtype=bool)
        if plan.nullable:
            wanted = rng.random(rows.n) >= plan.null_rate
        if plan.length_buckets:
            labels, weights = zip(*plan.length_buckets)
            numbers = np.zeros(rows.n)
            chosen = rng.choice(len(labels), size=int(wanted.sum()), p=np.asarray(weights) / sum(weights))
            numbers[wanted] = [bucket_floor(labels[k]) for k in chosen]
            rows.put(length, bucket_array(numbers, wanted))
        return wanted

    def _wanted_shapes(self, plan: ColumnPlan, rows: RowContext, rng: np.random.Generator) -> np.ndarray:
        """Rows that get a document, each with the shape it asks for (the model's ``{name``, else drawn)."""
        shape = shape_column(plan.column)
        if shape in rows.names:
            labels = rows.array(shape).cast(pa.string()).dictionary_encode()
            index = _shape_tokens(plan.shapes)
            tokens = [index.get(x, "K*") for x in labels.dictionary.to_pylist()]
            rows.put(shape, pa.DictionaryArray.from_arrays(labels.indices, pa.array(tokens, pa.string())))
            return np.asarray(labels.is_valid())
        wanted = rng.random(rows.n) >= plan.null_rate if plan.nullable else np.ones(rows.n, dtype=bool)
        names, weights = zip(*plan.shapes)
        index = _shape_tokens(plan.shapes)
        tokens = [index.get(x, "K*") for x in names]
        chosen = rng.choice(len(names), size=rows.n, p=np.asarray(weights) / sum(weights))
        rows.put(shape, pa.DictionaryArray.from_arrays(pa.array(chosen, mask=~wanted), pa.array(tokens, pa.string())))
        return wanted

    def _draw(self, plan: ColumnPlan, rows: RowContext, draw: list[int], values: dict[int, Any],
              texts: dict[int, str], validator: Validator, seen: set, report: ColumnReport,
              rng: np.random.Generator, avoid: frozenset = frozenset()) -> None:
        """Fill ``values[i]`` for every ``i`` in ``draw`` from the model, regenerating refusals."""
        if not draw:
            return
        named = self.llm is not None
        prompts = dict(zip(draw, (render_prompt(plan.table, plan.column, r, plan.prompt_columns, tag=plan.tag,
                                                named=named) for r in rows.records(plan.prompt_columns, draw))))
        wanted_length = exact_length = None
        if plan.length_buckets:
            wanted_length = dict(zip(draw, rows.take([length_column(plan.column)], draw)[length_column(plan.column)]))
            if _exact(length_column(plan.column)) in rows.names:
                name = _exact(length_column(plan.column))
                exact_length = dict(zip(draw, rows.take([name], draw)[name]))
        small = rows.n < SMALL_TABLE
        shape_of = dict(zip(draw, rows.take([shape_column(plan.column)], draw)[shape_column(plan.column)])) \
            if plan.shapes else {}
        context = dict(zip(draw, rows.records(list(validator.context_types), draw)))
        # the model's draws: a torch stream of this column's own, never torch's global one
        tokens_rng = torch.Generator().manual_seed(int(rng.integers(2**63)))
        todo = list(draw)
        thinning: Thinning | None = None
        for attempt in range(self.max_attempts):
            if not todo:
                break
            # the asked-for length bucket first, a neighbouring one next, then any length: the
            # graphical model's length is a target, never a reason to fail a row
            slack = 0 if attempt < self.max_attempts // 4 else 1 if attempt < self.max_attempts // 2 else None
            # retries fill the batch with several draws per row (free: the batch runs anyway), and
            # later ones run slightly hotter, which helps a row out of a copied or invalid rut
            reps = 1 if attempt == 0 else max(1, min(8, self._batch() // len(todo)))
            slots = [i for i in todo for _ in range(reps)]
            # hotter only once any length will do: a hot draw is long, and would be kept for
            # rows that asked for short text
            heat = attempt if slack is None or wanted_length is None else 0
            # a text shorter than the bucket it must land in would be refused: it may not end before
            # the bucket's first length (where its constraint allows it to go on)
            floors = [_shortest(wanted_length[i], slack) for i in slots] \
                if wanted_length is not None and slack is not None and plan.spec.mode == "text" else None
            if floors is not None and exact_length is not None and attempt < self.max_attempts // 4:
                floors = [max(f, _nearest_allowed(exact_length[i], attempt, small)) for f, i in zip(floors, slots)]
            drawn = self._sample(plan, [prompts[i] for i in slots], self.temperature * (1 + 0.1 * heat),
                                 [shape_of.get(i) for i in slots], floors, tokens_rng)
            decoded = [_decode(plan.spec, t) for t in drawn]
            ctx = {n: [context[i][n] for i in slots] for n in validator.context_types}
            ok, cast = validator.check([d if d is not None else "" for d in decoded], ctx)
            report.sampled += len(slots)
            if attempt == 0 and plan.elements:
                thinning = Thinning.of(plan.elements, [v for v, good in zip(cast, ok) if good])
            # thinning, like the exact length, only while draws are cheap: a row never fails for it
            thin = thinning if attempt < self.max_attempts // 4 else None
            done: set[int] = set()
            order = range(len(slots))
            if exact_length is not None and reps > 1:  # of a row's several draws, try the nearest length first
                order = sorted(order, key=lambda k: _distance(cast[k], exact_length[slots[k]]) if ok[k] else np.inf)
            for k in order:
                i, text, d, good, value = slots[k], drawn[k], decoded[k], ok[k], cast[k]
                if i in done:
                    continue
                good = good and d is not None
                if attempt == 0:
                    report.first_pass_drawn += 1
                    report.first_pass_valid += good
                if not good:
                    report.invalid += 1
                    continue
                copy = plan.guarded and self.guard_ is not None and self.guard_.is_copy(text)
                if copy:
                    report.copies += 1
                    report.first_pass_copies += attempt == 0
                    # a code's pattern can leave little room besides the real codes, and a column of
                    # one-word names little room besides its public words: late draws may repeat a
                    # real code or word (kept, and counted) rather than fail the row
                    one_word = plan.words is not None and len(letter_units(text)) <= 1
                    late = (plan.spec.key_like or one_word) and attempt >= self.max_attempts * 3 // 4
                    if self.copy_guard and not late:
                        continue
                if avoid and value in avoid:  # a frequent value the graphical model did not choose for this row
                    report.frequent_repeats += 1
                    continue
                if attempt < self.max_attempts // 2 and has_repeats(plan.spec.schema, text):
                    report.element_misses += 1  # later on, the list with its repeats dropped will do
                    continue
                if wanted_length is not None and slack is not None and not _near(value, wanted_length[i], slack):
                    report.length_misses += 1
                    continue
                if attempt < self.max_attempts // 4 and exact_length is not None and not _close(value, exact_length[i], attempt, small):
                    report.length_misses += 1  # a bucket spans ~40 % of its lengths: first try for the length itself
                    continue
                if thin is not None and rng.random() >= thin.keep(value):
                    report.element_misses += 1
                    continue
                report.output_copies += copy
                key = _hashable(value)
                if plan.unique and key in seen:
                    report.duplicates += 1
                    continue
                seen.add(key)
                values[i] = value
                texts[i] = d
                done.add(i)
            todo = [i for i in todo if i not in done]
        if todo and not plan.nullable:
            todo = self._reuse_accepted(plan, rows, todo, values, texts, validator, report, rng)
        for i in todo:
            if not plan.nullable:
                raise DataError(
                    f"could not generate a valid value for {plan.table}.{plan.column} in {self.max_attempts} "
                    f"attempts ({report.invalid} invalid, {report.copies} copies, {report.duplicates} duplicates); "
                    "relax its constraints or raise max_attempts"
                )
            report.null_fallbacks += 1

    def _reuse_accepted(self, plan: ColumnPlan, rows: RowContext, todo: list[int], values: dict[int, Any],
                        texts: dict[int, str], validator: Validator, report: ColumnReport,
                        rng: np.random.Generator) -> list[int]:
        """A NOT NULL row no draw could fill takes a value accepted for another row (that its own
        CHECKs accept); the rows left are returned. Not for a UNIQUE column.

        A column whose real values are few and each held by one row (20 country names) has no
        new value left once the copy guard refuses the real ones: at ``--scale 40`` its 800 rows
        failed the whole synthesis although many had been filled.
        """
        pool = list(texts)
        if plan.unique or not pool:
            return todo
        left = []
        for attempt in range(4):
            picks = rng.choice(pool, size=len(todo))
            ok, _ = validator.check([texts[k] for k in picks.tolist()], rows.take(validator.context_types, todo))
            left = []
            for i, k, good in zip(todo, picks.tolist(), ok):
                if good:
                    values[i], texts[i] = values[k], texts[k]
                    report.value_fallbacks += 1
                else:
                    left.append(i)
            todo = left
            if not todo:
                break
        return todo

    def _sample(self, plan: ColumnPlan, prompts: list[str], temperature: float,
                shapes: list[str | None] | None = None, min_chars: list[int] | None = None,
                tokens_rng: torch.Generator | None = None) -> list[str]:
        """One draw per prompt; prompts asking for a document shape get that shape's constraint.

        ``min_chars``: per prompt, the characters a draw writes before it may end (our own
        sampling loop only; with transformers' loop draws end where the model ends them).
        ``tokens_rng`` gives every random number (None: a stream seeded with the fit's seed).
        """
        tokens_rng = tokens_rng if tokens_rng is not None else torch.Generator().manual_seed(self.seed)
        groups: dict[str | None, list[int]] = {}
        for k, token in enumerate(shapes or [None] * len(prompts)):
            groups.setdefault(token, []).append(k)
        out: list[str] = [""] * len(prompts)
        for token, members in groups.items():
            generator = self._generator(plan, token)
            for lo in range(0, len(members), self._batch()):
                chunk = members[lo : lo + self._batch()]
                texts = self._batch_texts(generator, [prompts[k] for k in chunk], plan.max_new_tokens, temperature,
                                          tokens_rng, None if min_chars is None else [min_chars[k] for k in chunk],
                                          whole_words=plan.words is not None, tidy_spaces=plan.tidy_spaces)
                for k, t in zip(chunk, texts):
                    out[k] = t if t is None or isinstance(t, str) else t[0]
        return out

    def _batch_texts(self, generator, prompts: list[str], max_new_tokens: int, temperature: float,
                     tokens_rng: torch.Generator, min_chars: list[int] | None, whole_words: bool = False,
                     tidy_spaces: bool = False) -> list:
        options = dict(max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        model = self._generators["outlines"].model
        if isinstance(model, fast_generation):
            floor = {"min_chars": min_chars} if min_chars is not None else {}
            floor |= {"whole_words": True, "tidy_spaces": tidy_spaces} if whole_words else {}
            texts = self._own_loop_batch(generator, prompts, generator=tokens_rng, **options, **floor)
            if max_new_tokens >= MAX_NEW_TOKENS:
                return texts  # as long as the model can write: the cut value stands, as before
            # a draw cut at max_new_tokens ran past every real value's length in bytes: a runaway,
            # whose text may still look whole (an address without its house number)
            return [t if whole else None for t, whole in zip(texts, model.finished)]
        # transformers' loop draws from torch's global generator: seeded from the column's stream
        # for this batch, and given back as it was
        with lm_mod.seeded_torch(int(torch.randint(2**62, (1,), generator=tokens_rng)), self.device_):
            return generator.batch(prompts, **options)

    def _own_loop_batch(self, constrained, prompts: list[str], **options) -> list[str]:
        """What outlines' ``constrained.batch(prompts, **options)`` returns, run on our own loop
        (:mod:`.decoding`) with each prompt tokenized once: outlines tokenizes every batch anew, and
        a retry's batch repeats its prompts (up to 8 times each), TPC-H's long ones at ~40 us each."""
        ids = self._prompt_ids(prompts)
        width, pad = max(len(r) for r in ids), self.tokenizer_.pad_token_id
        # padded on the left, as outlines has the tokenizer pad
        input_ids = torch.tensor([[pad] * (width - len(r)) + r for r in ids], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in ids], dtype=torch.long)
        constrained.logits_processor.reset()
        tokens = constrained.model.model.generate(input_ids=input_ids, attention_mask=mask,
                                                  logits_processor=[constrained.logits_processor], **options)
        return self.tokenizer_.batch_decode(tokens[:, width:].tolist(), skip_special_tokens=True)

    def _prompt_ids(self, prompts: list[str]) -> list[list[int]]:
        """Each prompt's token ids as outlines' tokenizer call gives them, tokenized once per model."""
        cache = getattr(self, "_prompt_cache", None)
        if cache is None or len(cache) > PROMPT_CACHE:  # a table of millions of rows: a few batches' prompts suffice
            cache = self._prompt_cache = {}
        new = [p for p in dict.fromkeys(prompts) if p not in cache]
        if new:
            cache.update(zip(new, token_ids(self.tokenizer_, new)))
        return [cache[p] for p in prompts]

    def _batch(self) -> int:
        if self.batch_size:
            return self.batch_size
        if getattr(getattr(self, "model_", None), "full_context", False):  # counted n-grams: cheap rows
            return WORD_BATCH
        # a user's model may be large: its batch (and memory) stays the CPU's unless asked
        return GPU_BATCH if self.device_.type == "cuda" and self.llm is None else CPU_BATCH

    def _generator(self, plan: ColumnPlan, shape: str | None = None):
        """The column's constrained generator; for a common document shape (``K<i>``), that shape's."""
        common = shape is not None and shape != "K*"
        key = (plan.table, plan.column, shape if common else None)
        if key not in self._generators:
            prepare_outlines()
            if "outlines" not in self._generators:
                self._generators["outlines"] = _outlines_model(self.model_, self.tokenizer_)
                # the index spells tokens in bytes: outlines' own spelling loses partial characters
                self._generators["vocabulary"] = byte_vocabulary(self.tokenizer_)
                if self.llm is None or supports(self.model_):  # other architectures keep transformers' loop
                    joins = WordJoins.of(self.tokenizer_, _vocab_rows(self.model_)) \
                        if any(p.words is not None for p in self.plans_.values()) else None
                    self._generators["outlines"].model = fast_generation(
                        self.model_, _token_chars(self.tokenizer_, self.model_), joins)
            spec = plan.spec
            if common:
                schema = restrict(spec.schema, keys_of(plan.shapes[int(shape[1:])][0]))
                spec = replace(spec, schema=schema, regex=schema_regex(schema))
            vocabulary = self._generators["vocabulary"]
            if is_word_tokenizer(self.tokenizer_):  # the word model: each column writes its own tokens
                words = None if plan.words is None else frozenset(plan.words)
                allowed = column_token_ids(self.tokenizer_, words, plan.alphabet)
                if words is not None:
                    allowed |= _open_tokens(self.model_, self.tokenizer_, plan.tag)
                vocabulary = byte_vocabulary(self.tokenizer_, allowed)
                try:
                    self._generators[key] = constrained_generator(self._generators["outlines"], vocabulary, spec.output_type())
                except ValueError:
                    # the type spells a character the column's values never hold (a STRUCT key
                    # 'naïve'): any single character of the vocabulary may write it
                    wider = byte_vocabulary(self.tokenizer_, allowed | _single_characters(self.tokenizer_))
                    self._generators[key] = _constrained_or_refused(self._generators["outlines"], wider, spec, plan)
                return self._generators[key]
            self._generators[key] = constrained_generator(self._generators["outlines"], vocabulary, spec.output_type())
        return self._generators[key]

    def _validator(self, plan: ColumnPlan, rows: RowContext, extra_types: dict[str, str]) -> Validator:
        table = self.tables_[plan.table]
        present = rows.names
        types = {c.name: c.type for c in table.columns if c.name in present and c.name != plan.column}
        types |= {n: parse_type(t) for n, t in extra_types.items() if n in present}
        key = (plan.table, plan.column, tuple(sorted(types)))
        if key not in self._validators:
            self._validators[key] = Validator(table, plan.spec, types)
        return self._validators[key]

    def _check_fitted(self) -> None:
        if not hasattr(self, "plans_"):
            raise InputError("the text model is not fitted: call fit() or load() first")

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """A directory: ``lm/`` (safetensors + tokenizer JSON) and ``text_model.json``; no pickle.

        The copy guard is not saved (see :mod:`.copy_guard`): :meth:`screen_against` rebuilds it.
        """
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        keep_lm = self.llm is None or self.fine_tune
        if keep_lm:
            lm_mod.save(self.model_, self.tokenizer_, path / "lm")
        meta = {
            "format": FORMAT_VERSION,
            "params": self.get_params(),
            "llm_dir": "lm" if keep_lm else None,
            "plans": [p.to_dict() for p in self.plans_.values()],
            "tables": {k: _table_json(t) for k, t in self.tables_.items()},
            "train_report": self.train_report_.to_dict() if self.train_report_ else None,
            "fit_seconds": self.fit_seconds_,
        }
        (path / "text_model.json").write_text(json.dumps(meta, indent=1, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> TextFieldModel:
        """A model :meth:`save` wrote; ``text_model.json`` is checked before the weights load."""
        path = Path(path)
        meta = read_text_model(path, FORMAT_VERSION)
        model = cls(**(meta["params"] | {"device": device or meta["params"].get("device")}))
        with reading(path / META):
            model.tables_ = {k: _table_from_json(v) for k, v in meta["tables"].items()}
        model.device_ = lm_mod.select_device(model.device)
        if meta["llm_dir"]:
            model.model_, model.tokenizer_ = lm_mod.load_pretrained(str(path / meta["llm_dir"]), model.device_,
                                                                    what="the saved language model")
        else:
            model.model_, model.tokenizer_ = lm_mod.load_pretrained(model.llm, model.device_)
        model.plans_ = {(p.table, p.column): p for p in meta["plans"]}
        model.guard_ = None  # never saved: see screen_against
        model.train_report_ = meta["train_report"]
        model.fit_seconds_ = meta["fit_seconds"]
        model.generation_report_, model._generators, model._validators = {}, {}, {}
        return model

    def screen_against(self, source) -> TextFieldModel:
        """Rebuild the copy guard from the real database this model was fitted on (read-only).

        A loaded model holds no guard, so its text is not screened against the real values
        until this is called. Only the guarded columns are read, from the rows ``fit`` read.
        """
        self._check_fitted()
        con = source if isinstance(source, duckdb.DuckDBPyConnection) else open_duckdb(source)
        try:
            db = read_duckdb(con)
            guard = CopyGuard()
            for key in dict.fromkeys(t for t, _ in self.plans_):
                names = [c for (t, c), p in self.plans_.items() if t == key and p.guarded]
                if not names:
                    continue
                if not db.has_table(key):
                    raise InputError(f"the guard source has no table {key}: it is not the database the model was fitted on")
                missing = [c for c in names if not db.table(key).has_column(c)]
                if missing:
                    raise InputError(f"the guard source has no column {key}.{missing[0]}: "
                                     "it is not the database the model was fitted on")
                rows = _sample_rows(con, db.table(key), names, self.max_rows_per_column, self.seed)
                for name in names:
                    guard.add_rare([r[name] for r in rows], self.guard_max_count)
        finally:
            if con is not source:
                con.close()
        self.guard_ = guard
        return self

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("llm", "fine_tune", "train_steps", "max_rows_per_column", "copy_guard", "guard_max_count",
                                              "max_distinct_per_context", "max_values_per_column", "batch_size", "max_attempts",
                                              "temperature", "seed", "device", "num_threads", "min_word_rows")}


# -- helpers ----------------------------------------------------------------------------------


def _spelled(spec: OutputSpec) -> str:
    """Every character a column's constraint may spell literally (its regex, JSON schema, choices)."""
    return (spec.regex or "") + (json.dumps(spec.schema, ensure_ascii=False) if spec.schema else "") + "".join(spec.choices)


def _single_characters(tokenizer) -> set[int]:
    """Ids of the tokens that spell one character."""
    out = set()
    for i, spelled in enumerate(token_bytes(tokenizer)):
        try:
            if spelled and len(spelled.decode("utf-8")) == 1:
                out.add(i)
        except UnicodeDecodeError:
            continue
    return out


def _constrained_or_refused(model, vocabulary, spec: OutputSpec, plan: ColumnPlan):
    try:
        return constrained_generator(model, vocabulary, spec.output_type())
    except ValueError as err:
        missing = str(err).split("following characters:")[-1].strip().rstrip(".")[:60]
        raise DataError(f"{plan.table}.{plan.column}: the text model has no token for a character its type "
                        f"needs ({missing.split('. This')[0]}); give it values holding that character or --llm") from None


def auto_steps(n_values: int) -> int:
    """Training steps for ``n_values`` (prompt, value) pairs: 160 plus one per 19 values, at most 800.

    Counted in values, not characters: shorter prompts should buy more epochs, not fewer steps.
    Small corpora stop earlier anyway, at their epoch cap (:func:`_max_epochs`). This replaced a
    wall-clock budget (20 s plus 1 s per 150 values, at most 100 s), whose steps depended on how
    busy the machine was; 8 steps a second of it is what 2 shared CPU cores gave the compact
    model (chinook: 440 steps in 68 s at load 5.5; 1,250-1,900 steps in 55-95 s at load 3-4).
    chinook now trains 538 steps (83 s at load 5).
    """
    return int(min(800, 160 + n_values // 19))


def _max_epochs(pairs: list[tuple[str, str]]) -> float:
    # few rows: many passes, but not so many that the model learns them by heart; many rows: at
    # least 4 passes while the step budget lasts (openflights equipment: 2 passes left element
    # TV-c at 0.82, 3.4 passes reach 0.86)
    n_chars = sum(len(p) + len(t) for p, t in pairs)
    return float(min(100.0, max(4.0, 2_000_000 / max(1, n_chars))))


def _with_token_budget(plan: ColumnPlan, tokenizer, pairs: list[tuple[str, str]]) -> ColumnPlan:
    """The column's token cap: a quarter over its longest real value's tokens, and at least its
    bytes (plus the end): a character no token spells whole takes one token per byte, and an
    undertrained model may spell any character so."""
    targets = [t for p, t in pairs if p.endswith(plan.tag)][:2000]
    # no targets: every real value is empty (LISTs of no element); the tokenizer refuses an empty batch
    encoded = token_ids(tokenizer, targets, add_special_tokens=False) if targets else []
    longest = max((len(ids) for ids in encoded), default=16)
    longest_bytes = max((len(t.encode()) for t in targets), default=16)
    return replace(plan, max_new_tokens=int(min(MAX_NEW_TOKENS, max(longest * 1.25 + 8, longest_bytes + 1))))


def _sample_rows(con, table: Table, names: list[str], limit: int, seed: int) -> list[dict]:
    query = sql.select_columns(table.name, names, table.schema).sql(sql.DIALECT)
    if table.row_count is not None and table.row_count > limit:
        query += f" USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE ({duckdb_seed(seed)})"
    cur = con.execute(query)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _decode(spec: OutputSpec, text: str) -> str | None:
    try:
        return spec.decode(text)
    except (ValueError, KeyError, TypeError):
        return None


def _spread(values: dict[int, Any], source: np.ndarray, arrow_type: pa.DataType | None = None) -> pa.Array:
    """Every row's value: its own draw or the one it reuses (NULL where ``source`` is -1)."""
    drawn = sorted(values)
    position = np.full(len(source), -1, dtype=np.int64)
    position[drawn] = np.arange(len(drawn))
    at = np.where(source >= 0, position[np.maximum(source, 0)], -1)
    if not drawn or all(values[i] is None for i in drawn):
        return pa.nulls(len(source))
    table = _arrow_values([values[i] for i in drawn], arrow_type)
    index = pa.array(np.maximum(at, 0), mask=at < 0)
    if isinstance(table, pa.ExtensionArray):  # UUIDs: Arrow takes from the storage only
        return pa.ExtensionArray.from_storage(table.type, table.storage.take(index))
    return table.take(index)


_ARROW_ERRORS = (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


def _arrow_values(values: list, arrow_type: pa.DataType | None) -> pa.Array:
    """``values`` (nested Python values) as Arrow, in the column's own Arrow type where known.

    Where Arrow cannot hold a value as it is, its leaves become text, which DuckDB casts back
    on writing: a UUID inside a STRUCT or LIST (Arrow has no nested extension values), and an
    integer of a nested HUGEINT or UHUGEINT beyond Arrow's 38 decimal digits (then every
    integer, so that no field mixes numbers and text).
    """
    try:
        return pa.array(values, arrow_type)
    except _ARROW_ERRORS:
        pass
    try:
        return pa.array([_plain(v) for v in values])
    except _ARROW_ERRORS:
        return pa.array([_plain(v, integers_as_text=True) for v in values])


def _plain(value: Any, integers_as_text: bool = False) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v, integers_as_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, integers_as_text) for v in value]
    if integers_as_text and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(value) if isinstance(value, uuid.UUID) else value


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _shape_tokens(shapes: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """What the prompt says of each common document shape: ``K<i>`` (any other shape: ``K*``)."""
    return {s: f"K{i}" for i, (s, _) in enumerate(shapes) if s != ANY}


def _near(value: Any, bucket: str | None, slack: int) -> bool:
    """Whether a value's length falls within ``slack`` buckets of the one asked for."""
    if bucket is None:
        return True
    return abs(int(length_bucket(value_length(value))[1:]) - int(bucket[1:])) <= slack


def _shortest(bucket: str | None, slack: int) -> int:
    """The fewest characters a value may have to fall within ``slack`` buckets of ``bucket``."""
    return 0 if bucket is None else bucket_floor(f"L{max(0, int(bucket[1:]) - slack)}")


def _token_chars(tokenizer, model):
    """Characters each token id starts (0 for special tokens and ids the tokenizer lacks).

    Counted in bytes: a token holding the first byte of an ``ë`` starts one character, the
    token with its second byte none (decoded alone, each read as one U+FFFD).
    """
    size = _vocab_rows(model)
    spelled = token_bytes(tokenizer)[:size]
    counts = torch.zeros(size, dtype=torch.long)
    counts[: len(spelled)] = torch.tensor([token_characters(b) for b in spelled], dtype=torch.long)
    return counts


def _outlines_model(model, tokenizer):
    """``outlines.from_transformers(model, tokenizer)`` for a tokenizer, without its test for a
    multimodal processor: importing transformers' ``ProcessorMixin`` loads its modeling modules
    (~2.5 s of every run, for a class the default model never has)."""
    from outlines.models.transformers import Transformers
    from transformers import PreTrainedTokenizer, PreTrainedTokenizerFast

    if isinstance(tokenizer, (PreTrainedTokenizer, PreTrainedTokenizerFast)):
        return Transformers(model, tokenizer)
    import outlines

    return outlines.from_transformers(model, tokenizer)


def _open_tokens(model, tokenizer, tag: str) -> set[int]:
    """The column's open-class tokens (:mod:`.open_class`): public words it writes where it
    learned a rare one, which its constraint must let through."""
    slots = getattr(model, "open", None)
    column = getattr(model, "column_of", {}).get(tokenizer.convert_tokens_to_ids(tag))
    return set() if slots is None or column is None else set(slots.tokens_of(column).tolist())


def _vocab_rows(model) -> int:
    """Logits per step: the output embedding's rows (a word n-gram model has none: its vocabulary)."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    return head.weight.shape[0] if head is not None else model.config.vocab_size


def _exact(length_name: str) -> str:
    """The row-context name of the graphical model's exact length (the prompt reads the bucket)."""
    return "#" + length_name


# On a GPU the compact model's step time is the host's (one Python pass over the batch per
# token), nearly flat in the batch: H200, warm, 640 short descriptions + tags at batch 64 took
# 2.7 s, at 256 1.6 s. On a CPU each row costs its own arithmetic, and a bigger batch only
# waits longer for its longest row.
CPU_BATCH, GPU_BATCH = 64, 256
WORD_BATCH = 256
PROMPT_CACHE = 100_000  # prompts whose token ids are kept (see TextFieldModel._prompt_ids)

MAX_NEW_TOKENS = 512 - lm_mod.MAX_PROMPT_TOKENS - 1  # what the compact model's 512 positions leave a value

SMALL_TABLE = 500  # rows: below this, each value's length is a visible step of the length distribution


def _close(value: Any, wanted: float, attempt: int, small: bool) -> bool:
    """Whether a value's length is near enough the graphical model's exact one for this attempt.

    In a small table the first draw must come within 3 % (the exact length below 34 characters):
    a 9-row table's lengths are judged by a KS step of 1/9, and 10 %-or-one-character let a
    13-character phone number stand for a 14-character one (northwind employees.home_phone length
    KS-c 0.56). In a large table those one-character misses average out, and insisting cost
    openflights 24 % more draws for nothing. Retries, several draws per row, accept 10 % (at least
    one character), the nearest first.
    """
    n = value_length(value)
    return n is None or abs(n - wanted) <= _tolerance(wanted, attempt, small)


def _tolerance(wanted: float, attempt: int, small: bool) -> float:
    return 0.03 * wanted if attempt == 0 and small else max(1.0, 0.1 * wanted)


def _nearest_allowed(wanted: float | None, attempt: int, small: bool) -> int:
    """The fewest characters :func:`_close` accepts for ``wanted``."""
    if wanted is None or np.isnan(wanted):
        return 0
    return int(np.ceil(wanted - _tolerance(wanted, attempt, small)))


def _distance(value: Any, wanted: float) -> float:
    n = value_length(value)
    return 0.0 if n is None or wanted is None or np.isnan(wanted) else abs(n - wanted)


def _hashable(v: Any):
    return json.dumps(_string_keys(v), sort_keys=True, default=str) if isinstance(v, dict | list | tuple) else v


def _string_keys(v: Any):
    """JSON takes only string keys: a MAP keyed by DECIMAL or TIMESTAMP values is spelled out."""
    if isinstance(v, dict):
        return {str(k): _string_keys(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_string_keys(x) for x in v]
    return v


def _table_json(t: Table) -> dict:
    return {"name": t.name, "schema": t.schema, "primary_key": list(t.primary_key),
            "unique": [list(u) for u in t.unique], "checks": [sql.render(c) for c in t.checks],
            "columns": [[c.name, c.type.sql(named_enums=False), c.nullable] for c in t.columns]}


def _table_from_json(d: dict) -> Table:
    from amalgam_rel.schema.model import Column

    cols = tuple(Column(n, parse_type(t), nullable) for n, t, nullable in d["columns"])
    checks = tuple(sql.parse_expression(c, where=f"CHECK on {d['name']}") for c in d["checks"])
    return Table(d["name"], cols, tuple(d["primary_key"]), tuple(tuple(u) for u in d["unique"]), checks, None, d["schema"])


def _share_of(budget: int | None, share: float) -> int | None:
    """A part's share of a generation budget (at least one value; None stays unlimited)."""
    return budget if budget is None or share >= 1.0 else max(1, math.ceil(budget * share))
