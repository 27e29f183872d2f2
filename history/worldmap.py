"""A world choropleth drawn on the server as SVG: Natural Earth outlines, one path per country.

The outlines (``history/data/countries-110m.json``, TopoJSON) are decoded once per process: arcs
delta-decoded with the file's transform, rings joined from arcs (a negative index is an arc
reversed), projected with Equal Earth (area-true, so large countries do not dominate the picture).
Each path links to the destination's comparison page and carries a tooltip.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from html import escape
from pathlib import Path

import pycountry

DATA = Path(__file__).with_name("data") / "countries-110m.json"
WIDTH, HEIGHT = 960, 470
TIER_COLOURS = {1: "#2e7d32", 2: "#f9a825", 3: "#ef6c00", 4: "#c62828"}
NO_DATA = "#e0e0e0"
# Outlines without an ISO numeric code in the data, and the key they are shown under.
_UNNUMBERED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}

# Equal Earth (Šavrič, Patterson, Jenny 2018).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def _equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX, _ = _equal_earth(180, 0)
_, _Y_MAX = _equal_earth(0, 90)
_SCALE = min(WIDTH / (2 * _X_MAX), HEIGHT / (2 * _Y_MAX)) * 0.98


def _screen(lon: float, lat: float) -> tuple[float, float]:
    x, y = _equal_earth(lon, lat)
    return WIDTH / 2 + x * _SCALE, HEIGHT / 2 - y * _SCALE


def _alpha2(geometry: dict) -> str | None:
    name = (geometry.get("properties") or {}).get("name", "")
    if name in _UNNUMBERED:
        return _UNNUMBERED[name]
    numeric = geometry.get("id")
    country = pycountry.countries.get(numeric=str(numeric).zfill(3)) if numeric else None
    return country.alpha_2 if country else None


@lru_cache(maxsize=1)
def outlines() -> tuple[tuple[str, str, str], ...]:
    """(ISO alpha-2, name, SVG path data) for every country outline."""
    topo = json.loads(DATA.read_text())
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(_screen(x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> str:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        # A ring that crosses the antimeridian (Fiji, Chukotka) jumps across the map: each side is
        # drawn as a shape of its own instead of a stripe through the world.
        pieces: list[list[tuple[float, float]]] = [[]]
        for point in points:
            if pieces[-1] and abs(point[0] - pieces[-1][-1][0]) > WIDTH / 2:
                pieces.append([])
            pieces[-1].append(point)
        return "".join(
            "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in piece) + "Z" for piece in pieces if len(piece) > 2
        )

    found = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        key = _alpha2(geometry)
        if key is None or key == "AQ":
            continue  # Antarctica: a band across the bottom of an Equal Earth map, and no one's tier
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        path = "".join(ring(r) for polygon in polygons for r in polygon)
        found.append((key, geometry.get("properties", {}).get("name", key), path))
    return tuple(found)


def world_map(tiers: dict[str, int], labels: dict[str, str], *, link: str, title: str, base: str = "") -> str:
    """The choropleth: ``tiers`` (key -> 1..4) colours a country, ``labels`` its tooltip, ``link``
    (``str.format`` with ``key``) its link."""
    parts = [
        f'<svg class="worldmap" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f8fb"/>',
    ]
    for key, name, path in outlines():
        tier = tiers.get(key)
        fill = TIER_COLOURS.get(tier, NO_DATA) if tier else NO_DATA
        tip = escape(labels.get(key) or f"{name}: no advice recorded")
        shape = f'<path d="{path}" fill="{fill}" stroke="#fff" stroke-width="0.5"><title>{tip}</title></path>'
        if tier:
            href = escape(base + link.format(key=key))
            shape = f'<a href="{href}" data-key="{key}" data-tier="{tier}">{shape}</a>'
        parts.append(shape)
    y = HEIGHT - 18
    for tier, colour in TIER_COLOURS.items():
        x = 20 + (tier - 1) * 90
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 18}" y="{y + 12}" font-size="12">tier {tier}</text>'
        )
    parts.append(
        f'<rect x="{20 + 4 * 90}" y="{y}" width="14" height="14" fill="{NO_DATA}"/>'
        f'<text x="{20 + 4 * 90 + 18}" y="{y + 12}" font-size="12">no advice recorded</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
