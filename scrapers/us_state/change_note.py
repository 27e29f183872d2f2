"""The State Department's own change note, read as claims: a second witness to what changed.

Many advisories open with a note saying what the new edition changed: "The advisory level was
increased to 2.", 'The "unrest" risk indicator was added.', "An area of increased risk was added.",
"There were no changes to the advisory level or risk indicators.", "Reissued after periodic review
without changes." The feed states indicators and areas only in prose, which its two CMSs render
differently, so a difference in them is believed when the note says so, disbelieved (wording drift)
when the note says nothing changed, and a claim with no matching difference is extraction drift.

Pure functions; the wordings were collected from every distinct note in the shared archives
(tests/unit/scrapers/us_state/test_change_note.py lists them with the claims read by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Indicator names as notes write them (quoted or not, in any case), and the letters they mean.
INDICATOR_WORDS: tuple[tuple[str, str], ...] = (
    ("wrongful detention", "D"),
    ("natural disaster", "N"),
    ("time-limited event", "E"),
    ("civil unrest", "U"),
    ("kidnapping", "K"),
    ("terrorism", "T"),
    ("unrest", "U"),
    ("health", "H"),
    ("crime", "C"),
    ("other", "O"),
)
_LETTER_IN_PARENS = re.compile(r"\(([CTUHNEKDO])\)|\ban? ([CTUHNEKDO]) indicator\b|\"([CTUHNEKDO])\"")


@dataclass(frozen=True)
class Claim:
    """One thing the note says. ``subject``: level, indicators or areas. ``change``: none, up, down,
    changed, added or removed. ``items``: indicator letters the note names (empty: unspecified)."""

    subject: str
    change: str
    items: tuple[str, ...] = ()
    to: int | None = None
    text: str = ""
    place: str = ""  # the part an area claim names ("the Babuyan Islands"), where the note names one
    # False for a statement the note makes without marking it as news ("We advise against all travel
    # towards North Sinai": no "now", no "no longer"): it may restate standing advice.
    news: bool = True

    def describe(self) -> str:
        what = f" {','.join(self.items)}" if self.items else ""
        to = f" to {self.to}" if self.to is not None else ""
        return f"{self.subject}{what}: {self.change}{to}"


_TYPOGRAPHIC_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _normalise(note: str) -> str:
    note = note.translate(_TYPOGRAPHIC_QUOTES)
    note = re.sub(r"\bindictors?\b", lambda m: m.group(0).replace("indictor", "indicator"), note)
    return re.sub(r"\s+", " ", note).strip()


def _sentences(note: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=\.)\s+(?=[A-Z\"])", note) if s.strip()]


def indicator_letters(text: str) -> tuple[str, ...]:
    """The indicators a clause names ("the "health" and "unrest" risk indicators" -> H, U)."""
    lowered = text.lower()
    found: set[str] = set()
    for word, letter in INDICATOR_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            found.add(letter)
            lowered = lowered.replace(word, " ")
    for match in _LETTER_IN_PARENS.finditer(text):
        found.add(next(g for g in match.groups() if g))
    return tuple(sorted(found))


_NO_LEVEL = re.compile(
    r"\bno changes? to (?:the )?(?:travel )?advisory level|\badvisory level remains\b"
    r"|\bno changes? to travel advisory level",
    re.I,
)
_NO_INDICATORS = re.compile(
    r"\bno changes? to (?:the )?(?:(?:travel )?advisory level (?:or|and) )?(?:the )?(?:risk )?indicators\b",
    re.I,
)
_LEVEL_MOVE = re.compile(
    r"\b(?:advisory level|level)\s+(?:was\s+)?(?P<dir>increased|raised|decreased|lowered)\b"
    r"(?:\s+from\s+(?:a\s+)?(?:level\s+)?(?P<from>[1-4]))?(?:\s+to\s+(?:a\s+)?(?:level\s+)?(?P<to>[1-4]))?",
    re.I,
)
_LEVEL_FROM_TO = re.compile(
    r"\blevel\b[^.]{0,40}?\bfrom\s+(?:a\s+)?(?:level\s+)?(?P<from>[1-4])\s+to\s+(?:a\s+)?(?:level\s+)?(?P<to>[1-4])",
    re.I,
)
_FROM_LEVEL_TO_LEVEL = re.compile(
    r"\bfrom\s+(?:a\s+)?level\s+(?P<from>[1-4])\s+to\s+(?:a\s+)?level\s+(?P<to>[1-4])", re.I
)
_LEVEL_TO = re.compile(
    r"\b(?:shift|change|changes)\s+to\s+(?:travel advisory\s+)?level\s+(?P<to>[1-4])"
    r"|\bchange the travel advisory level to level\s+(?P<to2>[1-4])",
    re.I,
)
_LEVEL_CHANGED = re.compile(
    r"\bchanges? (?:in|to) (?:the )?travel advisory level\b|\bwith a change in level\b", re.I
)
_NO_CHANGE_REISSUE = re.compile(
    r"\b(?:without changes|with no changes|with no edits|with minor (?:edits|changes|updates))\b", re.I
)
_CARVEOUT_CHANGED = re.compile(r"\bchanges? to\b[^.]*\bfor an? carveout\b", re.I)
_AREA = re.compile(
    r"\bareas? of (?:increased|higher) risk\b|\bdo not travel\b|\barea-specific\b|\bcarveout\b", re.I
)
_ADDED = re.compile(r"\b(?:was|were) added\b|\badd(?:ed|ition of)?\b|\binclude\b", re.I)
_REMOVED = re.compile(r"\b(?:was|were) removed\b|\bremov(?:e|al|ing)\b|\bis removed\b", re.I)
_UPDATED = re.compile(r"\b(?:was|were) (?:updated|revised|combined|lowered|raised)\b|\bchanges to\b", re.I)


def _direction(clause: str) -> str:
    if re.search(r"\b(?:was|were) updated\b", clause, re.I):
        return "changed"
    added, removed = bool(_ADDED.search(clause)), bool(_REMOVED.search(clause))
    if added and not removed:
        return "added"
    if removed and not added:
        return "removed"
    return "changed" if (added or removed or _UPDATED.search(clause)) else ""


def _clauses(sentence: str) -> list[str]:
    return [c for c in re.split(r",? and (?=the |to |removing |addition |an? )|;", sentence) if c.strip()]


def claims(note: str | None) -> list[Claim]:
    """Every claim a change note makes, in order; none for a note that says nothing checkable."""
    if not note:
        return []
    found: list[Claim] = []
    for sentence in _sentences(_normalise(note)):
        found += _sentence_claims(sentence)
    unique: dict[tuple, Claim] = {}
    for claim in found:
        unique.setdefault((claim.subject, claim.change, claim.items, claim.to), claim)
    return list(unique.values())


def _sentence_claims(sentence: str) -> list[Claim]:
    out: list[Claim] = []
    lowered = sentence.lower()
    reissue = "reissued" in lowered or "updated after periodic review" in lowered
    if reissue and _NO_CHANGE_REISSUE.search(sentence):
        return [Claim(s, "none", text=sentence) for s in ("level", "indicators", "areas")]
    if _CARVEOUT_CHANGED.search(sentence):
        # "There were changes to the advisory level and risk indicators for a carveout, Level 2 for
        # unexploded ordnance": the level and indicators of an area, not of the country.
        return [Claim("areas", "changed", text=sentence)]
    if _NO_LEVEL.search(sentence):
        out.append(Claim("level", "none", text=sentence))
    elif move := _LEVEL_MOVE.search(sentence):
        direction = "up" if move.group("dir").lower() in {"increased", "raised"} else "down"
        if not _AREA.search(sentence):
            to = move.group("to")
            out.append(Claim("level", direction, to=int(to) if to else None, text=sentence))
    elif span := (_LEVEL_FROM_TO.search(sentence) or _FROM_LEVEL_TO_LEVEL.search(sentence)):
        low, high = int(span.group("from")), int(span.group("to"))
        out.append(Claim("level", "up" if high > low else "down", to=high, text=sentence))
    elif target := _LEVEL_TO.search(sentence):
        out.append(
            Claim("level", "changed", to=int(target.group("to") or target.group("to2")), text=sentence)
        )
    elif _LEVEL_CHANGED.search(sentence):
        out.append(Claim("level", "changed", text=sentence))
    # "The geographic area in Sabah State subject to Level 2 carveout with a K indicator was revised":
    # the indicator describes the area; the area is what changed.
    area_with_indicator = re.search(r"\barea\b[^.]*\bwith an? [^.]*indicator\b", sentence, re.I)
    if area_with_indicator:
        direction = _direction(sentence)
        if direction:
            out.append(Claim("areas", direction, text=sentence))
        return out
    if _NO_INDICATORS.search(sentence):
        out.append(Claim("indicators", "none", text=sentence))
    elif "indicator" in lowered:
        direction = ""
        for clause in _clauses(sentence):
            if "indicator" not in clause.lower():
                continue
            # "… was added for landmine risk and the "unrest" indicator for Transnistria": the second
            # clause has no verb of its own and takes the first one's.
            direction = _direction(clause) or direction
            if direction:
                out.append(Claim("indicators", direction, indicator_letters(clause), text=sentence))
    if _AREA.search(sentence):
        for clause in _clauses(sentence):
            if not _AREA.search(clause) or "indicator" in clause.lower():
                continue  # an indicator of an area ("removed from the area of increased risk")
            direction = _direction(clause)
            if direction:
                out.append(Claim("areas", direction, text=sentence))
    return out
