"""Which tables a sample in shards cuts into blocks, and which it samples once, whole.

A sample in shards (:mod:`.shards`) splits the entities of one *root* table (``shard_by``;
by default the highest table, along driving foreign keys, above the largest table that has
at least :data:`MIN_ROOT_ROWS` rows: TPC-H's ``customer``) into **blocks** of ``block_rows``
rows. Every table falls in one of three roles, decided from the schema and the fitted plan
alone (never from the number of shards):

- **blocked**: its rows are planned whole (how many, and which driving parent each belongs to:
  a few bytes a row), then cut into blocks, each block sampled on its own. The root is one; so
  is every table no other table references (an event log: "sharded freely", cut into blocks of
  ``block_rows`` rows), and every table outside the root's subtree that references a table
  inside it (cut into as many blocks as the root, block ``b`` beside the root's block ``b``).
- **follows**: its driving parent is sharded; each block samples it from the block's parent
  rows, as the whole sample would from the whole parent table (``orders``, ``lineitem``).
- **shared**: every other table (``nation``, ``part``, ``partsupp``): sampled once, whole, with
  the same random stream as the unsharded sample, and read by every block.

Rows that reference across blocks, the stated rule:

- a foreign key into a shared table is matched in each block against the whole shared table,
  each parent's sampled degree scaled by the block's share: degrees hold in expectation, not
  exactly, since each block rounds its own share (the unsharded sample matches them exactly);
- a foreign key into a sharded table (the driving one, a matched one, a self-reference) is
  resolved inside its block: a child's parent is always in the child's own block;
- what cannot be held across blocks is refused with a one-line error naming it: a broken FK
  cycle touching a sharded table, a total of a shared parent over sharded children, a UNIQUE
  foreign key from a sharded into a shared table, a unique set no generated key or driving
  foreign key makes unique across blocks, and a kept reference table in the root's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass

from amalgam_rel.errors import InputError
from amalgam_rel.relational.rules import totals

MIN_ROOT_ROWS = 1000  # a root of fewer entities would give too few blocks to share out (TPC-H's 25 nations)


@dataclass(frozen=True)
class ShardLayout:
    root: str
    order: tuple[str, ...]  # every table, in generation order
    blocked: tuple[str, ...]  # planned whole, cut into blocks
    follows: tuple[str, ...]  # sampled per block from the block's driving-parent rows
    with_root: tuple[str, ...]  # blocked tables cut into as many blocks as the root (they reference its subtree)

    @property
    def sharded(self) -> tuple[str, ...]:
        return tuple(t for t in self.order if t in self.blocked or t in self.follows)

    @property
    def shared(self) -> tuple[str, ...]:
        return tuple(t for t in self.order if t not in self.blocked and t not in self.follows)


def default_root(model) -> str:
    """The highest table above the largest one, along driving FKs, with ≥ MIN_ROOT_ROWS rows."""
    tables = model.tables_
    largest = max(model.plan_.graph.order, key=lambda t: (tables[t].real_rows, t))
    chain, t = [largest], largest
    while tables[t].plan.driver is not None and tables[t].plan.driver.ref_table not in chain:
        t = tables[t].plan.driver.ref_table
        chain.append(t)
    return next((t for t in reversed(chain) if tables[t].real_rows >= MIN_ROOT_ROWS), largest)


def plan_layout(model, shard_by: str | None = None) -> ShardLayout:
    """The roles of every table of ``model``'s database (see the module docstring)."""
    order = tuple(model.plan_.graph.order)
    root = default_root(model) if shard_by is None else _named(model, shard_by)
    tables, db = model.tables_, model.db
    driver = {t: tables[t].plan.driver.ref_table if tables[t].plan.driver is not None else None for t in order}
    blocked, with_root, follows = [root], [], set()
    follows |= _below(order, driver, root)
    while True:  # a table outside that references a sharded one must be sharded beside it
        sharded = {root, *follows, *with_root}
        pulled = [t for t in order if t not in sharded and t not in model.reference_
                  and any(fk.ref_table in sharded for fk in db.foreign_keys_of(t) if not fk.is_self_reference)]
        if not pulled:
            break
        with_root.append(pulled[0])
        follows |= _below(order, driver, pulled[0])
    sharded = {root, *follows, *with_root}
    free = [t for t in order if t not in sharded and t not in model.reference_
            and not [fk for fk in db.referencing(t)]]
    layout = ShardLayout(root, order, tuple(t for t in order if t in {root, *with_root, *free}),
                         tuple(t for t in order if t in follows), tuple(t for t in order if t in with_root))
    check_layout(model, layout)
    return layout


def _named(model, shard_by: str) -> str:
    if not model.db.has_table(shard_by):
        raise InputError(f"--shard-by names no table of the model: {shard_by!r}")
    return model.db.table(shard_by).key


def _below(order, driver: dict[str, str | None], top: str) -> set[str]:
    """Tables whose chain of driving parents passes through ``top`` (``top`` excluded)."""
    out: set[str] = set()
    for t in order:  # parents come first, so a parent is decided before its children
        if driver[t] is not None and (driver[t] == top or driver[t] in out):
            out.add(t)
    return out


def check_layout(model, layout: ShardLayout) -> None:
    """A one-line InputError for what a sample in shards cannot hold (see the module docstring)."""
    sharded, db = set(layout.sharded), model.db
    for key in layout.sharded:
        if key in model.reference_:
            raise InputError(f"cannot sample in shards: the kept reference table {key!r} is below the root "
                             f"{layout.root!r} (synthesize it, or shard by another table)")
    for fk in model.plan_.graph.broken:
        if {fk.table, fk.ref_table} & sharded:
            raise InputError(f"cannot sample in shards: the FK cycle edge {fk.label} touches the sharded tables")
    for t in model.rules_.get(totals.NAME, ()):
        fk = db.foreign_keys[t.fk]
        if fk.table in sharded and fk.ref_table not in sharded:
            raise InputError(f"cannot sample in shards: {fk.ref_table}.{t.column} totals the sharded table {fk.table!r}")
    for key in layout.sharded:
        _check_unique_across_blocks(model.tables_[key], sharded)


def _check_unique_across_blocks(ft, sharded: set[str]) -> None:
    for fk in ft.plan.matched:
        if ft.table.is_unique(fk.columns) and fk.ref_table not in sharded:
            raise InputError(f"cannot sample in shards: the UNIQUE foreign key {fk.label} of a sharded table "
                             f"points at the shared table {fk.ref_table!r}")
    driver = set(ft.plan.driver.columns) if ft.plan.driver is not None else None
    for unique in ft.table.unique_sets():
        if not (set(ft.keys) & set(unique) or (driver is not None and driver <= set(unique))):
            raise InputError(f"cannot sample in shards: UNIQUE {ft.key}({', '.join(unique)}) holds no generated key "
                             f"nor the driving foreign key, so two blocks could repeat a value")
