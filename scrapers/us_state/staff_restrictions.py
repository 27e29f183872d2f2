"""Where U.S. government staff may not go: restricted areas from a country page's sentences.

Embassies state these in many wordings, all read from the corpus of country pages: "are prohibited
from traveling to the following areas: …", "are not permitted to: travel to …", "are restricted
from personal travel to …", "must request permission for … travel outside of Addis Ababa", "may
only travel to …", "are subject to restrictions when traveling in …", "enforces a Restricted
Travel Policy for Embassy personnel traveling to …", "are under a strict curfew". Each area keeps
the kind of restriction, so a rule that hardens (approval -> prohibited) is a change of its own.
"""

from __future__ import annotations

import re

from diffing import areas
from scrapers.text.page_text import PageLine, sentences

_STAFF = re.compile(
    r"(?:government|embassy|consulate|mission|diplomatic)[\s-]+(?:personnel|employees|staff|officials|travel)"
    r"|chief of mission|restricted travel policy|U\.S\.? (?:personnel|officials)",
    re.I,
)
_NOT_A_RESTRICTION = re.compile(r"\bnot prohibited\b|\bno restrictions\b|\bnot first responders\b", re.I)
# Kinds, most specific first.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("curfew", re.compile(r"\bcurfews?\b", re.I)),
    (
        "approval required",
        re.compile(
            r"\b(?:must|required to)\s+(?:request|obtain|receive|seek)\s+(?:\w+\s+){0,3}"
            r"(?:permission|approval|authori[sz]ation|permits?)|without prior authori[sz]ation"
            r"|advance notification|additional scrutiny",
            re.I,
        ),
    ),
    ("only permitted", re.compile(r"\bmay only travel\b", re.I)),
    (
        "prohibited",
        re.compile(
            r"\bprohibited from\b|\bnot permitted to\b|\bmay not (?:travel|take|visit|enter)|\boff-limits\b"
            r"|\bnot allowed to\b",
            re.I,
        ),
    ),
    (
        "restricted",
        re.compile(
            r"\brestricted from\b|\brestricts?\b.{0,60}\btravel|\brestricted\b.{0,40}\btravel"
            r"|\bRestricted Travel Policy\b|\bsubject to (?:travel )?restrictions\b|\bplaced restrictions\b"
            r"|\bincreased security protocols\b|\bavoid or limit travel\b",
            re.I,
        ),
    ),
)
# Where the place begins: after a movement and its preposition.
_PLACE = re.compile(
    r"\b(?:travel(?:l?ing)?|trips?|visit(?:ing)?|enter(?:ing)?|go(?:ing)?)\b(?:\s+(?:by|of)\s+[^,.;:]*?)??"
    r"\s+(?P<prep>to|in|within|outside(?:\s+of)?|between)\s+(?P<place>.+)$"
    r"|\b(?:visit(?:ing)?|enter(?:ing)?)\s+(?P<object>.+)$",
    re.I,
)
_OFF_LIMITS = re.compile(
    r"^(?:[A-Z][\w\s-]*:\s*)?(?:[^,]*?,\s*)?(?P<place>.+?)\s+(?:are|is)\s+(?:currently\s+)?off-limits", re.I
)
# Where it ends: a reason, a condition or the next clause.
_PLACE_END = re.compile(
    r"\s+(?:due to|without|unless|which|in most circumstances|by plane|for security|from the U\.S\.)\b"
    r"|,?\s+(?:except|with the exception)\b"
    r"|,\s+(?:which|even|and are|but)\b|[.;]\s|[.;]$|\s+and are\b",
    re.I,
)
# "(except the city of San Marcos)": part of the place's description, not where it ends.
_EXCEPTION = re.compile(r"\s*\((?:except|with the exception|not including)[^)]*\)", re.I)
_ANAPHORA = re.compile(r"^(?:these|those)\s+(?:regions?|areas?|places?|provinces?)\b", re.I)
_NAMED_BEFORE = re.compile(
    r"\b(?:along|in|to|near)\s+(?:the\s+)?(?!U\.S\.)(?P<place>[A-Z][\w\u2019'-]*(?:\s+[A-Z][\w\u2019'-]*)*(?:\s+border)?)"
)
_LIST_INTRO = re.compile(r"(?:\b(?:to|in|areas?|following)|from)\s*:\s*$", re.I)
_ACTION_ITEM = re.compile(r"^(?:travel(?:l?ing)?\s+(?:to|in)|enter(?:ing)?|visit(?:ing)?)\s+", re.I)
_PLACE_WORD = re.compile(r"\b(?:areas?|region|province|district|border)\b", re.I)
_ACTION_WORD = re.compile(r"^[a-z]+ing\b", re.I)
_SEPARATORS = re.compile(r",\s+(?:and\s+|or\s+)?(?![^()]*\))|\s+as well as\s+|;\s+")
_AND = re.compile(r"\s+and\s+(?![^()]*\))")
_LEADING = re.compile(r"^(?:(?:and|or|including|the|to)\s+|following areas\s*:\s*)", re.I)
# Objects of "visiting"/"traveling in" that are not places ("banks", "personal vehicles").
_NOT_A_PLACE = re.compile(
    r"^(?:personal vehicles?|vehicles?|banks?|atms?|using\b|public (?:transport|buses)|taxis?|buses"
    r"|motorcycles?|from the airport|jet skis?)",
    re.I,
)


def _kind(sentence: str) -> str | None:
    return next((kind for kind, pattern in _KINDS if pattern.search(sentence)), None)


def _split_places(text: str) -> list[str]:
    """ "Laventille, Beetham, and the interior of Queens' Park Savannah" -> three places; "the VRAEM
    (…) and specific areas of the Colombian border" -> two (only split on "and" with no commas)."""
    parts = _SEPARATORS.split(text)
    if len(parts) == 1:
        parts = _AND.split(text)
    found = []
    for part in parts:
        name = part.strip(" .,:;")
        while (stripped := _LEADING.sub("", name)) != name:
            name = stripped
        if (
            len(name) > 2
            and not name.lower().startswith(("these", "them", "any of"))
            and not _NOT_A_PLACE.match(name)
        ):
            found.append(name[0].upper() + name[1:] if name[:1].islower() and name[:7] != "outside" else name)
    return found


def _places_in(sentence: str) -> list[tuple[str, bool]]:
    """The places a restriction sentence names, each with whether it is a place named again."""
    match = _PLACE.search(sentence) or _OFF_LIMITS.search(sentence)
    if not match:
        return []
    if match.re is _OFF_LIMITS:
        place = match.group("place")
    elif match.group("object"):
        place = match.group("object")
    else:
        prep = match.group("prep").lower()
        place = match.group("place")
        if prep.startswith(("outside", "between")):
            place = f"{prep} {place}"
    if _ANAPHORA.match(place):
        # "… along the Colombian border and in the VRAEM, as U.S. government personnel are restricted
        # from traveling in these regions": the places the sentence named before.
        return [(m.group("place"), True) for m in _NAMED_BEFORE.finditer(sentence[: match.start()])]
    place = _EXCEPTION.sub("", place)
    end = _PLACE_END.search(place)
    place = place[: end.start()] if end else place
    if re.search(r"\b(?:the following|these)(?: areas)?\s*:?\s*$|:\s*$", place, re.I):
        return []
    return [(name, False) for name in _split_places(place)]


def restricted_areas(lines: list[PageLine]) -> list[dict]:
    """[{"name": place, "kind": restriction}] in page order, one per place."""
    found: dict[str, dict] = {}
    for index, line in enumerate(lines):
        if line.heading:
            continue
        for sentence in sentences(line.text):
            if not _STAFF.search(sentence) or _NOT_A_RESTRICTION.search(sentence):
                continue
            kind = _kind(sentence)
            if kind is None:
                continue
            places = _places_in(sentence)
            if sentence.endswith(":") and _LIST_INTRO.search(sentence):
                listed = _listed_places(
                    lines[index + 1 :], acts=sentence.rstrip(": ").lower().endswith(("from", "to"))
                )
                places += [(name, False) for name in listed]
            if kind == "curfew" and not places:
                places = [("Whole country (curfew)", False)]
            for place, named_again in places:
                # A place named again ("… in these regions") is the area another rule names, if any.
                if named_again and any(areas.same_area(place, known["name"]) for known in found.values()):
                    continue
                found.setdefault(place.lower(), {"name": place, "kind": kind})
    return list(found.values())


def _listed_places(following: list[PageLine], *, acts: bool) -> list[str]:
    """The bullets after "… are prohibited from traveling to the following areas:". After "… are not
    permitted to:" the bullets are actions: only "Travel to X" / "Enter X" name a place."""
    places = []
    for line in following:
        if not line.bullet:
            break
        text = re.split(r"\s+due to\b|[.;]\s", line.text, maxsplit=1)[0].strip(" .;")
        if _ACTION_ITEM.match(text):
            text = _ACTION_ITEM.sub("", text)
        elif acts and (_ACTION_WORD.match(text) or not _PLACE_WORD.search(text)):
            continue
        end = _PLACE_END.search(text)
        text = text[: end.start()] if end else text
        if text:
            places.append(text[0].upper() + text[1:])
    return places
