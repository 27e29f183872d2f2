"""Every government's own advice wording on one scale of four tiers: the mapping table, in one place.

Tier 1 is "go, with ordinary care", tier 4 "do not go". A destination's tier is the advice that
applies to the *whole* of it; areas with stricter advice carry their own tier (a country at tier 2
with a tier-4 border area, as every one of these governments writes it). The table is shown on the
history browser's comparison pages (``/governments``) and in docs/governments.md.

The UK writes no nationwide level; GOV.UK's four ``alert_status`` values say which advice covers
parts of a country and which covers the whole of it. Read from the page's own statements
("FCDO advises against all travel to …"):

* no statement against travel                                   -> tier 1
* against all but essential travel, or all travel, to *parts*   -> tier 2 (the parts carry 3 or 4)
* against all but essential travel to the *whole* country       -> tier 3
  (also when the whole is covered piecewise: "all travel to the rest of Niger", "all but
  essential travel to the rest of Israel and Palestine" beside stricter parts)
* against all travel to the *whole* country, with no exception  -> tier 4

Areas: "all travel" -> 4, "all but essential travel" -> 3. So a country "advised against" only in
parts compares with the U.S. Level 2 / Canada's "high degree of caution" for the same country, and
the parts compare with those governments' own area levels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from diffing.countries import normalise_name


@dataclass(frozen=True)
class Government:
    """A government's own wording of the four tiers, and the other wordings it uses for them. Which
    sources carry a government's advice is theirs to say (``Source.government``); the catalogue of
    governments and their sources is read from the registry (``scrapers.registry.governments``)."""

    code: str  # short, shown in tables and Slack ("US", "UK", "CA", "AU", "IE")
    name: str
    levels: tuple[str, str, str, str]  # the government's own wording of tiers 1-4
    # Other wordings of the same levels, keyed normalised (``normalise_name``); the UK's statements
    # are read in its own module.
    synonyms: tuple[tuple[str, int], ...] = ()


US = Government(
    "US",
    "U.S. State Department",
    ("Exercise Normal Precautions", "Exercise Increased Caution", "Reconsider Travel", "Do Not Travel"),
)
UK = Government(
    "UK",
    "UK Foreign, Commonwealth & Development Office",
    (
        "No FCDO advice against travel",
        "FCDO advises against travel to parts",
        "FCDO advises against all but essential travel to the whole country",
        "FCDO advises against all travel to the whole country",
    ),
)
CA = Government(
    "CA",
    "Global Affairs Canada",
    (
        "Take normal security precautions",
        "Exercise a high degree of caution",
        "Avoid non-essential travel",
        "Avoid all travel",
    ),
    synonyms=(("exercise normal security precautions", 1), ("avoid non essential travel", 3)),
)
AU = Government(
    "AU",
    "Australian Department of Foreign Affairs and Trade (Smartraveller)",
    (
        "Exercise normal safety precautions",
        "Exercise a high degree of caution",
        "Reconsider your need to travel",
        "Do not travel",
    ),
    synonyms=(("exercise normal precautions", 1), ("reconsider your need", 3), ("reconsider travel", 3)),
)
IE = Government(
    "IE",
    "Ireland Department of Foreign Affairs",
    ("Normal precautions", "High degree of caution", "Avoid non-essential travel", "Do not travel"),
    synonyms=(
        ("normal precaution", 1),
        ("exercise normal precautions", 1),
        ("high degree of caution", 2),
        ("exercise a high degree of caution", 2),
        ("avoid non essential travel", 3),
        ("avoid all non essential travel", 3),
        ("do not travel", 4),
    ),
)

# GOV.UK's alert_status values (the Content API's ``details.alert_status``) on the scale.
UK_ALERT_STATUS_TIER = {
    "avoid_all_but_essential_travel_to_parts": 2,
    "avoid_all_travel_to_parts": 2,
    "avoid_all_but_essential_travel_to_whole_country": 3,
    "avoid_all_travel_to_whole_country": 4,
}
UK_AREA_TIER = {"all": 4, "all_but_essential": 3}


def tier_for(government: Government, wording: str) -> int | None:
    """The tier of a government's own level wording ("Avoid non-essential travel" -> 3), or None."""
    norm = normalise_name(wording)
    for tier, level in enumerate(government.levels, start=1):
        if norm == normalise_name(level):
            return tier
    return dict(government.synonyms).get(norm)


def find_tier(government: Government, text: str) -> tuple[int, int] | None:
    """The longest level wording of ``government`` that opens ``text`` (case and punctuation aside):
    its tier and where the wording ends in ``text`` ("Reconsider your need to travel to: …" -> (3, 30))."""
    candidates = [(lvl, t) for t, lvl in enumerate(government.levels, start=1)]
    candidates += list(government.synonyms)
    best: tuple[int, int] | None = None
    for wording, tier in candidates:
        match = _wording_pattern(wording).match(text)
        if match and (best is None or match.end() > best[1]):
            best = (tier, match.end())
    return best


@lru_cache(maxsize=256)
def _wording_pattern(wording: str) -> re.Pattern[str]:
    words = normalise_name(wording).split()
    return re.compile(r"^\W*" + r"[\W_]+".join(map(re.escape, words)) + r"\b", re.I)


def native(government: Government, tier: int) -> str:
    return government.levels[tier - 1]


def mapping_table(governments: Iterable[Government]) -> list[dict[str, object]]:
    """Rows for the UI and the README: government, tier, the government's own wording."""
    return [
        {"government": g.code, "name": g.name, "tier": tier, "native_level": level}
        for g in governments
        for tier, level in enumerate(g.levels, start=1)
    ]
