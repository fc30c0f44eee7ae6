"""Render the results store into the generated section of ``docs/benchmarks.md`` (plus SVG plots).

Only the text between the two markers below is rewritten, so colleagues' sections of the file
stay as they are. Numbers are printed as stored; a missing measurement is shown with its
reason, never filled in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.datasets import SHARED_NAMES, TPCH_SCALES
from benchmarks.svg import loglog, slope

BEGIN = "<!-- benchmarks.run: generated section, begin -->"
END = "<!-- benchmarks.run: generated section, end -->"
ORDER = ("amalgam", "amalgam_eps1", "sdv_hma", "sdv_hma_1.37", "independent", "floor")
COMMAND = "python -m benchmarks.run --repeats 3"


def fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def secs(v) -> str:
    return "–" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}")


def ratio(rec: dict, ref: dict | None, key: str = "total_s") -> str:
    """``rec``'s median over ``ref``'s; marked * when not measured the same day on the same machine."""
    if rec.get("status") != "ok" or not ref or ref.get("status") != "ok" or not rec.get("median") or not ref.get("median"):
        return "–"
    a, b = rec["median"].get(key), ref["median"].get(key)
    if not a or not b:
        return "–"
    same = rec["run_id"][:10] == ref["run_id"][:10] and rec.get("machine", {}).get("cpu") == ref.get("machine", {}).get("cpu")
    x = a / b
    text = f"{x:,.0f}" if x >= 10 else f"{x:.2g}"
    return f"{text}×" + ("" if same else "*")


def methods_of(data: dict) -> list[tuple[str, dict]]:
    recs = data["methods"]
    return [(m, recs[m]) for m in ORDER if m in recs]


def own_errors(rec: dict) -> dict | None:
    """Per-query errors of the dataset's own workload (TPC-H's 22, an analyst's queries), if scored."""
    return (rec.get("quality") or {}).get("query_errors")


def query_stats(errors: dict) -> tuple[float | None, float | None, int, int]:
    """Median, 90th percentile, count at 1.0 and count of the scored queries (skipped ones are None)."""
    vals = [e for e in errors.values() if e is not None]
    if not vals:
        return None, None, 0, 0
    return float(np.median(vals)), float(np.percentile(vals, 90)), sum(e >= 1.0 for e in vals), len(vals)


def stats_text(errors: dict | None) -> str:
    if not errors:
        return "–"
    median, p90, at_one, n = query_stats(errors)
    return f"{fmt(median)} / {fmt(p90)} / {at_one} of {n}"


def quality_table(data: dict) -> list[str]:
    own = any(own_errors(rec) for _, rec in methods_of(data))
    head = ["method", "overall", "validity (violations)", "shapes", "pairs", "cardinality", "inter-table",
            "detection AUC", "workload median / p90", "exact copies"] + (["own queries: median / p90 / at 1.0"] if own else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, rec in methods_of(data):
        q = rec.get("quality")
        if q and q.get("error"):
            lines.append(f"| {rec['label']} | {q['error'][:200]} |" + " |" * (len(head) - 2))
            continue
        if not q:
            lines.append(f"| {rec['label']} | {status_text(rec)} |" + " |" * (len(head) - 2))
            continue
        row = [rec["label"], fmt(q["overall"]), f"{fmt(q['validity'])} ({q['violations']})", fmt(q["column_shapes"]),
               fmt(q["pair_trends"]), fmt(q["cardinality"]), fmt(q["intertable_trends"]), fmt(q["detection_auc"]),
               f"{fmt(q['workload_median'])} / {fmt(q['workload_p90'])}", fmt(q["exact_copy_rate"])]
        if own:
            row.append(stats_text(own_errors(rec)))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def per_query_table(data: dict) -> list[str]:
    """One row per query of the dataset's own workload, one column per method that scored it."""
    scored = [(name, rec) for name, rec in methods_of(data) if own_errors(rec)]
    if not scored:
        return []
    queries = sorted({q for _, rec in scored for q in own_errors(rec)})
    head = ["query"] + [rec["label"] for _, rec in scored]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for query in queries:
        cells = []
        for _, rec in scored:
            err, note = own_errors(rec).get(query), (rec["quality"].get("query_notes") or {}).get(query)
            text = f"**{fmt(err)}**" if err is not None and err >= 1.0 else fmt(err)  # None: skipped
            cells.append(f"{text} ({note[:60]})".replace("|", "/") if note else text)
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    lines.append("| median / p90 / at 1.0 | " + " | ".join(stats_text(own_errors(rec)) for _, rec in scored) + " |")
    missing = [rec["label"] for _, rec in methods_of(data) if rec.get("quality") and not own_errors(rec)]
    if missing:
        lines += ["", f"Not yet scored on this workload (records older than it): {', '.join(missing)}."]
    return lines


def cost_table(data: dict) -> list[str]:
    recs = data["methods"]
    head = ["method", "status", "runs", "fit s", "sample s", "total s", "peak RSS MB", "rows/s", "× SDV HMA", "× SDV 1.37",
            "× write floor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, rec in methods_of(data):
        med = rec.get("median") or {}
        rps = med.get("rows_per_s")
        stopped = rec["status"] == "timeout"  # a lower bound on time, and the memory it held by then
        total = f"> {rec['timeout_s']:g}" if stopped else secs(med.get("total_s"))
        peak = fmt(rec["runs"][0]["peak_rss_mb"], 0) + " by then" if stopped else fmt(med.get("peak_rss_mb"), 0)
        lines.append("| " + " | ".join([
            rec["label"], status_text(rec), str(med.get("runs", 0)), secs(med.get("fit_s")), secs(med.get("sample_s")),
            total, peak, f"{rps:,.0f}" if rps else "–",
            ratio(rec, recs.get("sdv_hma")), ratio(rec, recs.get("sdv_hma_1.37")), ratio(rec, recs.get("floor"))]) + " |")
    return lines


def status_text(rec: dict) -> str:
    if rec["status"] == "ok":
        constrained = (rec["runs"][0].get("constraints") or "enforced")
        return "ok" if constrained == "enforced" else "ok, real DDL rejected its rows"
    if rec["status"] == "not available":
        return "not available yet (see Methods)"
    return f"**{rec['status']}**: {rec.get('error') or ''}".replace("|", "/").replace("\n", " ")[:220]


def notes(data: dict) -> list[str]:
    out = []
    for name, rec in methods_of(data):
        first = rec["runs"][0] if rec.get("runs") else {}
        if first.get("rejection"):
            out.append(f"- {rec['label']}: the real DDL rejected the rows (`{first['rejection'][:160]}`); they were "
                       "evaluated from a constraint-free copy, and validity counts the violations.")
        if (rec.get("quality") or {}).get("note"):
            out.append(f"- {rec['label']}: {rec['quality']['note']} (overall is then the mean of the other areas).")
        if first.get("dropped_fks"):
            out.append(f"- {rec['label']}: FKs SDV Community cannot take were left out of its metadata: "
                       + "; ".join(first["dropped_fks"]) + ".")
    return out


def stage_profile(data: dict) -> list[str]:
    """Where amalgam-rel's time goes, from its first run (also from a run stopped at the cap)."""
    rec = data["methods"].get("amalgam")
    if not rec or not rec.get("runs"):
        return []
    first = rec["runs"][0]
    stages = sorted(first.get("stage_s", {}).items(), key=lambda kv: -kv[1])[:8]
    if not stages:
        return []
    text = ", ".join(f"{k} {v:.1f}" for k, v in stages)
    line = (f"- amalgam-rel, where the time goes (first run, s): fit {secs(first.get('fit_s'))}, of which "
            f"language-model training {secs(first.get('text_fit_s'))}; per stage: {text}.")
    if first.get("partial"):
        done = ", ".join(f"{k} {v:.0f} s" for k, v in first.get("tables_done", {}).items()) or "none"
        line += (f" Stopped at the {rec['timeout_s']:g} s cap; last event `{first.get('last_event')}`; "
                 f"tables sampled by then (s since sampling began): {done}.")
    return [line]


def scaling(store: dict, docs: Path) -> list[str]:
    rows = {n: store[n] for n in TPCH_SCALES if n in store}
    series_t, series_m = {}, {}
    for method in ORDER:
        pts_t, pts_m = [], []
        for data in rows.values():
            rec = data["methods"].get(method)
            if rec and rec["status"] == "ok" and rec.get("median"):
                pts_t.append((data["rows"], rec["median"]["total_s"]))
                pts_m.append((data["rows"], rec["median"]["peak_rss_mb"]))
        if pts_t:
            label = next(d["methods"][method]["label"] for d in rows.values() if method in d["methods"])
            series_t[label], series_m[label] = pts_t, pts_m
    if not series_t:
        return ["No TPC-H scale has been measured yet."]
    img = docs.parent / "img"
    img.mkdir(exist_ok=True)
    (img / "benchmarks-scaling-time.svg").write_text(loglog(series_t, "rows (TPC-H sf 0.01 / 0.1 / 1)", "seconds (fit + sample)", "Time against rows"))
    (img / "benchmarks-scaling-memory.svg").write_text(loglog(series_m, "rows (TPC-H sf 0.01 / 0.1 / 1)", "peak RSS, MB", "Memory against rows"))
    lines = ["![time against rows, log-log](img/benchmarks-scaling-time.svg)",
             "![peak memory against rows, log-log](img/benchmarks-scaling-memory.svg)", "",
             "| method | points (rows: total s, MB) | time slope | memory slope |", "|---|---|---|---|"]
    for label, pts in series_t.items():
        mem = dict(series_m[label])
        text = "; ".join(f"{int(x):,}: {secs(y)} s, {mem[x]:.0f} MB" for x, y in sorted(pts))
        lines.append(f"| {label} | {text} | {fmt(slope(pts), 2)} | {fmt(slope(series_m[label]), 2)} |")
    for method in ORDER:  # runs stopped at the cap give a lower bound, not a point
        stopped = [(d["rows"], d["methods"][method]) for d in rows.values()
                   if method in d["methods"] and d["methods"][method]["status"] == "timeout"]
        if stopped:
            text = "; ".join(f"{int(n):,}: > {r['timeout_s']:g} s (stopped at the cap), {r['runs'][0]['peak_rss_mb']:.0f} MB by then"
                             for n, r in stopped)
            lines.append(f"| {stopped[0][1]['label']} (not finished) | {text} | – | – |")
    lines += ["", *sf1_target(store), "", "The slope is the least-squares exponent of log(cost) on log(rows): 1 means cost grows linearly "
              "with rows, below 1 that fixed costs (start-up, model training) still dominate."]
    return lines


def sf1_target(store: dict) -> list[str]:
    """The issue's target for TPC-H sf 1 on 2 cores: at most 5 minutes and 6 GB."""
    rec = store.get("tpch_sf1", {}).get("methods", {}).get("amalgam")
    if not rec:
        return ["**TPC-H sf 1 target (≤ 5 min, ≤ 6 GB):** amalgam-rel has not been run at sf 1 yet."]
    run = rec["runs"][0]
    if rec["status"] == "ok":
        t, mb = rec["median"]["total_s"], rec["median"]["peak_rss_mb"]
        verdict = "met" if t <= 300 and mb <= 6144 else f"missed ({t / 300:.1f}× the time, {mb / 6144:.2f}× the memory)"
        return [f"**TPC-H sf 1 target (≤ 5 min, ≤ 6 GB):** {secs(t)} s, {mb:.0f} MB peak: {verdict}."]
    return [f"**TPC-H sf 1 target (≤ 5 min, ≤ 6 GB):** missed: amalgam-rel did not finish ({rec['status']}: "
            f"{rec.get('error')}); after {run['wall_s']:.0f} s its peak memory was {run['peak_rss_mb']:.0f} MB. "
            "Where the time went is in the tpch_sf1 section above."]


def machine_text(store: dict) -> str:
    recs = [r for d in store.values() for r in d["methods"].values() if r.get("machine")]
    if not recs:
        return ""
    m = max(recs, key=lambda r: r["run_id"])["machine"]
    loads = [r["machine"]["load_avg"][0] for r in recs]
    versions = sorted({r["runs"][0]["sdv_version"] for r in recs if r.get("runs") and r["runs"][0].get("sdv_version")})
    sdv = f" SDV versions measured: {', '.join(versions)}." if versions else ""
    return (f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB RAM, Python {m['python']}, no GPU.{sdv} The machine was "
            f"shared with other developers during the runs: the 1-minute load average seen when records were written "
            f"ranged {min(loads):.1f}–{max(loads):.1f} on {m['cores']} cores, so wall times are noisy (up to ~2–3× "
            f"slower than on an idle machine).")


def render(store: dict, docs: Path) -> str:
    out = [BEGIN, "## Side by side: amalgam-rel, SDV HMA and baselines (`benchmarks/run.py`, issue 7)", "",
           "Reproduce (after `benchmarks/setup_sdv.sh`, which creates the two SDV environments):", "",
           f"    {COMMAND}", "",
           "Partial runs merge into `benchmarks/results/*.json`, e.g. "
           "`python -m benchmarks.run --datasets world tpch_sf0.01 --methods amalgam floor --repeats 3`; "
           "`--report-only` re-renders this section from the store.", "",
           f"**Machine.** {machine_text(store)}", "",
           "**Methods.** *amalgam-rel*: `DatabaseModel` defaults (what `amalgam-rel synth` runs). *amalgam-rel ε=1*: "
           "`amalgam-rel synth --epsilon 1 --epsilon-text words`: (1, 1e-9)-differential privacy per privacy unit "
           "(chosen from the schema: a customer and every row reaching it; docs/privacy.md: children per parent "
           "capped at 8, rho split over the private tables' models, tables outside the unit's reach kept verbatim); "
           "free text from words and lengths released under the budget (until dp27g: schema placeholders). "
           "*SDV HMA*: `HMASynthesizer`, "
           "current release, in its own venv, with metadata built from our schema (strings categorical so no Faker "
           "PII values, keys as `id`); it refuses more than 5 tables or depth above 2. *SDV HMA 1.37*: the last "
           "release without that refusal, under a time cap. *independent columns*: every column drawn from its own "
           "marginal, independently of the others (no dependence within or across tables), keys kept valid and row counts real. *write floor*: the real rows copied "
           "through our writer, i.e. the time any method needs to write the same rows with the same DDL. Every "
           "output is written through amalgam-rel's writer with the real DDL; rows the DDL rejects are not repaired "
           "but evaluated from a constraint-free copy, and validity counts the violations.", "",
           "**Measures.** Each run is a fresh process: fit and sample seconds as the method reports them (SDV's "
           "sample time includes writing its output through our writer), peak resident memory of that process "
           "(its `VmHWM`; SDV's write-back happens in the runner and is not in its peak), rows/s = rows written / "
           "(fit + sample). Times are medians of the successful runs (column *runs*). Quality is every "
           "`amalgam-rel evaluate` metric on the first run's output (seed 0). Ratios divide total seconds (fit + "
           "sample) by the reference's; * marks a ratio between records not measured the same day on the same machine. "
           "*Own queries*: TPC-H's 22 queries, and for each development database an analyst's workload "
           "(`benchmarks/workloads/NAME/*.sql`, the question in each file's header), scored query by query as "
           "`evaluate --queries` does (groups matched on their non-aggregate columns; an empty answer where the "
           "real one is not counts 1.0); the dataset's table gives median / 90th percentile / queries at 1.0 "
           "of the scored ones.", ""]
    known = SHARED_NAMES + tuple(TPCH_SCALES)
    names = [n for n in known if n in store] + sorted(n for n in store if n not in known)
    missing = [n for n in SHARED_NAMES + tuple(TPCH_SCALES) if n not in store]
    for name in names:
        data = store[name]
        out += [f"### {name} ({data['tables']} tables, {data['rows']:,} rows, {data['foreign_keys']} FKs)", "",
                *quality_table(data), "", *cost_table(data), ""]
        per_query = per_query_table(data)
        if per_query:
            out += [f"Own queries of {name}, error per query (0 = the real answer, **1.0** = entirely wrong):", "",
                    *per_query, ""]
        extra = notes(data) + stage_profile(data)
        out += (extra + [""]) if extra else []
    out += ["### Scaling: TPC-H sf 0.01 → 0.1 → 1", "", *scaling(store, docs), ""]
    gaps = [f"{n}: " + ", ".join(m for m in ORDER if m not in store[n]["methods"]) for n in names
            if any(m not in store[n]["methods"] for m in ORDER)]
    unscored = [f"{n} ({', '.join(m for m, r in methods_of(store[n]) if r['status'] == 'ok' and not r.get('quality'))})"
                for n in names if any(r["status"] == "ok" and not r.get("quality") for _, r in methods_of(store[n]))]
    if missing or gaps or unscored:
        out += ["### Not run", ""]
        out += ["- Datasets with no record: " + ", ".join(missing) + "."] if missing else []
        out += ["- Methods with no record: " + "; ".join(gaps) + "."] if gaps else []
        out += ["- Timed but not scored (`--no-evaluate`): " + "; ".join(unscored) + "."] if unscored else []
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def write_report(store: dict, docs: Path) -> None:
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    section = render(store, docs)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    docs.write_text(text)
