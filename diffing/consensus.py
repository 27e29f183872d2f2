"""Governments that agree: pure rules over each government's recorded tier movements.

A security team trusts a move that several governments make together. Two findings:

* **consensus**: two or more governments raise the same destination within ``WINDOW`` (7 days) —
  critical when three or more do, or when any of them raises it to tier 4, else high;
* **governments_disagree**: two governments' tiers for a destination differ by two or more, or one
  says "do not travel" (tier 4) to an area the other's advice does not mention at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from diffing.changes import Change, Severity

WINDOW = timedelta(days=7)
DISAGREE_BY = 2


@dataclass(frozen=True)
class Raise:
    """One government raising one destination: a recorded change row, read back."""

    government: str
    source: str
    change_id: int
    observed_at: datetime
    old: int
    new: int
    summary: str


def cluster(raises: list[Raise], latest: Raise) -> list[Raise]:
    """The raises that stand with ``latest``: each government's newest raise in the window before
    it (``latest`` included), one per government, oldest first."""
    by_government: dict[str, Raise] = {}
    for found in sorted(raises, key=lambda r: (r.observed_at, r.change_id)):
        if latest.observed_at - WINDOW <= found.observed_at <= latest.observed_at:
            by_government[found.government] = found
    by_government[latest.government] = latest
    return sorted(by_government.values(), key=lambda r: (r.observed_at, r.change_id))


def consensus_severity(together: list[Raise]) -> Severity:
    if len(together) >= 3 or any(r.new >= 4 for r in together):
        return Severity.CRITICAL
    return Severity.HIGH


def disagreements(
    record: dict[str, Any], government: str, others: dict[str, dict[str, Any]], same_area: Any
) -> list[Change]:
    """Where ``record`` (``government``'s advice) and each other government's confirmed advice for
    the same destination part ways. ``others``: government code -> that government's record."""
    found: list[Change] = []
    subject = record.get("country_name") or record.get("key")
    level = record.get("level")
    for other_code, other in sorted(others.items()):
        other_level = other.get("level")
        if level is not None and other_level is not None and abs(level - other_level) >= DISAGREE_BY:
            found.append(
                Change(
                    "governments_disagree",
                    "level",
                    {
                        "government": other_code,
                        "level": other_level,
                        "native_level": other.get("native_level"),
                    },
                    {"government": government, "level": level, "native_level": record.get("native_level")},
                    Severity.INFO,
                    f"{subject} — {government} tier {level} ({record.get('native_level')}), "
                    f"{other_code} tier {other_level} ({other.get('native_level')})",
                    item=f"level:{other_code}",
                )
            )
        if (other_level or 0) >= 4:
            continue  # the other government already says "do not travel" to all of it
        other_areas = [a.get("name") or "" for a in other.get("areas") or []]
        for area in record.get("areas") or []:
            if area.get("level") != 4 or any(same_area(area["name"], name) for name in other_areas):
                continue
            found.append(
                Change(
                    "governments_disagree",
                    "areas",
                    {"government": other_code, "level": other_level, "areas": other_areas},
                    {"government": government, "area": area},
                    Severity.INFO,
                    f"{subject} — {government} says do not travel to {area['name']}; "
                    f"{other_code}'s advice does not name it",
                    item=f"area:{other_code}:{area['name']}",
                )
            )
    return found
