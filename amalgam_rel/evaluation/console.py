"""The console summary of an evaluation: one small rich table per area.

>>> fmt(0.98765), fmt(None)
('0.988', '-')
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from amalgam_rel.evaluation.reasons import OK_BELOW

CONSOLE_ROWS = 3  # rows of each answer shown side by side
CONSOLE_QUERIES = 10  # automatic queries listed when no --queries were given


def fmt(x) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def print_summary(console: Console, d: dict) -> None:
    head = Table(title=f"{escape(d['synth'])} vs {escape(d['real'])}", title_justify="left")
    for col in ("area", "score", "detail"):
        head.add_column(col)
    rows = [
        ("validity", d.get("validity", {}).get("score"), lambda v: f"{v['violations']} violations in {v['checks']} checks"),
        ("realism", d.get("realism", {}).get("score"),
         lambda v: f"real words {fmt(v['word_realism'])} (real {fmt(v['ceiling'])}), word pairs "
                   f"{fmt(v['pair_realism'])} (real {fmt(v['pair_ceiling'])}), within-row consistency "
                   f"{fmt(v['consistency'])}; {len(v['columns'])} text columns, {len(v['skipped'])} skipped"),
        ("column shapes", d.get("column_shapes", {}).get("score"), _shapes_detail),
        ("amalgam χ² p (mean)", d.get("amalgam_chi2_p", {}).get("mean"),
         lambda v: f"strict mean p {fmt(v['strict_mean'])}, strict rejects {fmt(v['strict_rejected'])} of columns"),
        ("pair trends", d.get("pair_trends", {}).get("score"),
         lambda v: f"{len(v['pairs'])} pairs" + (f"; {v['left_out']['count']} pairs with a generated identity column "
                                                 "left out (no categories to pair)" if v["left_out"]["count"] else "")),
        ("cardinality", d.get("cardinality", {}).get("score"), lambda v: f"{len(v['foreign_keys'])} foreign keys"),
        ("key paths", d.get("key_paths", {}).get("score"),
         lambda v: f"{len(v['paths'])} relations the real rows keep, "
                   f"{sum(p['synth'] == 1.0 for p in v['paths'])} kept in every synthetic row"),
        ("inter-table trends", d.get("intertable_trends", {}).get("score"),
         lambda v: f"1 hop {fmt(v['one_hop'])}, 2 hops {fmt(v['two_hops'])}" + (
             f"; {v['left_out']['count']} pairs with a generated identity column left out" if v["left_out"]["count"] else "")),
        ("detection", d.get("detection", {}).get("score"), lambda v: f"mean ROC AUC {fmt(v['auc'])}"),
        ("workload", d.get("workload", {}).get("score"),
         lambda v: f"{v['queries']} queries, median rel. error {fmt(v['median_rel_error'])}, "
                   f"p90 {fmt(v['p90_rel_error'])}, {v['failed']} failed, "
                   f"{v['empty_answers']} empty where real is not ({v['empty_on_identity']} filter a generated "
                   f"identity: empty by design, the synthesizer never writes real identities; {v['empty_other']} other)"),
        ("privacy (DCR share)", d.get("privacy", {}).get("score"),
         lambda v: f"exact copies {fmt(v['exact_copy_rate'])}, verbatim text {fmt(v['verbatim_text_rate'])}"
                   + ("" if v["holdout"] else "; no holdout")),
    ]
    key = {"validity": "validity", "realism": "realism", "column shapes": "column_shapes", "amalgam χ² p (mean)": "amalgam_chi2_p",
           "pair trends": "pair_trends", "cardinality": "cardinality", "key paths": "key_paths",
           "inter-table trends": "intertable_trends",
           "detection": "detection", "workload": "workload", "privacy (DCR share)": "privacy"}
    for label, score, detail in rows:
        if key[label] in d:
            head.add_row(label, fmt(score), escape(detail(d[key[label]])))
    head.add_row("[bold]overall[/]", f"[bold]{fmt(d['overall']['score'])}[/]", "mean of the scored areas")
    console.print(head)
    _print_worst(console, d)
    _print_queries(console, d.get("workload"))


def _shapes_detail(v: dict) -> str:
    identity = v["identity"]["columns"]
    if not identity:
        return f"{len(v['columns'])} columns"
    return (f"{len(v['columns'])} columns; {len(identity)} generated identity columns scored on NULLs, lengths, "
            "form, shapes and distinct share, not as categories")


def _print_worst(console: Console, d: dict) -> None:
    failed = d.get("validity", {}).get("failed", [])
    if failed:
        t = Table(title="constraint violations", title_justify="left")
        for col in ("table", "constraint", "detail", "rows"):
            t.add_column(col)
        for v in failed[:20]:
            t.add_row(escape(v["table"]), v["constraint"], escape(v["detail"]), str(v["count"]))
        console.print(t)
    words = sorted((c for c in d.get("realism", {}).get("columns", []) if c["score"] is not None),
                   key=lambda c: c["score"])[:5]
    if words and words[0]["score"] < 1:
        t = Table(title="least realistic text columns", title_justify="left")
        for col in ("table", "column", "real words", "real ceiling", "word pairs", "score"):
            t.add_column(col)
        for c in words:
            t.add_row(escape(c["table"]), escape(c["column"]), fmt(c["word_realism"]), fmt(c["ceiling"]),
                      fmt(c["pair_realism"]), fmt(c["score"]))
        console.print(t)
    cols = sorted(d.get("column_shapes", {}).get("columns", []), key=lambda c: c["score"])[:5]
    if cols and cols[0]["score"] < 1:
        t = Table(title="worst column shapes", title_justify="left")
        for col in ("table", "column", "metric", "score"):
            t.add_column(col)
        for c in cols:
            t.add_row(escape(c["table"]), escape(c["column"]), c["metric"], fmt(c["score"]))
        console.print(t)


def _print_queries(console: Console, w: dict | None) -> None:
    """The diagnosis of the queries that miss: the user's (``--queries``), else the worst automatic ones."""
    if not w:
        return
    results = [r for r in w["results"] if r["error"] is not None and r["error"] >= OK_BELOW]
    user = [r for r in results if r["origin"] == "file"]
    picked = user if any(r["origin"] == "file" for r in w["results"]) else \
        sorted(results, key=lambda r: -r["error"])[:CONSOLE_QUERIES]
    if not picked:
        return
    t = Table(title=f"queries with error ≥ {OK_BELOW:g}: why, and what they read", title_justify="left")
    for col in ("query", "error", "reason", "detail", "points at (score)", "real", "synthetic"):
        t.add_column(col)
    for r in picked:
        t.add_row(escape(r["name"]), fmt(r["error"]), r["reason"], escape(query_detail(r)), escape(points_at(r)),
                  escape(_rows(r["real_head"])), escape(_rows(r["synth_head"])))
    console.print(t)


def query_detail(r: dict) -> str:
    """Groups found and missing, or the error message, in a few words."""
    if r["message"]:
        return r["message"]
    if r["groups"]:
        real, synth = r["groups"]
        missing = f", {r['missing_groups']:.0%} of real missing" if r["missing_groups"] else ""
        extra = f", {r['extra_groups']:.0%} of synthetic extra" if r["extra_groups"] else ""
        return f"groups {real} real / {synth} synthetic{missing}{extra}"
    return f"relative error {fmt(r['raw_error'])}" if r["raw_error"] is not None else ""


def points_at(r: dict) -> str:
    t = r["touched"]
    if t is None:
        return ""
    if t["note"]:
        return t["note"]
    return f"{t['points_at']} ({fmt(t['scores'][t['points_at']])})" if t["points_at"] else "no scored column or join"


def _rows(rows) -> str:
    return "\n".join(", ".join(fmt(v) for v in row)[:48] for row in rows[:CONSOLE_ROWS]) or "(none)"
