"""The level-over-time chart, drawn server-side as inline SVG (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
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
        # The page is shown only when something is recorded: say what is missing, not "no history".
        return (
            '<p class="muted" id="no-level">No State Department level recorded for this destination yet.</p>'
        )
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
    parts += _steps(series, x, y, end, "Level")
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


def _steps(
    series: list[tuple[datetime, int]],
    x: Callable[[datetime], float],
    y: Callable[[int], float],
    end: datetime,
    label: str,
) -> list[str]:
    """A level series as coloured bars joined by a step line, each bar titled with its start."""
    parts, points = [], []
    for i, (when, level) in enumerate(series):
        following = series[i + 1][0] if i + 1 < len(series) else end
        points.append(f"{x(when):.1f},{y(level):.1f} {x(following):.1f},{y(level):.1f}")
        parts.append(
            f'<rect x="{x(when):.1f}" y="{y(level) - 3:.1f}" width="{max(x(following) - x(when), 1):.1f}" '
            f'height="6" fill="{LEVEL_COLOURS.get(level, "#999")}"><title>{escape(label)} {level} from '
            f"{escape(when.date().isoformat())}</title></rect>"
        )
    if points:
        parts.append(f'<polyline fill="none" stroke="#333" stroke-width="1" points="{" ".join(points)}"/>')
    return parts


def aligned_steps(
    rows: list[tuple[str, list[tuple[datetime, int]]]],
    *,
    now: datetime,
    width: int = 900,
    row_height: int = 46,
) -> str:
    """One step chart per government on one time axis: each row's tier (1-4) over time, so that
    who moved first, and who followed, reads straight down the page."""
    dated = [when for _, series in rows for when, _ in series]
    if not dated:
        return '<p class="muted">No government has advice recorded for this destination yet.</p>'
    start, end = min(dated), max(now, max(dated) + timedelta(days=1))
    span = max((end - start).total_seconds(), 1.0)
    left, right = 70, width - 10
    height = row_height * len(rows) + 30

    def x(when: datetime) -> float:
        return left + (right - left) * (when - start).total_seconds() / span

    parts = [
        f'<svg class="steps" role="img" aria-label="Tiers over time, one row per government" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, series) in enumerate(rows):
        top = index * row_height + 4
        bottom = top + row_height - 12
        middle = (top + bottom) / 2 + 4

        def y(tier: int, top: int = top, bottom: int = bottom) -> float:
            return bottom - (bottom - top) * (tier - 1) / 3

        parts.append(
            f'<text x="4" y="{middle:.1f}" font-size="12" font-weight="600">{escape(label)}</text>'
            f'<line x1="{left}" x2="{right}" y1="{bottom + 4}" y2="{bottom + 4}" stroke="#ddd"/>'
        )
        parts += _steps(series, x, y, end, f"{label}: tier") or [
            f'<text x="{left}" y="{middle:.1f}" font-size="11" fill="#777">no advice recorded</text>'
        ]
    start_label, end_label = escape(start.date().isoformat()), escape(end.date().isoformat())
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="11">{start_label}</text>'
        f'<text x="{right - 70}" y="{height - 8}" font-size="11">{end_label}</text></svg>'
    )
    return "".join(parts)
