"""What the commands print: the schema summary of ``inspect``, the privacy ledger, progress
bars, and the notes after fitting and sampling (kept tables, text, computed columns)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.markup import escape
from rich.table import Table as RichTable

from amalgam_rel.cli.shell import console, err_console

def print_ledger(ledger) -> None:
    """Every spend of a private fit, then the total (which is the whole budget rho)."""
    per = f"privacy unit {ledger.unit}" if ledger.unit else "root entity"
    table = RichTable(title=f"privacy ledger: (epsilon={ledger.epsilon:g}, delta={ledger.delta:g})-DP per {per}, "
                            f"zCDP rho={ledger.rho:.4g}", title_justify="left")
    for col in ("table", "step", "mechanism", "rho", "sigma", "sensitivity", "detail"):
        table.add_column(col, overflow="fold", no_wrap=col in ("rho", "sigma", "sensitivity"))
    for e in ledger.entries:
        table.add_row(escape(e.table), escape(e.step), escape(e.mechanism), f"{e.rho:.3g}",
                      "-" if e.sigma is None else f"{e.sigma:.3g}", f"{e.sensitivity:g}", escape(e.detail))
    table.add_row("total", "", "", f"{ledger.spent:.4g}", "", "", f"of rho {ledger.rho:.4g}; delta spent {ledger.delta_spent:.3g}")
    console.print(table)


def progress_bars():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[table]}"), console=err_console, transient=False,
                    disable=not sys.stderr.isatty())


def print_kept(model) -> None:
    from amalgam_rel.relational.reference import kept_line
    from amalgam_rel.relational.repoint import repointed_line

    unit = getattr(model, "privacy_unit_", None)
    kept = kept_line(model.reference_, model.db) if unit is None else \
        kept_line(model.reference_, model.db, "public tables kept verbatim (outside the privacy unit's reach)")
    for line in filter(None, [unit.describe() if unit is not None else None, kept,
                              repointed_line(model.db, model.reference_)]):
        err_console.print(line, highlight=False, markup=False)


def print_sampled(model) -> None:
    """Tables too large to read (``--max-rows``): what each model was fitted from."""
    for line in model.sampled_lines():
        err_console.print(line, highlight=False, markup=False)


def print_single_rows(model) -> None:
    """A table of one row can only be repeated (its model holds that row's values): say so."""
    single = model.single_row_tables()
    if single:
        names = ", ".join(repr(t) for t in single)
        what = f"table {names} has" if len(single) == 1 else f"tables {names} have"
        err_console.print(f"note: {what} 1 row: a model of one row can only repeat it, so the synthetic rows "
                          "(and a saved model) carry that row's values", highlight=False, markup=False)


def print_text_summary(report, model) -> None:
    if report.parts:
        parts = ", ".join(f"{t} {n}" for t, n in report.parts.items())
        err_console.print(f"sampled and written in parts (memory bounded): {parts}", highlight=False, markup=False)
    from amalgam_rel.relational.semantic_columns import copy_line

    for line in (report.text_summary(), copy_line(report.semantic)):
        if line:
            err_console.print(line, highlight=False, markup=False)
    if model.null_columns():
        err_console.print(f"warning: written NULL, not synthesized (UNION values): {', '.join(model.null_columns())}",
                          highlight=False, markup=False)
    print_computed(model)


_SHOWN = 8  # computed columns named in full; a date dimension or a sales fact table has dozens


def print_computed(model) -> None:
    from amalgam_rel.relational.semantic_columns import type_lines

    for line in type_lines(model.tables_):
        err_console.print(f"semantic types (values from Faker): {line}", highlight=False, markup=False)
    computed = model.computed_columns()
    if computed:
        shown = ", ".join(f"{c} = {how}" for c, how in computed[:_SHOWN])
        more = f" (+{len(computed) - _SHOWN} more)" if len(computed) > _SHOWN else ""
        err_console.print(f"computed from other columns, not drawn: {shown}{more}", highlight=False, markup=False)


def print_schema_summary(name: str, s: dict) -> None:
    """``name``: how the title names the source (a file's name, a server's URL without its password)."""
    tables = RichTable(title=f"{escape(name)}: {len(s['tables'])} tables", title_justify="left")
    for col in ("table", "rows", "depth", "primary key", "unique", "checks", "columns by kind"):
        tables.add_column(col, overflow="fold", no_wrap=col in ("table", "rows"))
    bridges = set(s["graph"]["bridges"])
    self_refs = set(s["graph"]["self_references"])
    for t in s["tables"]:
        kinds: dict[str, int] = {}
        for c in t["columns"]:
            kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
        marks = (" (bridge)" if t["name"] in bridges else "") + (" (self-ref)" if t["name"] in self_refs else "")
        tables.add_row(
            escape(t["name"]) + marks,
            "-" if t["rows"] is None else f"{t['rows']:,}",
            str(t["depth"]),
            escape(", ".join(t["primary_key"])) or "-",
            escape("; ".join(", ".join(u) for u in t["unique"])) or "-",
            str(len(t["checks"])),
            " ".join(f"{k}×{n}" for k, n in sorted(kinds.items())),
        )
    console.print(tables)
    fks = RichTable(title=f"{len(s['foreign_keys'])} foreign keys", title_justify="left")
    for col in ("child", "parent", "nullable", "kind", "note"):
        fks.add_column(col, overflow="fold", no_wrap=col in ("child", "parent"))
    for fk in s["foreign_keys"]:
        note = "self-reference" if fk["self_reference"] else ("cycle edge, filled last" if fk["broken"] else "")
        fks.add_row(
            escape(f"{fk['table']}({', '.join(fk['columns'])})"),
            escape(f"{fk['ref_table']}({', '.join(fk['ref_columns'])})"),
            "yes" if fk["nullable"] else "no",
            fk["kind"],
            note,
        )
    console.print(fks)
    g = s["graph"]
    console.print(f"generation order: {' → '.join(g['order'])}", highlight=False, markup=False)
    console.print(f"max depth: {g['depth']}", highlight=False)
    console.print(f"self-references: {', '.join(g['self_references']) or 'none'}", highlight=False, markup=False)
    console.print(f"bridge tables: {', '.join(g['bridges']) or 'none'}", highlight=False, markup=False)
    for c in g["cycles"]:
        console.print(f"cycle: {' → '.join(c + c[:1])}", highlight=False, markup=False)
    for edge in g["broken_edges"]:
        console.print(f"cycle broken at {edge} (filled after both tables exist)", highlight=False, markup=False)


def print_notes(notes) -> None:
    """What the target does not keep (a constraint it cannot enforce), one line each."""
    for note in notes:
        err_console.print(f"note: {note}", highlight=False, markup=False)


def suggestions_json(found) -> dict:
    """Keys the data suggests (:class:`~amalgam_rel.schema.key_discovery.KeySuggestions`), as ``inspect --json`` shows them."""
    return {"primary_keys": [{"table": k.table, "columns": list(k.columns), "reason": k.reason} for k in found.primary_keys],
            "foreign_keys": [{"table": f.table, "columns": list(f.columns), "ref_table": f.ref_table,
                              "ref_columns": list(f.ref_columns), "reason": r}
                             for f, r in zip(found.foreign_keys, found.fk_reasons)]}


def print_suggested_keys(found) -> None:
    console.print("keys found in the data, not declared (`inspect --suggest-keys > keys.toml` writes them as a "
                  "sidecar to review and pass with --sidecar):", highlight=False, markup=False)
    for k in found.primary_keys:
        console.print(f"  primary key {k.table}({', '.join(k.columns)}): {k.reason}", highlight=False, markup=False)
    for f, reason in zip(found.foreign_keys, found.fk_reasons):
        console.print(f"  foreign key {f.label}: {reason}", highlight=False, markup=False)
