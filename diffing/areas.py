"""Area identity: when two names, or a note's place and an area, speak of the same place.

Every layer needs it: the extractors merge an advisory's area lists by it, the witness rule asks
whether a government's note names an area, consensus and the history browser match one government's
areas with another's. Names are compared by their distinctive tokens (normalised as destination
names are; "the", "area", "province" and the like left out), with prefix matching for spellings
("Tachira" / "Táchira State").
"""

from __future__ import annotations

from diffing.countries import normalise_name

_AREA_STOPWORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "in",
        "to",
        "area",
        "areas",
        "region",
        "regions",
        "department",
        "departments",
        "province",
        "provinces",
        "state",
        "states",
        "within",
        "some",
        "which",
        "includes",
        "include",
        "including",
        "border",
        "city",
        "cities",
        "except",
        "excluding",
        "parts",
        "part",
        "with",
        "for",
        "all",
        "travel",
        "along",
        "near",
        "from",
        "its",
        "a",
        "an",
        "on",
        "at",
        "by",
    ]
)


def area_tokens(name: str) -> frozenset[str]:
    return frozenset(t for t in normalise_name(name).split() if t not in _AREA_STOPWORDS and len(t) > 1)


def _token_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the tokens of a that appear (or prefix-match) in b."""
    if not a:
        return 0.0
    return sum(1 for t in a if any(_token_match(t, u) for u in b)) / len(a)


def same_area(a: str, b: str, threshold: float = 0.75) -> bool:
    ta, tb = area_tokens(a), area_tokens(b)
    return max(containment(ta, tb), containment(tb, ta)) >= threshold


# Words that name no particular place: a note's "some areas", "parts of", "neighbouring areas".
_GENERIC_PLACE = frozenset(
    [
        "some",
        "parts",
        "part",
        "certain",
        "neighbouring",
        "neighboring",
        "other",
        "several",
        "remaining",
        "these",
        "those",
        "this",
        "all",
        "border",
        "borders",
        "coast",
        "coastal",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "city",
        "cities",
        "town",
        "towns",
        "province",
        "provinces",
        "district",
        "districts",
        "state",
        "states",
        "county",
        "zone",
        "zones",
        "within",
        "km",
        "kilometres",
        "kilometers",
        "miles",
        "near",
    ]
)


def names_place(place: str, area: str) -> bool:
    """Does a note's place ("the districts of Mecula and Marrupo in Niassa Province") speak of this
    area ("Niassa Province")? The same area, or a word of the area's name that names a place (not
    "Province", "border") in the note's words. A place of generic words only ("some areas", "parts
    of") speaks of any area."""
    distinctive = {t for t in area_tokens(place) if t not in _GENERIC_PLACE and not t.isdigit()}
    if not distinctive or same_area(place, area):
        return True
    own = {t for t in area_tokens(area) if t not in _GENERIC_PLACE}
    return any(_token_match(t, u) for t in own for u in distinctive)
