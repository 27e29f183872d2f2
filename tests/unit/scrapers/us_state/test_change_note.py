"""State's change notes read as claims (scrapers/us_state/change_note.py).

Every distinct note in the shared archives is parsed (none may raise); the claims of the wordings
below were read by hand from the notes themselves, one by one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.us_state import change_note, state_dept_feed
from tests.conftest import ARCHIVE, STATE_DEPT

L0, I0, A0 = "level: none", "indicators: none", "areas: none"

# note -> claims, read by hand.
HAND_READ = {
    "Reissued after periodic review with minor edits.": [L0, I0, A0],
    "Reissued after periodic review without changes.": [L0, I0, A0],
    "Reissued after periodic review with no changes.": [L0, I0, A0],
    "Reissued December 3, 2025 after review with no edits.": [L0, I0, A0],
    "There were no changes to the advisory level or risk indicators. Advisory summary was updated.": [L0, I0],
    "There was no change to the advisory level or indicators. Advisory summary was updated.": [L0, I0],
    "Reissued with obsolete COVID-19 page links removed.": [],
    "Reissued after periodic review with changes.": [],
    "Updated to reflect information on traveling with firearms and ammunition.": [],
    'Updated to reflect a shift to Level 2 "Exercise increased caution" for Mainland China.': [
        "level: changed to 2"
    ],
    'There was no change to the advisory level. The "health" risk indicator was added. Advisory summary was '
    "updated.": [L0, "indicators H: added"],
    'There was no change to the advisory level. The "health" risk indictor was added. Advisory summary was '
    "updated.": [L0, "indicators H: added"],
    "Updated to reflect change in overall travel advisory level from 3 to 2 due to decrease of election related "
    "protests, and addition of Niassa Special Reserve to Do Not Travel section.": [
        "level: down to 2",
        "areas: added",
    ],
    "Updated to remove the Level 4: Do Not Travel area near the border with Burundi and to reflect changes to "
    "the Level 4: Do Not Travel areas near the border with the Democratic Republic of the Congo.": [
        "areas: removed",
        "areas: changed",
    ],
    "Updated to add risk indicator for kidnapping.": ["indicators K: added"],
    "Updated to remove Crime indicator and to include area-specific Level 3 advisory for the border with "
    "Eritrea.": ["indicators C: removed", "areas: added"],
    "Updated to reflect lowering the Travel Advisory Level from Level 3 to Level 1 due to ongoing recovery "
    "efforts and removal of the Natural Disaster (N) indicator.": [
        "level: down to 1",
        "indicators N: removed",
    ],
    "Updated to reflect the addition of health and civil unrest indicators.": ["indicators H,U: added"],
    "Reissued after periodic review with changes to overall Travel Advisory level from level 1 to level 2 due "
    "to an increase in crime.": ["level: up to 2"],
    'The advisory level increased from Level 2 to 3. The "unrest" risk indicator was added.': [
        "level: up to 3",
        "indicators U: added",
    ],
    'The advisory level was increased to 2. The "unrest" risk indicator was added. An area of increased risk '
    "was added. The advisory summary was updated.": ["level: up to 2", "indicators U: added", "areas: added"],
    "Reissued after addition of terrorism indicator.": ["indicators T: added"],
    "Updated to reflect change to Travel Advisory Level 3.": ["level: changed to 3"],
    "Updated after periodic review to include an H indicator for health.": ["indicators H: added"],
    'The advisory level was increased to 2. The "crime" risk indicator was added. Areas of increased risk were '
    "removed. Advisory summary was updated.": ["level: up to 2", "indicators C: added", "areas: removed"],
    "The advisory level was decreased to Level 2. There were no changes to the risk indicators. The advisory "
    "summary was updated.": ["level: down to 2", I0],
    "Updated to reflect Travel Advisory Level Change from 1 to a 2 due to Terrorism, Crime, Civil Unrest, and "
    "Kidnapping.": ["level: up to 2"],
    'There was no change to the advisory level. The "unrest" risk indicator was added, and the "other" risk '
    "indicator was removed. Advisory Summary was updated.": [
        L0,
        "indicators U: added",
        "indicators O: removed",
    ],
    "Updated to reflect change in Travel Advisory from a Level 3 to a Level 2 and removing the \u201cE\u201d "
    "(time-limited event) indicator related to the catastrophic 2023 fuel depot explosion and its "
    "after-effects.": ["level: down to 2", "indicators E: removed"],
    "There was no change to the advisory level. An area of increased risk was added. Advisory summary was "
    "updated.": [L0, "areas: added"],
    "There were no changes to the advisory level or risk indicators. An area of increased risk was updated. "
    "Advisory summary was updated to reflect changes to the U.S. mission operations.": [
        L0,
        I0,
        "areas: changed",
    ],
    'The travel advisory level decreased to 3. The "Wrongful Detention," "Unrest," and "Other" risk '
    "indicators were removed. Areas of increased risk were added. Advisory summary was updated to reflect "
    "changes to U.S. embassy operations.": ["level: down to 3", "indicators D,O,U: removed", "areas: added"],
    'There was no change to the advisory level. The "other" risk indicator was updated to include exit bans '
    "and communication disruptions. The advisory summary was updated.": [L0, "indicators O: changed"],
    'There was no change to the advisory level. The "other" risk indicator was added for landmine risk and '
    'the "unrest" indicator for Transnistria. Advisory summary was updated.': [
        L0,
        "indicators O: added",
        "indicators U: added",
    ],
    'There was no change to the advisory level. The "health" risk indicator was added. The "unrest" indicator '
    "was removed from the area of increased risk. Advisory summary was updated.": [
        L0,
        "indicators H: added",
        "indicators U: removed",
    ],
    "There was no change to the advisory level. The 3 areas of increased risk were combined into 1. The "
    "Advisory Summary was updated.": [L0, "areas: changed"],
    'The advisory level was increased to 4. The "health" indicator was added. Advisory summary was updated.': [
        "level: up to 4",
        "indicators H: added",
    ],
    "The advisory level remains at 3. There were no changes to the risk indicators. Advisory summary was "
    "updated to reflect changes to U.S. embassy operations.": [L0, I0],
    "Reissued after periodic review with a change in level.": ["level: changed"],
    "There were no changes to the advisory level or risk indicators. Advisory summary was updated. The "
    "geographic area in Sabah State subject to Level 2 carveout with a K indicator was revised.": [
        L0,
        I0,
        "areas: changed",
    ],
}


@pytest.mark.parametrize("note", sorted(HAND_READ))
def test_hand_read_claims(note):
    assert [c.describe() for c in change_note.claims(note)] == HAND_READ[note]


def _every_note() -> set[str]:
    files = [*sorted(ARCHIVE.glob("*.xml")), *sorted(Path(STATE_DEPT).glob("*.xml"))]
    return {
        e.record["change_note"]
        for f in files
        for e in state_dept_feed.extract(f.read_bytes()).records
        if e.record["change_note"]
    }


def test_every_note_in_the_archives_parses():
    notes = _every_note()
    assert len(notes) >= 150
    parsed = {n: change_note.claims(n) for n in notes}
    with_claims = [n for n, c in parsed.items() if c]
    # Notes that say nothing checkable ("Updated to reflect information on …") make no claims.
    assert len(with_claims) >= 90, len(with_claims)
    assert len(HAND_READ) >= 30 and set(HAND_READ) - notes <= {
        n
        for n in HAND_READ
        if "\u201c" in n  # the typographic-quote variant of a listed note
    }
