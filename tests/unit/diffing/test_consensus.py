"""Governments that agree, and governments that part ways: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diffing.areas import same_area
from diffing.changes import Severity
from diffing.consensus import Raise, cluster, consensus_severity, disagreements

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _raise(government: str, days: float, new: int = 3, change_id: int = 1) -> Raise:
    return Raise(
        government, f"{government.lower()}-source", change_id, T0 + timedelta(days=days), new - 1, new, ""
    )


def test_raises_within_seven_days_stand_together_one_per_government():
    latest = _raise("UK", 6, change_id=9)
    found = cluster([_raise("US", 0, change_id=1), _raise("US", 2, change_id=2), _raise("CA", -1.5)], latest)
    # The U.S.'s newer raise counts once; Canada's is 7.5 days before the latest: outside the window.
    assert [(r.government, r.change_id) for r in found] == [("US", 2), ("UK", 9)]


def test_the_window_is_inclusive_at_seven_days():
    assert len(cluster([_raise("US", 0)], _raise("UK", 7))) == 2
    assert len(cluster([_raise("US", 0)], _raise("UK", 7.01))) == 1


def test_three_governments_or_a_tier_4_is_critical_else_high():
    assert consensus_severity([_raise("US", 0), _raise("UK", 1)]) is Severity.HIGH
    assert consensus_severity([_raise("US", 0), _raise("UK", 1), _raise("CA", 2)]) is Severity.CRITICAL
    assert consensus_severity([_raise("US", 0), _raise("UK", 1, new=4)]) is Severity.CRITICAL


def test_tiers_two_apart_disagree_one_apart_do_not():
    record = {"key": "ML", "country_name": "Mali", "level": 4, "native_level": "Do Not Travel", "areas": []}
    others = {"CA": {"level": 3, "native_level": "Avoid non-essential travel"}, "UK": {"level": 2}}
    [found] = disagreements(record, "US", others, same_area)
    assert (found.kind, found.item, found.severity) == ("governments_disagree", "level:UK", Severity.INFO)
    assert found.summary == "Mali — US tier 4 (Do Not Travel), UK tier 2 (None)"


def test_a_do_not_travel_area_the_other_does_not_name_is_a_disagreement():
    record = {
        "key": "CO",
        "country_name": "Colombia",
        "level": 3,
        "areas": [
            {"name": "Arauca", "level": 4},
            {"name": "Cauca", "level": 4},
            {"name": "Bogotá", "level": 3},
        ],
    }
    others = {"UK": {"level": 2, "areas": [{"name": "Cauca department"}]}, "AU": {"level": 4, "areas": []}}
    found = disagreements(record, "US", others, same_area)
    # Cauca is named by the UK (same area); Bogotá is not "do not travel"; Australia says tier 4 to all.
    assert [c.item for c in found] == ["area:UK:Arauca"]
