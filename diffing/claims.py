"""The vocabulary of claims: the three witnesses, what each change kind is about, what a note's claim
looks like, and how a stated claim is named to a reader or written on one line."""

from __future__ import annotations

from typing import Any, Protocol

FIELD, NOTE, READING = "field", "note", "reading"

# What a change kind is about.
SUBJECT = {
    "level_changed": "level",
    "tier_raised": "level",
    "tier_lowered": "level",
    "indicator_added": "indicators",
    "indicator_removed": "indicators",
    "area_added": "areas",
    "area_removed": "areas",
    "area_level_changed": "areas",
    "area_tier_changed": "areas",
    "area_revised": "areas",
}


class NoteClaim(Protocol):
    """One thing a note says (``scrapers.us_state.change_note.Claim``): subject level / indicators / areas;
    change none, up, down, changed, added or removed; the indicator letters or the level it names."""

    subject: str
    change: str
    items: tuple[str, ...]
    to: int | None
    text: str

    def describe(self) -> str: ...


def witness_label(witness: str, note_by: str | None = None) -> str:
    """How an alert names a witness to a reader."""
    return {FIELD: "stated as data", NOTE: note_by or "the government's note", READING: "read from the text"}[
        witness
    ]


def claim_line(change: dict[str, Any]) -> str:
    """One stated claim on a line, as the hand-read sample writes it: "kind what [witnesses]"
    ("level_changed 2→3 [field,note]", "indicator_added U [reading,note]")."""
    kind = str(change.get("kind"))
    if SUBJECT.get(kind) == "level" or kind == "level_announced":
        what = f"{change.get('old')}→{change.get('new')}"
    else:
        what = str(change.get("item") or "-")
    return f"{kind} {what} [{','.join(change.get('witnesses') or [])}]"
