"""One self-contained HTML report: inline SVG charts, no scripts, no network.

Sections: area scores; realism per text column; how generated identity columns were scored; a
few real and synthetic rows of each table; per table, real vs synthetic binned distributions;
children-per-parent histograms; the worst column pairs (and the pairs left out); query errors
(and empty answers, those filtering a generated identity apart) with each query's diagnosis;
privacy figures.

>>> "<svg" in bars([("a", 0.5)], 1.0)
True
"""

from __future__ import annotations

import html
from pathlib import Path

from amalgam_rel.errors import OutputError
from amalgam_rel.evaluation.console import fmt, points_at, query_detail
from amalgam_rel.evaluation.reasons import OK_BELOW
from amalgam_rel.outputs import write_atomically

REAL, SYNTH = "#4062bb", "#f28c28"
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;font-size:.9em;text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:12px}.fig{border:1px solid #eee;padding:4px}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
details{margin:.3em 0}summary{cursor:pointer}
"""


def e(x) -> str:
    return html.escape(str(x))


def bars(items: list[tuple[str, float]], top: float = 1.0, width: int = 520) -> str:
    """Horizontal bars, one per (label, value) with value in [0, top]."""
    h = 18 * len(items) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}">']
    for i, (label, v) in enumerate(items):
        w = 0 if v is None else max(0.0, min(1.0, v / top)) * (width - 260)
        y = 5 + 18 * i
        out.append(f'<text x="0" y="{y + 12}" font-size="11">{e(label[:38])}</text>')
        out.append(f'<rect x="240" y="{y}" width="{w:.1f}" height="13" fill="{REAL}"/>')
        out.append(f'<text x="{244 + w:.1f}" y="{y + 11}" font-size="10">{e(fmt(v))}</text>')
    return "".join(out) + "</svg>"


def paired_histogram(title: str, real: list[float], synth: list[float], labels: list[str] | None = None) -> str:
    """Real and synthetic shares per bin, side by side."""
    tr, ts = sum(real) or 1, sum(synth) or 1
    pr, ps = [x / tr for x in real], [x / ts for x in synth]
    n = max(len(pr), 1)
    width, height, top = 260, 130, max(pr + ps + [1e-9])
    bw = (width - 20) / n
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}">',
           f'<text x="2" y="12" font-size="11">{e(title[:45])}</text>']
    for i, (a, b) in enumerate(zip(pr, ps)):
        x = 10 + i * bw
        for j, (v, color) in enumerate(((a, REAL), (b, SYNTH))):
            hgt = v / top * (height - 20)
            out.append(f'<rect x="{x + j * bw / 2:.1f}" y="{height - hgt:.1f}" width="{max(bw / 2 - 0.5, 0.5):.1f}" '
                       f'height="{hgt:.1f}" fill="{color}"><title>{e(labels[i] if labels else i)}: {v:.3f}</title></rect>')
    out.append(f'<line x1="10" y1="{height}" x2="{width - 10}" y2="{height}" stroke="#888"/>')
    if labels:
        out.append(f'<text x="10" y="{height + 14}" font-size="9">{e(labels[0][:20])}</text>')
        out.append(f'<text x="{width - 10}" y="{height + 14}" font-size="9" text-anchor="end">{e(labels[-1][:20])}</text>')
    return "".join(out) + "</svg>"


def _bin_labels(binning) -> list[str]:
    if binning.labels:
        return ["NULL", *binning.labels, "other"]
    edges = [f"{x:g}" for x in binning.edges]
    return ["NULL", *(f"< {x}" for x in edges), f"≥ {edges[-1]}" if edges else "all"]


def _table(rows: list[list], head: list[str]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{e(fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    return "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>" + body + "</table>"


def _realism(r: dict) -> list[str]:
    cols = [[c["table"], c["column"], c["status"], c["word_realism"], c["ceiling"], c["score"], c["pair_realism"],
             c["pair_ceiling"]] for c in r["columns"]]
    deps = [[x["table"], f"{x['a']} → {x['b']}" if x["kind"] == "functional" else f"{x['a']} contains {x['b']}",
             x["real"], x["synth"], x["score"]] for x in r["dependencies"]]
    return ["<h2>Realism (real words, word pairs, within-row consistency)</h2>",
            f"<p>score {fmt(r['score'])}: real words {fmt(r['word_realism'])} (real values {fmt(r['ceiling'])}), "
            f"word pairs {fmt(r['pair_realism'])} (real {fmt(r['pair_ceiling'])}), consistency {fmt(r['consistency'])}</p>",
            _table(cols, ["table", "column", "status", "real words", "real ceiling", "score", "word pairs", "real pairs"]),
            _table(deps, ["table", "dependency", "real", "synthetic", "score"]) if deps else "",
            _table([[s["table"], s["column"], s["reason"]] for s in r["skipped"]], ["table", "skipped column", "why"])
            if r["skipped"] else ""]


def _identity(shapes: dict) -> list[str]:
    """How the generated identity columns were scored, with each one's parts."""
    rows = [[c["table"], c["column"], c["semantic"], c["parts"]["lengths"], c["parts"]["pattern"], c["parts"]["shape"],
             c["parts"]["distinct"], c["missing"], c["score"]] for c in shapes["columns"] if c["role"] == "identity"]
    if not rows:
        return []
    return ["<h2>Generated identity columns</h2>", f"<p>{e(shapes['identity']['how'])}.</p>",
            _table(rows, ["table", "column", "type", "lengths", "pattern", "shape", "distinct share", "NULL share", "score"])]


def _rows(sample: dict) -> list[str]:
    """A few real and synthetic rows of each table side by side, every value escaped."""
    out = ["<h2>Rows side by side (real | synthetic)</h2>"]
    for t in sample["tables"]:
        out += [f"<h3>{e(t['table'])}</h3>", '<div class="grid">',
                *(f'<div class="fig">{e(side)}{_table([list(r) for r in t[key]], t["columns"])}</div>'
                  for side, key in (("real", "real"), ("synthetic", "synth"))), "</div>"]
    return out


AUTO_DIAGNOSED = 50  # automatic queries with a diagnosis in the report (the worst ones)


def _diagnosis(w: dict) -> list[str]:
    """Per query, collapsed: reason, answers side by side, what it reads and how faithful that is.

    Every query of ``--queries``, and the worst automatic ones of error at least ``OK_BELOW``.
    """
    counted = [r for r in w["results"] if r["error"] is not None]
    auto = sorted((r for r in counted if r["origin"] != "file" and r["error"] >= OK_BELOW), key=lambda r: -r["error"])
    picked = [r for r in w["results"] if r["origin"] == "file"] + auto[:AUTO_DIAGNOSED]
    if not picked:
        return []
    out = ["<h3>Why queries miss</h3>",
           _table([[k, n] for k, n in w["reasons"].items()], ["reason", "queries"]),
           f"<p>Each query below opens to its answers side by side (first rows), the columns and joins it reads with "
           f"their fidelity scores, and the weakest of them. Listed: every query of --queries, and the "
           f"{AUTO_DIAGNOSED} worst automatic ones of error ≥ {OK_BELOW:g}.</p>"]
    for r in picked:
        summary = f"{r['name']}: error {fmt(r['error'])}, {r['reason']}; points at {points_at(r) or '-'}"
        heads = [f'<div class="fig">{side}{_table([list(x) for x in r[key]], list(r["columns"]))}</div>'
                 for side, key in (("real", "real_head"), ("synthetic", "synth_head"))]
        out += [f"<details><summary>{e(summary)}</summary><p>{e(query_detail(r))}</p>",
                '<div class="grid">', *heads, "</div>", *_reads(r["touched"]), "</details>"]
    return out


def _reads(t: dict | None) -> list[str]:
    if not t:
        return []
    if t["note"]:
        return [f"<p>{e(t['note'])}</p>"]
    rows = [[c, "column (shown only)" if c in t["shown"] else "column", t["scores"].get(c)] for c in t["columns"]]
    rows += [[j, "join", t["scores"].get(j)] for j in t["joins"]]
    return [f"<p>reads {e(', '.join(t['tables']))}</p>", _table(rows, ["what", "kind", "fidelity"])]


def _header(d: dict) -> list[str]:
    return [f"<h1>amalgam-rel evaluation: {e(d['synth'])} vs {e(d['real'])}</h1>",
            f'<p class="key">overall score <b>{fmt(d["overall"]["score"])}</b>'
            f'<span style="background:{REAL}"></span>real<span style="background:{SYNTH}"></span>synthetic</p>',
            "<h2>Scores by area</h2>", bars(list(d["overall"]["areas"].items()))]


def _validity(d: dict) -> list[str]:
    failed = d["validity"]["failed"]
    return ["<h2>Validity</h2>", f"<p>{d['validity']['violations']} violations in {d['validity']['checks']} checks</p>",
            _table([[v["table"], v["constraint"], v["detail"], v["count"]] for v in failed],
                   ["table", "constraint", "detail", "rows"]) if failed else ""]


def _distributions(ev) -> list[str]:
    parts = ["<h2>Distributions per table (real vs synthetic, binned)</h2>"]
    by_table: dict[str, list[str]] = {}
    for c in ev.results["amalgam_chi2_p"].columns:
        labels = _bin_labels(ev.profile[c.table].bins[c.column])
        fig = paired_histogram(f"{c.column} (p={c.p:.2f}, strict {c.strict_p:.2f})", list(c.counts[0]), list(c.counts[1]), labels)
        by_table.setdefault(c.table, []).append(f'<div class="fig">{fig}</div>')
    for table, figs in by_table.items():
        parts += [f"<h3>{e(table)}</h3>", '<div class="grid">', *figs, "</div>"]
    return parts


def _children(ev) -> list[str]:
    parts = ["<h2>Children per parent</h2><div class='grid'>"]
    card = ev.results["cardinality"]
    for c in card.fks:
        values, hr, hs = card.histograms[c.fk]
        labels = [f"{int(v)} children" for v in values]
        parts.append(f'<div class="fig">{paired_histogram(f"{c.fk} ({c.score:.2f})", list(hr[:40]), list(hs[:40]), labels[:40])}</div>')
    return parts + ["</div>"]


def _worst_pairs(ev, d: dict) -> list[str]:
    worst = ev.results["pair_trends"].worst(15)
    left_out = d["pair_trends"]["left_out"]
    return ["<h2>Worst column pairs</h2>",
            _table([[p.table, p.a, p.b, p.metric, p.score] for p in worst], ["table", "a", "b", "metric", "score"]),
            f"<p>{left_out['count']} {e(left_out['reason'])}.</p>" if left_out["count"] else ""]


def _worst_intertable(ev, d: dict) -> list[str]:
    pairs = sorted(ev.results["intertable_trends"].pairs, key=lambda p: p.score)[:15]
    left_out = d["intertable_trends"]["left_out"]
    return ["<h2>Worst inter-table pairs</h2>",
            _table([[p.path, p.ancestor_column, p.child_column, p.score] for p in pairs], ["path", "ancestor", "child", "score"]),
            f"<p>{left_out['count']} {e(left_out['reason'])}.</p>" if left_out["count"] else ""]


def _workload(w: dict) -> list[str]:
    worst = sorted((r for r in w["results"] if r["error"] is not None), key=lambda r: -r["error"])[:30]
    return ["<h2>Query errors</h2>",
            f"<p>{w['queries']} queries, median {fmt(w['median_rel_error'])}, p90 {fmt(w['p90_rel_error'])}, {w['failed']} failed, "
            f"<b>{w['empty_answers']} empty answers</b> (nothing found where the real database finds rows): "
            f"{w['empty_on_identity']} filter a generated identity column (empty by design: the synthesizer "
            f"never writes real identities), <b>{w['empty_other']} other</b></p>",
            bars([(r["name"], r["error"]) for r in worst]),
            _table([[r["name"], r["identity"] or "-"] for r in w["results"] if r["empty"]],
                   ["queries with an empty synthetic answer", "filtered generated identity column"]),
            *_diagnosis(w)]


def _privacy(p: dict) -> list[str]:
    return ["<h2>Privacy</h2>", f"<p>exact-copy rate {fmt(p['exact_copy_rate'])}; DCR share {fmt(p['dcr_share'])}; "
            f"verbatim text {fmt(p['verbatim_text_rate'])}" + ("" if p["holdout"] else f"; {e(p['note'])}") + "</p>",
            bars([(t["table"], t["exact_copies"] / t["synth_rows"] if t["synth_rows"] else 0.0) for t in p["tables"]]),
            _table([[t["table"], t["exact_copies"], t["synth_rows"], t["dcr_median"], t["dcr_share"]] for t in p["tables"]],
                   ["table", "exact copies", "synthetic rows", "median DCR", "DCR share"])]


def render(ev) -> str:
    """The whole report: one section per area the evaluation computed, in reading order."""
    d = ev.to_dict()
    parts = _header(d)
    parts += _validity(d) if "validity" in d else []
    parts += _realism(d["realism"]) if "realism" in d else []
    parts += _identity(d["column_shapes"]) if "column_shapes" in d else []
    parts += _rows(d["sample_rows"]) if "sample_rows" in d else []
    parts += _distributions(ev) if "amalgam_chi2_p" in ev.results else []
    parts += _children(ev) if "cardinality" in ev.results else []
    parts += _worst_pairs(ev, d) if "pair_trends" in ev.results else []
    parts += _worst_intertable(ev, d) if "intertable_trends" in d else []
    if "detection" in d:
        parts += ["<h2>Detection (ROC AUC per table, 0.5 = indistinguishable)</h2>",
                  bars([(t["table"], t["auc"]) for t in d["detection"]["tables"]])]
    parts += _workload(d["workload"]) if "workload" in d else []
    parts += _privacy(d["privacy"]) if "privacy" in d else []
    return f"<!doctype html><html><head><meta charset='utf-8'><title>amalgam-rel evaluation</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"


def write_report(ev, path: str | Path) -> None:
    """Written atomically (see :mod:`amalgam_rel.outputs`); the caller checked ``path`` first."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a directory, not a report file")
    write_atomically(path, render(ev), what="the report")
