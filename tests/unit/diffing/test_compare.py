"""Typed changes between two records, with the feed's field specs (scrapers/us_state/state_dept_feed.py)."""

from __future__ import annotations

from diffing.changes import Change, Severity
from diffing.compare import (
    ITEM_KEY_BYTES,
    compare_records,
    material_equal,
    unique_changes,
)
from scrapers.us_state import state_dept_feed

FIELDS = state_dept_feed.fields  # level, indicators, areas (same_area), the edition date
KENYA = {
    "key": "KE",
    "country_name": "Kenya",
    "level": 2,
    "indicators": ["C", "H", "K", "T"],
    "areas": [{"name": "Kenya-Somalia border counties", "level": 4}, {"name": "Coastal areas", "level": 3}],
    "issued": "2025-07-01",
}


def _kinds(changes: list[Change]) -> list[tuple[str, str | None, object, object]]:
    return [(c.kind, c.item, c.old, c.new) for c in changes]


def test_a_raise_an_indicator_and_an_area_in_one_edition():
    new = {
        **KENYA,
        "level": 3,
        "indicators": ["C", "D", "H", "K", "T"],
        "areas": [*KENYA["areas"], {"name": "Lamu County", "level": 4}],
        "issued": "2025-09-01",
    }
    changes = compare_records(FIELDS, KENYA, new)
    assert [c.kind for c in changes] == ["level_changed", "indicator_added", "area_added"]  # no reissue
    assert [c.severity for c in changes] == [Severity.HIGH, Severity.HIGH, Severity.HIGH]
    assert changes[0].summary == "Kenya — Level 2 → Level 3"


def test_an_area_respelled_is_no_change_an_area_moved_a_level_is_one():
    respelled = {**KENYA, "areas": [{"name": "Kenya–Somalia border counties", "level": 4}, KENYA["areas"][1]]}
    assert compare_records(FIELDS, KENYA, respelled) == []
    moved = {**KENYA, "areas": [KENYA["areas"][0], {"name": "Coastal areas", "level": 4}]}
    [change] = compare_records(FIELDS, KENYA, moved)
    assert (change.kind, change.item, change.severity) == (
        "area_level_changed",
        "Coastal areas",
        Severity.CRITICAL,
    )


def test_two_areas_of_one_name_are_told_apart_by_level():
    # Kenya carried two "Specified Areas" sections, Level 4 and Level 3, for months.
    twins = {
        **KENYA,
        "areas": [{"name": "Specified Areas", "level": 4}, {"name": "Specified Areas", "level": 3}],
    }
    only_one = {**KENYA, "areas": [{"name": "Specified Areas", "level": 4}]}
    [change] = compare_records(FIELDS, twins, only_one)
    assert change.kind == "area_removed" and change.item == "Specified Areas (level 3)"


def test_a_new_edition_saying_nothing_new_is_a_reissue():
    [change] = compare_records(FIELDS, KENYA, {**KENYA, "issued": "2025-08-01"})
    assert (change.kind, change.old, change.new, change.severity) == (
        "advisory_reissued",
        "2025-07-01",
        "2025-08-01",
        Severity.INFO,
    )
    assert material_equal(FIELDS, KENYA, {**KENYA, "issued": "2025-08-01"})


def test_repeated_kind_and_item_never_collide():
    a = Change("area_added", "areas", None, {"name": "X", "level": 4}, Severity.HIGH, "", item="X")
    b = Change("area_added", "areas", None, {"name": "X", "level": 3}, Severity.MEDIUM, "", item="X")
    assert [c.item for c in unique_changes([a, a, b])] == ["X", "X #2"]


def test_an_item_too_long_for_an_index_is_bounded_and_kept_apart():
    long_a, long_b = "a" * 1000, "a" * 999 + "b"
    changes = unique_changes(
        [Change("area_added", "areas", None, n, Severity.MEDIUM, "", item=n) for n in (long_a, long_b)]
    )
    assert all(len(c.item.encode()) <= ITEM_KEY_BYTES for c in changes)
    assert changes[0].item != changes[1].item and changes[1].new == long_b
