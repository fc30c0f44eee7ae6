"""What one ``DatabaseModel.sample`` wrote: rows, seconds and text reports per table.

The text reports of a table written in parts are merged part by part (:func:`_merged`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amalgam_rel.relational.semantic_columns import SemanticReport


@dataclass
class SampleReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    text: dict[str, dict] = field(default_factory=dict)  # "table.column" -> the text model's ColumnReport
    parts: dict[str, int] = field(default_factory=dict)  # tables sampled and written in parts -> how many
    semantic: dict[str, SemanticReport] = field(default_factory=dict)  # "table.column" -> Faker's values, copies
    conditions: list = field(default_factory=list)  # a ConditionReport per --where (pipeline/conditioned.py)
    notes: list[str] = field(default_factory=list)  # what the target does not keep (a CHECK SQLite cannot say), one line each
    # a sample in shards: worker process id -> {"blocks", "cpu_s", "peak_rss_mb"} (CPU and memory of the whole process)
    workers: dict[str, dict] = field(default_factory=dict)

    def add(self, table: str, rows: int, text: dict[str, dict], semantic: dict[str, SemanticReport] | None = None) -> None:
        """Count a table's rows, or one more part of them, with what generating its text took."""
        self.rows[table] = self.rows.get(table, 0) + rows
        for column, r in (semantic or {}).items():
            self.semantic.setdefault(f"{table}.{column}", SemanticReport(r.type)).add(r)
        for column, r in text.items():
            name = f"{table}.{column}"
            self.text[name] = _merged(self.text[name], r) if name in self.text else r

    def merge(self, other: SampleReport) -> None:
        """Add another report of other rows of the same tables (a block of a sample in shards)."""
        for table, rows in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + rows
            self.parts[table] = self.parts.get(table, 0) + other.parts.get(table, 1)
        for name, r in other.semantic.items():
            self.semantic.setdefault(name, SemanticReport(r.type)).add(r)
        for name, r in other.text.items():
            self.text[name] = _merged(self.text[name], r) if name in self.text else r
        for pid, w in other.workers.items():
            seen = self.workers.setdefault(pid, {"blocks": 0, "cpu_s": 0.0, "peak_rss_mb": 0.0})
            seen["blocks"] += w.get("blocks", 1)
            seen["cpu_s"] = round(max(seen["cpu_s"], w["cpu_s"]), 2)  # the process's total so far
            seen["peak_rss_mb"] = round(max(seen["peak_rss_mb"], w["peak_rss_mb"]), 1)

    def text_summary(self) -> str | None:
        """One line: how many text values the language model wrote and how many rows reused one."""
        if not self.text:
            return None
        rows = sum(r["rows"] for r in self.text.values())
        reused = sum(r["reused"] for r in self.text.values())
        drawn = sum(r["sampled"] for r in self.text.values())
        share = reused / rows if rows else 0.0
        source = ("schema placeholders (not learned)" if any(r.get("generator", "").startswith("schema")
                                                             for r in self.text.values()) else "language-model draws")
        line = (f"text: {len(self.text)} columns, {rows:,} rows, {drawn:,} {source}, "
                f"{reused:,} rows reuse a drawn value ({share:.0%})")
        # a nullable column's row that got no acceptable value in every attempt is left NULL: say where
        empty = {name: r.get("null_fallbacks", 0) for name, r in self.text.items() if r.get("null_fallbacks", 0)}
        if empty:
            line += "; left NULL after every attempt failed: " + ", ".join(f"{n} ({k:,})" for n, k in sorted(empty.items()))
        repeated = {name: r.get("value_fallbacks", 0) for name, r in self.text.items() if r.get("value_fallbacks", 0)}
        if repeated:
            line += "; another row's value after every attempt failed: " + \
                ", ".join(f"{n} ({k:,})" for n, k in sorted(repeated.items()))
        return line


def _merged(a: dict, b: dict) -> dict:
    """Two parts' text reports as one: counts add up, rates are weighted by what they count."""
    out = {k: (a[k] + b[k] if isinstance(a.get(k), (int, float)) and not isinstance(a.get(k), bool) else v)
           for k, v in b.items()}
    drawn = a.get("first_pass_drawn", 0) + b.get("first_pass_drawn", 0)
    if drawn:
        out["first_pass_validity"] = out["first_pass_valid"] / drawn
        out["copy_rate"] = out["first_pass_copies"] / drawn
    if out.get("rows"):
        # the schema's placeholders (under --epsilon) count no copies
        out["output_copy_rate"] = out.get("output_copies", 0) / out["rows"]
        out["duplicate_rate"] = out.get("reused", 0) / out["rows"]
    return out
