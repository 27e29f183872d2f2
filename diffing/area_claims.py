"""Area claims as an alert states them: an add and a removal a note calls an update are one
revision; an area whose read name is not a place is stated without it, and said once."""

from __future__ import annotations

from dataclasses import replace

from diffing.changes import Change
from diffing.claims import SUBJECT


def revisions(
    stated: list[Change], revised: list[Change], subject_name: str, exhaustive: bool
) -> list[Change]:
    """Area adds and removals that a note calls an update ("An area of increased risk was updated",
    "… was revised", "… was lowered to Level 3") are one revision, not a removal and an addition:
    stated as the area's wording before and after (what the reading could read of each)."""
    removed = any(c.kind == "area_removed" for c in revised)
    added = any(c.kind == "area_added" for c in revised)
    if not removed or not (added or exhaustive):
        # Only additions: new areas, named as they read. Only removals under a headline note
        # ("updated risk levels"): the areas read are gone, said as such.
        return stated
    ids = {id(c) for c in revised}
    named = [c for c in revised if c.item]
    before = list(dict.fromkeys(str(c.item) for c in named if c.kind == "area_removed"))
    after = list(dict.fromkeys(str(c.item) for c in named if c.kind == "area_added"))
    words = "; ".join(before) or "an area of increased risk"
    if after:
        words = f"{words} → {'; '.join(after)}" if before else "; ".join(after)
    elif before:
        words += " (its new wording was not read)"
    first = revised[0]
    merged = Change(
        "area_revised",
        "areas",
        before or None,
        after or None,
        max(c.severity for c in revised),
        f"{subject_name} — area revised: {words}",
        item="; ".join(after or before) or None,
        witnesses=first.witnesses,
        details=first.details,
    )
    out: list[Change] = []
    for change in stated:
        if id(change) in ids:
            if change is first:
                out.append(merged)
            continue
        out.append(change)
    return out


def same_claim(a: Change, b: Change) -> bool:
    return (
        SUBJECT.get(a.kind, a.field) == SUBJECT.get(b.kind, b.field)
        and a.item == b.item
        and (a.kind == b.kind or a.kind.endswith("_announced"))
    )


def nameless(change: Change) -> Change:
    """An area change the note confirms whose read name is not a place: stated without the name."""
    verb = {"area_added": "added", "area_removed": "removed"}.get(change.kind, "changed")
    subject = change.summary.split(" — ", 1)[0]
    return replace(change, item=None, summary=f"{subject} — an area of increased risk {verb}")


def nameless_once(stated: list[Change]) -> list[Change]:
    """One claim said once: several garbled names confirmed by one note claim read as one nameless
    claim, and two renderings mended to one name ("southeast T urkiye", "southeast Turkiye") as one."""
    seen: set[tuple[str, str]] = set()
    out = []
    for change in stated:
        if SUBJECT.get(change.kind) == "areas":
            said = (change.kind, change.item or change.summary)
            if said in seen:
                continue
            seen.add(said)
        out.append(change)
    return out
