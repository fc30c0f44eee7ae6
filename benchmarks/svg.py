"""A log-log line chart as a standalone SVG string (no plotting library needed).

>>> svg = loglog({"a": [(1, 1), (10, 10)]}, "rows", "seconds", "t")
>>> svg.startswith("<svg") and "</svg>" in svg
True
"""

from __future__ import annotations

import math
from html import escape

W, H, LEFT, RIGHT, TOP, BOTTOM = 660, 340, 70, 220, 30, 50
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _decades(lo: float, hi: float) -> list[int]:
    return list(range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1))


def loglog(series: dict[str, list[tuple[float, float]]], xlabel: str, ylabel: str, title: str) -> str:
    points = [p for pts in series.values() for p in pts if p[0] > 0 and p[1] > 0]
    xs, ys = _decades(min(p[0] for p in points), max(p[0] for p in points)), \
        _decades(min(p[1] for p in points), max(p[1] for p in points))
    if len(xs) < 2:
        xs.append(xs[0] + 1)
    if len(ys) < 2:
        ys.append(ys[0] + 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - xs[0]) / (xs[-1] - xs[0]) * pw

    def py(y: float) -> float:
        return TOP + ph - (math.log10(y) - ys[0]) / (ys[-1] - ys[0]) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{W / 2 - RIGHT / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>']
    for d in xs:
        x = px(10 ** d)
        out += [f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>',
                f'<text x="{x:.1f}" y="{TOP + ph + 15}" text-anchor="middle">1e{d}</text>']
    for d in ys:
        y = py(10 ** d)
        out += [f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>',
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">1e{d}</text>']
    out += [f'<text x="{LEFT + pw / 2}" y="{H - 10}" text-anchor="middle">{escape(xlabel)}</text>',
            f'<text x="16" y="{TOP + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {TOP + ph / 2})">'
            f'{escape(ylabel)}</text>']
    for i, (label, pts) in enumerate(series.items()):
        pts = sorted(p for p in pts if p[0] > 0 and p[1] > 0)
        colour = COLOURS[i % len(COLOURS)]
        if len(pts) > 1:
            path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>' for x, y in pts]
        ly = TOP + 14 + 18 * i
        out += [f'<line x1="{W - RIGHT + 12}" y1="{ly - 4}" x2="{W - RIGHT + 32}" y2="{ly - 4}" stroke="{colour}" '
                f'stroke-width="2"/>', f'<text x="{W - RIGHT + 36}" y="{ly}">{escape(label)}</text>']
    out.append("</svg>")
    return "\n".join(out) + "\n"


def slope(pts: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log y on log x: 1 is linear cost, 2 quadratic."""
    pts = [(math.log10(x), math.log10(y)) for x, y in pts if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx, my = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None
