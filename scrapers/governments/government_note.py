"""The other governments' own update notes, read as claims: the witness to what a version changed.

The UK's "Latest update" ("FCDO now advises against all travel to Burkina Faso", "FCDO no longer
advises against all but essential travel to Nay Pyi Taw"), Canada's "Latest updates" ("Risk level –
avoid non-essential travel to Nepal; Safety and security – …", "Risk levels – removed advisory to
avoid non-essential travel to Union Island") and Smartraveller's update line ("We've raised our level
of advice … We now advise exercise a high degree of caution", "We now also advise do not travel to
the Catatumbo region") announce the government's moves. A statement the government *continues* is
no news; one about the whole destination is a level claim (with the tier it names); one about a
part is an area claim: "added" (a part newly advised against, or more strictly), "removed" ("no
longer advises …", "removed advisory …"), "changed" ("updated regional risk levels") or "touched"
(Canada's "Risk levels; Safety and security – added information on …": the section changed, without
saying how — it confirms what the reading finds and announces nothing of its own). Ireland
writes no note.

Claims are ``scrapers.us_state.change_note.Claim`` (the State Department's notes read the same way), weighed
by ``diffing.witness``. Pure functions; every distinct note in ../shared was run through them
(bench/bench_witnesses.py), and tests/test_government_note.py holds wordings read by hand.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pycountry

from diffing.countries import name_variants, normalise_name
from scrapers.us_state.change_note import Claim

# Each government's level wordings in its notes (normalised), longest first where one contains another.
_LEVELS: dict[str, tuple[tuple[str, int], ...]] = {
    "CA": (
        ("avoid all non essential travel", 3),
        ("avoid non essential travel", 3),
        ("avoid all travel", 4),
        ("avoid non essential", 3),  # "avoid non-essential to Northern Luzon" (sic, 2025-11-08)
        ("exercise a high degree of caution", 2),
        ("take normal security precautions", 1),
        ("exercise normal security precautions", 1),
    ),
    "AU": (
        ("reconsider your need to travel", 3),
        ("exercise a high degree of caution", 2),
        ("exercise normal safety precautions", 1),
        ("do not travel", 4),
        ("reconsider travel", 3),
    ),
}
_CONTINUES = re.compile(r"\bcontinu(?:e|es|ing)\b|\bremains?\b|\bstill\b", re.I)
_REMOVED = re.compile(r"\bremov(?:ed|al|ing)\b|\bno longer\b|\blifted\b", re.I)
# Words that mark a statement as a change: "FCDO now advises …", "… no longer advises …".
_NEWS = re.compile(r"\bnow\b|\bno longer\b|\bremov|\braised\b|\blowered\b|\bnew\b|\baddition\b", re.I)
_RAISED = re.compile(r"\b(?:raised|increased)\b", re.I)
_LOWERED = re.compile(r"\b(?:lowered|reduced|decreased)\b", re.I)
_REGIONAL = re.compile(
    r"\bregional (?:risk|advisor)|\badvisory for\b|\bregional risk levels?\b"
    r"|\bupdated? (?:the )?risk levels?\b",
    re.I,
)
# "We've lowered our advice for the border areas with …", "… raised our level of advice for Qatar".
_MOVED_FOR = re.compile(
    r"\b(?:raised|increased|lowered|reduced|changed)\s+(?:our|the)\s+(?:overall\s+)?(?:travel\s+)?"
    r"(?:level\s+of\s+advice|advice\s+level|advice)\s+for\s+(?P<target>[^.;]+)",
    re.I,
)
_PART = re.compile(
    r"^(?:the\s+)?(?:parts?|some|areas?|certain|regions?|provinces?|districts?|states?|border|cities|city|"
    r"town|coast|southern|northern|eastern|western|south|north|east|west|central|within|remaining)\b",
    re.I,
)
# Words of a statement's own wording, not of a place named before it.
_VERBS = re.compile(r"\b(?:now|also|we|advis\w*|added|updated|removed)\b", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'‘“(])|\s*;\s*")


def claims(note: str | None, record: dict[str, Any]) -> list[Claim]:
    """Every claim a government's note makes about its advice, in order; none for news of other kinds."""
    if not note:
        return []
    text = " ".join(note.replace("\u00a0", " ").split())
    return list(_read(text, str(record.get("government")), tuple(_names(record))))


@lru_cache(maxsize=4096)
def _read(text: str, government: str, names: tuple[str, ...]) -> tuple[Claim, ...]:
    """A note is read once per version: the family's ``note_updated`` field and the witness rule both
    ask for its claims, and a replay meets the same note on every moment that repeats it. Claims are
    frozen, so the cached reading is shared safely."""
    if government == "UK":
        found = _uk_claims(text, list(names))
    elif government == "CA":
        found = _canada_claims(text, list(names))
    elif government == "AU":
        found = _australia_claims(text, list(names))
    else:
        found = []
    unique: dict[tuple, Claim] = {}
    for claim in found:
        unique.setdefault((claim.subject, claim.change, claim.items, claim.to), claim)
    return tuple(unique.values())


def _names(record: dict[str, Any]) -> list[str]:
    """The destination's names as notes may write them: its own, and its country's by ISO code."""
    names = [
        v
        for n in (record.get("country_name"), record.get("region"))
        if isinstance(n, str) and n
        for v in name_variants(n)
    ]
    country = pycountry.countries.get(alpha_2=str(record.get("country") or record.get("key") or "")[:2])
    for attribute in ("name", "common_name", "official_name"):
        if country is not None and getattr(country, attribute, None):
            names += name_variants(getattr(country, attribute))
    return list(dict.fromkeys(names))


def _is_whole(target: str, names: list[str]) -> bool:
    """Does a statement's object name the whole destination ("Nepal", "the whole of Lebanon",
    "Israel and the Occupied Palestinian Territories", nothing at all, "… overall")?"""
    target = re.sub(r"^(?:to|in|for|on)\s+", "", target.strip(), flags=re.I)
    target = re.sub(r"^(?:the\s+whole\s+of|all\s+of)\s+", "", target, flags=re.I)
    norm = normalise_name(target)
    if not norm or norm in {"overall", "the country"}:
        return True
    if _PART.match(target):
        return False
    # "Israel and Palestine" on Palestine's page, "Israel/The Occupied Palestinian Territories"
    segments = [norm, *(normalise_name(p) for p in re.split(r"\s+and\s+|/", target))]
    return any(seg == v or seg.startswith(v + " ") for seg in segments for v in names)


def _object(text: str) -> str:
    """A statement's object, up to its reasons: "to Nepal due to …" -> "to Nepal"."""
    cut = re.split(
        r"\s+(?:due to|because|following|as a result|after|and updated|and now|and continues)\b|[.(;]", text
    )
    return cut[0].strip(" ,:")


# --- UK ------------------------------------------------------------------------------------------

_UK_STATEMENT = re.compile(
    r"\badvis(?:e|es|ing)\s+(?:british nationals\s+)?against\s+(all\s+but\s+essential|all)\s+travel\s*(.*)",
    re.I,
)


def _uk_claims(text: str, names: list[str]) -> list[Claim]:
    out: list[Claim] = []
    for sentence in _SENTENCES.split(text):
        for clause in re.split(
            r"\s+and\s+(?=(?:now\s+|continues?\s+to\s+|no longer\s+)?advis)|\bbut\s+(?!essential)", sentence
        ):
            match = _UK_STATEMENT.search(clause)
            if not match or _CONTINUES.search(clause[: match.start()]):
                continue
            removed = bool(_REMOVED.search(clause[: match.start()]))
            tier = 3 if "essential" in match.group(1).lower() else 4
            target = _object(match.group(2))
            if _is_whole(target, names) and "part" not in target.lower():
                claim = (
                    Claim("level", "down", text=sentence)
                    if removed
                    else Claim("level", "changed", to=tier, text=sentence)
                )
            else:
                marked = bool(_NEWS.search(clause[: match.start()]))
                change = "removed" if removed else "added"
                claim = Claim("areas", change, text=sentence, place=target, news=marked)
            out.append(claim)
    return out


# --- Canada --------------------------------------------------------------------------------------


_SECTION = re.compile(r"^\s*(?P<head>[^–—]+?)\s+[–—-]\s+(?P<body>.*)$")


def _canada_claims(text: str, names: list[str]) -> list[Claim]:
    """Only the "Risk level(s) – …" section of the note speaks of the advice."""
    out: list[Claim] = []
    for part in re.split(r"\s*;\s*", text):
        section = _SECTION.match(part)
        head = section.group("head").strip() if section else part.strip()
        if not re.match(r"(?i)risk levels?\b", head):
            continue
        said = _worded_claims(section.group("body"), "CA", names, part) if section else []
        if not said and not re.search(r"(?i)\bmap\b|\bclarification\b", part):
            # "Risk levels; Safety and security – added information on the Wagah border crossing
            # closure": the risk levels were touched, without saying how.
            said = [Claim("areas", "touched", text=text)]
        out += said
    return out


# --- Australia -----------------------------------------------------------------------------------


def _australia_claims(text: str, names: list[str]) -> list[Claim]:
    out: list[Claim] = []
    continuing = False  # "We continue to advise … We also advise …": the second goes on too
    for sentence in _SENTENCES.split(text):
        lowered = sentence.lower()
        if continuing and re.match(r"\s*we also advise\b", lowered):
            continue
        continuing = bool(_CONTINUES.search(sentence))
        if "advi" not in lowered and "level" not in lowered:
            continue
        moved = _MOVED_FOR.search(sentence)
        if moved and not _is_whole(_object(moved.group("target")), names):
            out.append(Claim("areas", "changed", text=sentence, place=_object(moved.group("target"))))
            continue
        if _RAISED.search(sentence) and ("level" in lowered or moved):
            out.append(Claim("level", "up", text=sentence))
            continue
        if _LOWERED.search(sentence) and ("level" in lowered or moved):
            out.append(Claim("level", "down", text=sentence))
            continue
        out += _worded_claims(sentence, "AU", names, sentence)
    return out


def _worded_claims(body: str, government: str, names: list[str], said: str) -> list[Claim]:
    """Claims from a clause in a government's level wordings: "avoid non-essential travel to Nepal"
    (level to 3), "removed advisory to avoid non-essential travel to Union Island" (area removed),
    "updated regional risk levels" (areas changed)."""
    norm_body = " ".join(body.split())
    out: list[Claim] = []
    for clause in re.split(r"\.\s+|\s+We\s+(?=(?:now\s+|also\s+)*advise)", norm_body):
        found = _level_wording(clause, government)
        if found is None:
            removed = bool(_REMOVED.search(clause))
            if removed and re.search(r"\badvisor(?:y|ies)\s+(?:for|to|in|on)\b", clause, re.I):
                out.append(Claim("areas", "removed", text=said))  # "removed the advisory for the border …"
            elif _REGIONAL.search(clause) and not _CONTINUES.search(clause):
                out.append(Claim("areas", "changed", text=said))
            elif removed and re.search(r"\badvisor", clause, re.I):
                out.append(Claim("level", "down", text=said))
            continue
        tier, start, end = found
        before = clause[:start]
        if _CONTINUES.search(before):
            continue
        removed = bool(_REMOVED.search(before))
        target = _object(clause[end:])
        lead = re.sub(r"[–—-]", " ", before).strip()
        if not target and lead and not _VERBS.search(lead):
            target = lead  # "certain neighbourhoods in Rio de Janeiro – avoid all travel"
        if _is_whole(target, names):
            out.append(
                Claim("level", "down", text=said)
                if removed
                else Claim("level", "changed", to=tier, text=said)
            )
        else:
            out.append(Claim("areas", "removed" if removed else "added", text=said, place=target))
    return out


def _level_wording(clause: str, government: str) -> tuple[int, int, int] | None:
    """(tier, start, end) of the first level wording in a clause, case, hyphens and spacing aside."""
    best: tuple[int, int, int] | None = None
    for wording, tier in _LEVELS[government]:
        pattern = r"\b" + r"[\W_]+".join(map(re.escape, wording.split())) + r"\b"
        match = re.search(pattern, clause, re.I)
        if match and (best is None or match.start() < best[1]):
            best = (tier, match.start(), match.end())
    return best
