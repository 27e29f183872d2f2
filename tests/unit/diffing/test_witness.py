"""The witness rule, one transition at a time, with the State Department's own wording: a field
always stands; a new exhaustive note is the authority on what else changed; a note's claim no
reading shows is stated on its word. (Every real transition of ../shared is weighed in
tests/scenarios/test_witnesses.py.)"""

from __future__ import annotations

from dataclasses import dataclass

from diffing.changes import Change, Severity
from diffing.claims import FIELD, NOTE, READING
from diffing.witness import weigh

NOTE_K = 'The "kidnapping" risk indicator was added.'


@dataclass(frozen=True)
class Claim:
    subject: str
    change: str
    items: tuple[str, ...] = ()
    to: int | None = None
    text: str = ""

    def describe(self) -> str:
        return f"{self.subject} {','.join(self.items)}: {self.change}"


LEVEL = Change("level_changed", "level", 2, 3, Severity.HIGH, "Niger — Level 2 → Level 3")
K_ADDED = Change("indicator_added", "indicators", ["C"], ["C", "K"], Severity.HIGH, "Niger — +K", item="K")
U_ADDED = Change("indicator_added", "indicators", ["C"], ["C", "U"], Severity.MEDIUM, "Niger — +U", item="U")


def _weigh(changes, claims, note=NOTE_K, *, new=True, exhaustive=True):
    return weigh(
        changes,
        claims,
        note=note,
        note_is_new=new,
        field_witnessed=frozenset({"level"}),
        quiet_kinds=frozenset({"advisory_reissued"}),
        subject_name="Niger",
        note_exhaustive=exhaustive,
    )


def test_a_field_stands_whatever_the_note_says():
    testimony = _weigh([LEVEL], [Claim("level", "none", text="There was no change to the advisory level.")])
    assert [(c.kind, c.witnesses) for c in testimony.stated] == [("level_changed", (FIELD,))]


def test_a_reading_the_note_confirms_is_stated_with_both_witnesses_and_quotes_the_note():
    [told] = _weigh([K_ADDED], [Claim("indicators", "added", ("K",))]).alerting
    assert told.witnesses == (READING, NOTE) and told.details["note"] == NOTE_K


def test_a_reading_an_exhaustive_note_leaves_out_is_recorded_not_stated():
    testimony = _weigh([K_ADDED, U_ADDED], [Claim("indicators", "added", ("K",))])
    assert [c.item for c in testimony.stated] == ["K"]


def test_other_governments_notes_tell_the_headline_only():
    testimony = _weigh([LEVEL, U_ADDED], [Claim("level", "up", to=3)], exhaustive=False)
    assert [c.kind for c in testimony.stated] == ["level_changed", "indicator_added"]


def test_a_claim_no_reading_shows_is_stated_on_the_notes_word():
    [told] = _weigh([], [Claim("indicators", "added", ("K",))]).alerting
    assert (told.kind, told.item, told.witnesses) == ("indicator_added", "K", (NOTE,))


def test_without_a_new_note_readings_speak_for_themselves():
    testimony = _weigh([U_ADDED], [Claim("indicators", "added", ("K",))], new=False)
    assert [(c.item, c.witnesses) for c in testimony.stated] == [("U", (READING,))]
