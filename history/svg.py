"""The level-over-time chart, drawn server-side as inline SVG (no JavaScript)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

LEVEL_COLOURS = {1: "#2e7d32", 2: "#f9a825", 3: "#ef6c00", 4: "#c62828"}


def level_chart(
    series: list[tuple[datetime, int]],
    marks: dict[str, list[datetime]],
    *,
    now: datetime,
    width: int = 760,
    height: int = 180,
) -> str:
    if not series:
        return '<p class="muted">No advisory history yet.</p>'
    start = min([series[0][0], *(m for ms in marks.values() for m in ms)])
    end = max(now, series[-1][0] + timedelta(days=1))
    span = max((end - start).total_seconds(), 1.0)
    left, right, top, bottom = 40, width - 10, 10, height - 30

    def x(when: datetime) -> float:
        return left + (right - left) * (when - start).total_seconds() / span

    def y(level: int) -> float:
        return bottom - (bottom - top) * (level - 1) / 3

    parts = [
        f'<svg class="chart" role="img" aria-label="Travel advisory level over time" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for level in range(1, 5):
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#ddd"/>'
            f'<text x="4" y="{y(level) + 4:.1f}" font-size="11">L{level}</text>'
        )
    points = []
    for i, (when, level) in enumerate(series):
        following = series[i + 1][0] if i + 1 < len(series) else end
        points.append(f"{x(when):.1f},{y(level):.1f} {x(following):.1f},{y(level):.1f}")
        parts.append(
            f'<rect x="{x(when):.1f}" y="{y(level) - 3:.1f}" width="{max(x(following) - x(when), 1):.1f}" '
            f'height="6" fill="{LEVEL_COLOURS.get(level, "#999")}"><title>Level {level} from '
            f"{escape(when.date().isoformat())}</title></rect>"
        )
    parts.append(f'<polyline fill="none" stroke="#333" stroke-width="1" points="{" ".join(points)}"/>')
    for label, colour in (("OSAC", "#1565c0"), ("OC Index", "#6a1b9a")):
        for when in marks.get(label, []):
            parts.append(
                f'<line x1="{x(when):.1f}" x2="{x(when):.1f}" y1="{top}" y2="{bottom}" stroke="{colour}" '
                f'stroke-dasharray="3,3"><title>{label} edition '
                f"{escape(when.date().isoformat())}</title></line>"
            )
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="11">{escape(start.date().isoformat())}</text>'
        f'<text x="{right - 70}" y="{height - 8}" font-size="11">{escape(end.date().isoformat())}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
