"""Every government's wording on one 1–4 scale (the table docs/governments.md shows)."""

from __future__ import annotations

import pytest

from diffing.tiers import AU, CA, IE, UK, US, find_tier, mapping_table, native, tier_for

WORDINGS = [
    (US, "Reconsider Travel", 3),
    (US, "Do Not Travel", 4),
    (CA, "Avoid non-essential travel", 3),
    (CA, "Exercise a high degree of caution", 2),
    (AU, "Reconsider your need to travel", 3),
    (AU, "Do not travel", 4),
    (IE, "Avoid non-essential travel", 3),
    (IE, "Normal precautions", 1),
]


@pytest.mark.parametrize(("government", "wording", "tier"), WORDINGS)
def test_a_governments_wording_is_its_tier(government, wording, tier):
    assert tier_for(government, wording) == tier
    assert native(government, tier).lower() == wording.lower()


def test_a_tier_is_found_in_running_text():
    assert find_tier(CA, "Avoid non-essential travel to Peru.") == (3, len("Avoid non-essential travel"))
    assert find_tier(AU, "Reconsider your need to travel to: Niger") == (3, 30)
    assert (
        find_tier(CA, "Global Affairs Canada advises: avoid non-essential travel") is None
    )  # it must open the text


def test_unknown_wording_is_no_tier():
    assert tier_for(AU, "Be alert") is None


def test_the_mapping_table_has_a_row_per_government_and_tier():
    rows = mapping_table([US, UK, CA, AU, IE])
    assert [(row["government"], row["tier"]) for row in rows[:5]] == [
        ("US", 1),
        ("US", 2),
        ("US", 3),
        ("US", 4),
        ("UK", 1),
    ]
    assert len(rows) == 20
    assert rows[3]["native_level"] == "Do Not Travel"
