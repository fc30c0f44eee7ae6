"""What the text model learns of each column before training: its :class:`ColumnPlan`.

A plan says how a column is written (its output spec, see :mod:`.output_types`), what its
prompt reads (context columns, the value's length bucket, a JSON document's shape), its NULL
rate, whether the copy guard screens it, the words or characters it may write, and its token
budget. :func:`learn_table` builds the plans of one table and the (prompt, value) pairs the
language model trains on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any

from amalgam_rel.generation.checks import string_rule
from amalgam_rel.generation.elements import element_counts
from amalgam_rel.generation.lm import MAX_PROMPT_TOKENS
from amalgam_rel.generation.lengths import length_bucket, length_column, value_length
from amalgam_rel.generation.output_types import OutputSpec, build_spec
from amalgam_rel.generation.prompts import column_tag, render_prompt
from amalgam_rel.generation.selection import context_columns
from amalgam_rel.generation.shapes import ANY, common_shapes, shape_column, shape_label
from amalgam_rel.generation.tokenizer import token_ids
from amalgam_rel.generation.word_units import column_words, untidy
from amalgam_rel.schema import sql
from amalgam_rel.schema.model import Database, Table
from amalgam_rel.schema.types import Kind
from amalgam_rel.seeds import duckdb_seed


# what with_token_budget gives a column at most: the context window (512) less the prompt
MAX_NEW_TOKENS = 512 - MAX_PROMPT_TOKENS - 1


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


@dataclass(frozen=True)
class LearnedTable:
    """One table's plans, its training pairs, and the real values of its guarded columns."""

    plans: list[ColumnPlan]
    pairs: list[tuple[str, str]]
    guarded_values: list[list]


def learn_table(con, db: Database, table: Table, names: list[str], *, llm: str | None, max_rows: int,
                seed: int, min_word_rows: int) -> LearnedTable:
    """Plan ``names`` of ``table`` from at most ``max_rows`` real rows (a reservoir sample).

    ``llm`` is the user's model directory (None: the compact default model, which writes free
    text in words that ``min_word_rows`` real rows hold).
    """
    context = context_columns(db, table, names, con)
    wanted = list(dict.fromkeys(names + context))
    rows = sample_rows(con, table, wanted, max_rows, seed)
    plans, pairs, guarded_values = [], [], []
    for i, name in enumerate(names):
        # earlier text columns of the row condition this one (a title -> its genres), but only
        # the last two short ones: prompts stay short, training and sampling fast
        earlier = [n for n in names[:i] if plans[names.index(n)].spec.mode != "json"][-2:]
        plan = _plan_column(table, name, rows, tuple(context + earlier), llm=llm, min_word_rows=min_word_rows)
        plans.append(plan)
        present = [r for r in rows if r[name] is not None]
        named = llm is not None  # a user's model reads names; the compact one reads positions
        pairs += [(render_prompt(table.key, name, r, plan.prompt_columns, tag=plan.tag, named=named),
                   plan.spec.encode(r[name])) for r in present]
        if plan.guarded:
            guarded_values.append([r[name] for r in present])
    return LearnedTable(plans, pairs, guarded_values)


def _plan_column(table: Table, name: str, rows: list[dict], prompt_cols: tuple[str, ...], *, llm: str | None,
                 min_word_rows: int) -> ColumnPlan:
    """The plan of one column; the length bucket or document shape its prompt reads is added to ``rows``."""
    col = table.column(name)
    values = [r[name] for r in rows]
    rule = string_rule(table.checks, name) if col.type.kind is Kind.STRING else None
    spec = build_spec(name, col.type, values, string_rule=rule)
    present = [r for r in rows if r[name] is not None]
    buckets: tuple = ()
    if spec.mode == "text" or col.type.kind is Kind.LIST:
        # first in the prompt: the strongest hint, and the last one a reused value gives up
        buckets = _add_length_buckets(rows, present, name)
        prompt_cols = (length_column(name),) + prompt_cols
    shapes: tuple = ()
    if col.type.kind is Kind.JSON:
        shapes = _add_shapes(rows, name)
        if shapes:
            prompt_cols = (shape_column(name),) + prompt_cols
    # codes too: a real customer's e-mail, phone or postcode is as telling as their notes
    guarded = spec.mode == "text"
    words, alphabet = None, None
    if llm is None and spec.mode == "text" and not spec.key_like:  # free text: written in words
        words = tuple(sorted(column_words((spec.encode(r[name]) for r in present), min_word_rows)))
    elif llm is None:
        alphabet = "".join(sorted({ch for r in present for ch in spec.encode(r[name])} | set(spelled(spec))))
    return ColumnPlan(table.key, name, spec, prompt_cols,
                      null_rate=1 - len(present) / len(rows) if rows else 0.0,
                      nullable=col.nullable, unique=table.is_unique((name,)), guarded=guarded,
                      tag=column_tag(table.key, name, special=llm is None),
                      length_buckets=buckets, shapes=shapes,
                      elements=element_counts(spec.schema, values), words=words, alphabet=alphabet,
                      tidy_spaces=words is not None and not any(untidy(r[name]) for r in present))


def _add_length_buckets(rows: list[dict], present: list[dict], name: str) -> tuple[tuple[str, int], ...]:
    """Give every row its value's length bucket; the buckets' counts over the non-NULL rows."""
    length = length_column(name)
    for r in rows:
        r[length] = length_bucket(value_length(r[name]))
    return tuple(sorted(Counter(r[length] for r in present).items()))


def _add_shapes(rows: list[dict], name: str) -> tuple[tuple[str, int], ...]:
    """The JSON column's common document shapes (see .shapes), each row's written into ``rows``."""
    labels = [shape_label(_parsed(r[name])) for r in rows]  # None where NULL
    shapes = common_shapes(labels)
    if shapes:
        other = sum(x is not None for x in labels) - sum(n for _, n in shapes)
        shapes += ((ANY, other),) if other else ()
        shape = shape_column(name)
        tokens = shape_tokens(shapes)
        for r, label in zip(rows, labels):
            r[shape] = None if label is None else tokens.get(label, "K*")
    return shapes


def with_token_budget(plan: ColumnPlan, tokenizer, pairs: list[tuple[str, str]]) -> ColumnPlan:
    """The column's token cap: a quarter over its longest real value's tokens, and at least its
    bytes (plus the end): a character no token spells whole takes one token per byte, and an
    undertrained model may spell any character so."""
    targets = [t for p, t in pairs if p.endswith(plan.tag)][:2000]
    # no targets: every real value is empty (LISTs of no element); the tokenizer refuses an empty batch
    encoded = token_ids(tokenizer, targets, add_special_tokens=False) if targets else []
    longest = max((len(ids) for ids in encoded), default=16)
    longest_bytes = max((len(t.encode()) for t in targets), default=16)
    return replace(plan, max_new_tokens=int(min(MAX_NEW_TOKENS, max(longest * 1.25 + 8, longest_bytes + 1))))


def sample_rows(con, table: Table, names: list[str], limit: int, seed: int) -> list[dict]:
    """``names`` of at most ``limit`` rows of ``table`` (a repeatable reservoir sample), as dicts."""
    query = sql.select_columns(table.name, names, table.schema).sql(sql.DIALECT)
    if table.row_count is not None and table.row_count > limit:
        query += f" USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE ({duckdb_seed(seed)})"
    cur = con.execute(query)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def spelled(spec: OutputSpec) -> str:
    """Every character a column's constraint may spell literally (its regex, JSON schema, choices)."""
    return (spec.regex or "") + (json.dumps(spec.schema, ensure_ascii=False) if spec.schema else "") + "".join(spec.choices)


def shape_tokens(shapes: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """What the prompt says of each common document shape: ``K<i>`` (any other shape: ``K*``)."""
    return {s: f"K{i}" for i, (s, _) in enumerate(shapes) if s != ANY}


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
