"""Which witness backs each claim an alert makes, and which claims an alert may make at all.

A typed change is read from one of three witnesses, and an alert states a claim only when a witness
supports it and none denies it:

* ``field`` — a structured field the publisher sets (the feed's Threat-Level, GOV.UK's
  ``alert_status``, Canada's "Risk level" heading, Smartraveller's "Advice levels", Ireland's
  "Security Status"): always stated.
* ``note`` — the government's own note on the edition (State's change note, the UK's "Latest
  update", Canada's "Latest updates", Smartraveller's update line), read into claims.
* ``reading`` — our reading of the advice text (prose indicators, area lists): stated when no new
  note speaks, or when the note confirms it.

A new note that says what changed is the authority on that edition: a reading-only claim it
contradicts *or leaves out* is wording drift, recorded in history but not stated; a claim the
note makes that no reading confirms is stated on the note's word (the government announced it);
field-witnessed claims stand whatever the note says. Area names are stated only when they read as
a clean place phrase (``clean_area_name``): a garbled name is never put in front of a reader.

Pure functions; the sources declare their note (``note_field``, ``read_note``) and which fields
are structured (``field_witnessed``), and ``scrapers.base.transition`` applies this to all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from diffing.area_claims import nameless, nameless_once, revisions, same_claim
from diffing.area_names import clean_area_name
from diffing.areas import names_place
from diffing.changes import SERIOUS_INDICATORS, Change, Severity, reached_level_severity
from diffing.claims import FIELD, NOTE, READING, SUBJECT, NoteClaim

_DIRECTION = {
    "indicator_added": "added",
    "indicator_removed": "removed",
    "area_added": "added",
    "area_removed": "removed",
}
_AREA_LEVEL_KINDS = frozenset({"area_level_changed", "area_tier_changed"})


@dataclass(frozen=True)
class Testimony:
    """What one transition may say: ``stated`` (every claim the alert makes, each with its
    witnesses, the alerting ones first), ``alerting`` (the stated claims that raise an alert),
    ``findings`` (stored beside the changes: where note and reading part ways)."""

    stated: list[Change]
    alerting: list[Change]
    findings: list[Change]


def confirms(claim: NoteClaim, change: Change) -> bool:
    """Does this claim of the note speak for this typed change (same subject, same direction)?"""
    subject = SUBJECT.get(change.kind)
    if claim.subject != subject or claim.change == "none":
        return False
    if subject == "level":
        if claim.to is not None:
            return claim.to == change.new
        if claim.change in ("up", "down") and isinstance(change.old, int) and isinstance(change.new, int):
            return (change.new > change.old) == (claim.change == "up")
        return True
    if claim.change in ("added", "removed") and claim.change != _DIRECTION.get(change.kind, "changed"):
        if change.kind not in _AREA_LEVEL_KINDS:
            return False
        # "The Level 4 area near X was removed" while the reading shows it at another level; "FCDO
        # now advises against all travel to X" for an area that was at all but essential travel.
        if claim.change == "removed":
            return True
        return _level_of(change.new) > _level_of(change.old)
    if not claim.items or change.item in claim.items:
        return _speaks_of(claim, change)
    return False


def _speaks_of(claim: NoteClaim, change: Change) -> bool:
    """A claim naming a place confirms only changes of areas that place names ("avoid all travel to
    Cabo Delgado Province" says nothing of Pemba City); ``diffing.areas.names_place``."""
    place = getattr(claim, "place", "")
    if not place or SUBJECT.get(change.kind) != "areas":
        return True
    value = change.new if change.kind != "area_removed" else change.old
    name = value.get("name") if isinstance(value, dict) else change.item
    return not isinstance(name, str) or names_place(place, name)


def _restated_level(claim: NoteClaim, changes: Sequence[Change], level_after: int | None) -> NoteClaim:
    """ "Risk level – exercise a high degree of caution in the Bahamas" while the Bahamas stay at that
    level: the note restates the level because a part's advice changed (a hurricane advisory lifted),
    so it speaks of the areas, without saying how."""
    moved = any(SUBJECT.get(c.kind) == "level" for c in changes)
    if claim.subject == "level" and claim.to is not None and claim.to == level_after and not moved:
        return replace(claim, subject="areas", change="touched", to=None)  # type: ignore[type-var]
    return claim


def _absorbed(change: Change, level_after: int | None) -> bool:
    """An area gone from the page because the whole destination now carries its advice (the UK's
    "all travel to Israel": Gaza, the West Bank, … are no longer listed apart) was not lifted."""
    if change.kind != "area_removed" or not isinstance(level_after, int):
        return False
    return 0 < _level_of(change.old) <= level_after


def _level_of(area: Any) -> int:
    return int(area.get("level") or 0) if isinstance(area, dict) else 0


def _area_name_of(change: Change) -> str | None:
    value = change.new if change.kind != "area_removed" else change.old
    name = value.get("name") if isinstance(value, dict) else change.item
    return clean_area_name(name)


# --- the verdict ---------------------------------------------------------------------------------


def witnessed(change: Change, *witnesses: str, note: str | None = None) -> Change:
    """The change with the witnesses that back it (and, for a note, the note's words)."""
    details = dict(change.details)
    if note and NOTE in witnesses:
        details["note"] = note
    return replace(change, witnesses=tuple(dict.fromkeys(witnesses)), details=details)


def _mended(change: Change) -> Change | None:
    """An area change restated with its clean name, or None where the name is not a place."""
    if SUBJECT.get(change.kind) != "areas":
        return change
    clean = _area_name_of(change)
    if clean is None:
        return None
    raw = change.item or ""
    if clean == raw or raw.startswith(clean):
        return change
    summary = change.summary.replace(raw, clean) if raw and raw in change.summary else change.summary
    return replace(change, item=clean, summary=summary)


def note_severity(claim: NoteClaim, item: str | None) -> Severity:
    """How severe a change stated on the note's word alone is: as the typed change would be."""
    if claim.subject == "level":
        if claim.change == "down":
            return Severity.INFO
        return reached_level_severity(claim.to)
    if claim.change == "removed":
        return Severity.INFO
    if claim.subject == "indicators":
        return Severity.HIGH if item in SERIOUS_INDICATORS else Severity.MEDIUM
    return Severity.MEDIUM


def _note_only(claim: NoteClaim, subject_name: str) -> Iterable[Change]:
    """The claims a note makes that no reading confirmed, as changes stated on the note's word."""
    kind = {
        ("indicators", "added"): "indicator_added",
        ("indicators", "removed"): "indicator_removed",
        ("areas", "added"): "area_added",
        ("areas", "removed"): "area_removed",
    }.get((claim.subject, claim.change))
    if claim.subject == "level":
        kind = "level_announced"
    elif kind is None:
        kind = f"{claim.subject.rstrip('s')}_announced"  # "an area of increased risk was updated"
    items: Iterable[str | None] = claim.items or (None,)
    for item in items:
        what = describe_claim(claim, item)
        yield Change(
            kind,
            claim.subject,
            None,
            claim.to if claim.subject == "level" else item,
            note_severity(claim, item),
            f"{subject_name} — {what}",
            item=item,
            witnesses=(NOTE,),
            details={"note": claim.text},
        )


def describe_claim(claim: NoteClaim, item: str | None = None) -> str:
    """A note's claim in words: "the note says: level raised to 3", "+U (the note)"."""
    if claim.subject == "level":
        verb = {"up": "raised", "down": "lowered"}.get(claim.change, "changed")
        return f"level {verb}" + (f" to {claim.to}" if claim.to is not None else "") + " (per the note)"
    if claim.subject == "indicators":
        sign = {"added": "+", "removed": "−"}.get(claim.change, "±")
        return (
            f"{sign}{item} indicator (per the note)"
            if item
            else f"risk indicators {claim.change} (per the note)"
        )
    verb = {"added": "added", "removed": "removed"}.get(claim.change, "changed")
    return f"an area of increased risk {verb} (per the note)"


FIELD_SAYS_OTHERWISE = "the field says otherwise"
STANDING_ADVICE = "standing advice restated"


def moves_areas(changes: Sequence[Change]) -> bool:
    """The transition's typed changes add, remove or re-level an area."""
    return any(SUBJECT.get(c.kind) == "areas" for c in changes)


def withheld(
    claim: NoteClaim,
    *,
    field_witnessed: frozenset[str],
    standing_areas: Sequence[str],
    areas_moved: bool,
    same_place: Callable[[str, str], bool],
) -> str | None:
    """Why a claim of a new note states nothing on its own word, or None. The subject is a field that
    says what it is (a note cannot move it: a restated older change); or the note names, without
    marking it as news, an area both versions advise against, in a transition that moves no area
    ("We advise against all travel towards North Sinai": advice that stood before). ``weigh`` and the
    announcements audit both ask here."""
    if claim.subject in field_witnessed:
        return FIELD_SAYS_OTHERWISE
    place = getattr(claim, "place", "")
    if (
        place
        and not getattr(claim, "news", True)
        and not areas_moved
        and any(same_place(place, area) for area in standing_areas)
    ):
        return STANDING_ADVICE
    return None


def weigh(
    changes: Sequence[Change],
    claims: Sequence[NoteClaim],
    *,
    note: str | None,
    note_is_new: bool,
    field_witnessed: frozenset[str],
    quiet_kinds: frozenset[str],
    subject_name: str,
    note_exhaustive: bool = False,
    standing_areas: Sequence[str] = (),
    level_after: int | None = None,
    same_place: Callable[[str, str], bool] = lambda a, b: a == b,
    alerts_unnoted: Callable[[Change], bool] = lambda change: False,
) -> Testimony:
    """The module's rule over one transition's typed changes and its note's claims.

    ``note_exhaustive``: the note lists everything its edition changed (the State Department's), so
    a reading-only claim it leaves out is not stated; other governments' notes tell the headline
    news only, and there only a claim the note contradicts is withheld. ``standing_areas``: areas
    both versions name, so a note that names one of them (``same_place``) without marking it as news
    ("We advise against all travel towards North Sinai") restates standing advice. ``level_after``:
    the destination's level in the new version (an area whose advice the whole destination now
    carries is absorbed, not removed). ``alerts_unnoted``: a source's own rule for a reading-only
    claim that alerts where no note speaks (Ireland writes no notes: an area newly advised against
    at tier 4)."""
    speaking = [_restated_level(c, changes, level_after) for c in claims] if note_is_new else []
    if "level" not in field_witnessed:
        # A level the note announces and no reading shows (Palestine "now … all but essential travel
        # to Israel and Palestine"): areas under it are absorbed by it too.
        announced = [c.to for c in speaking if c.subject == "level" and c.to is not None]
        level_after = max([level_after or 0, *announced]) or level_after
    areas_moved = moves_areas(changes)
    stated: list[Change] = []
    alerting: list[Change] = []
    findings: list[Change] = []
    used: set[int] = set()
    letters_used: set[tuple[int, str | None]] = set()
    revised: list[Change] = []  # area adds/removals the note calls an update or a revision
    for change in changes:
        subject = SUBJECT.get(change.kind)
        base = FIELD if change.field in field_witnessed else READING
        if _absorbed(change, level_after):
            continue  # the whole destination is now advised against as strictly: no removal
        confirming = [i for i, c in enumerate(speaking) if confirms(c, change)]
        used.update(confirming)
        letters_used.update((i, change.item) for i in confirming)
        denied = any(c.subject == subject and c.change == "none" for c in speaking)
        if denied and not confirming:
            findings.append(_disagreement(change, subject_name, note))
        if subject is None:  # a kind no note speaks of (a reissue, a number, a section)
            if change.kind in quiet_kinds:
                continue  # history (a reissue), not news
            told = witnessed(change, base)
            stated.append(told)
            alerting.append(told)
            continue
        if confirming:
            told = _mended(change) or nameless(change)
            told = witnessed(told, base, NOTE, note=note)
            stated.append(told)
            alerting.append(told)
            if (
                change.kind in _DIRECTION
                and subject == "areas"
                and all(speaking[i].change == "changed" for i in confirming)
            ):
                revised.append(told)
        elif base == FIELD:
            told = witnessed(change, FIELD)
            stated.append(told)
            alerting.append(told)
        elif not speaking or (not note_exhaustive and all(c.subject != subject for c in speaking)):
            mended = _mended(change)
            if mended is None:
                continue  # not a place: recorded, never stated
            told = witnessed(mended, READING)
            stated.append(told)
            if change.kind not in quiet_kinds or alerts_unnoted(change):
                alerting.append(told)
        # else: the new note says what changed and this is not in it: recorded, not stated.
    for i, claim in enumerate(speaking):
        if claim.change in ("none", "touched"):
            continue
        if i not in used:
            findings.append(_unmatched(claim, subject_name, note))
        reason = withheld(
            claim,
            field_witnessed=field_witnessed,
            standing_areas=standing_areas,
            areas_moved=areas_moved,
            same_place=same_place,
        )
        if reason == FIELD_SAYS_OTHERWISE or (reason == STANDING_ADVICE and i not in used):
            continue
        for told in _note_only(claim, subject_name):
            if i in used and (not claim.items or (i, told.item) in letters_used):
                continue
            if any(same_claim(told, s) for s in stated):
                continue
            stated.append(told)
            alerting.append(told)
    stated = revisions(nameless_once(stated), revised, subject_name, note_exhaustive)
    alerting = [c for c in stated if any(c is a for a in alerting) or c.kind == "area_revised"]
    order = {id(c): n for n, c in enumerate(alerting)}
    stated.sort(key=lambda c: (id(c) not in order, order.get(id(c), 0)))
    return Testimony(stated, alerting, findings)


def _disagreement(change: Change, subject_name: str, note: str | None) -> Change:
    return Change(
        "note_disagrees",
        change.field,
        change.old,
        change.new,
        Severity.INFO,
        f"{subject_name} — {change.kind} {change.item or ''} contradicts the note: {note}",
        item=f"{change.kind} {change.item or ''}".strip(),
    )


def _unmatched(claim: NoteClaim, subject_name: str, note: str | None) -> Change:
    return Change(
        "note_unmatched",
        claim.subject,
        None,
        claim.describe(),
        Severity.INFO,
        f"{subject_name} — the note says {claim.describe()} but the extracted record "
        f"shows no such change: {note}",
        item=claim.describe(),
    )
