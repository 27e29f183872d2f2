"""The noise rule, case by case: each line below is one rule of diffing/acceptance.py's docstring,
with the feed's own shapes (a level, indicators, an issue date). The 120 real days that proved the rule
are replayed in tests/scenarios/test_noise_discipline.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diffing.acceptance import AcceptancePolicy, DatedEditionPolicy, Decision
from diffing.changes import Severity, level_change_severity
from diffing.compare import EditionField, ScalarField, SetField

FIELDS = (
    ScalarField("level", "level_changed", level_change_severity),
    SetField(
        "indicators",
        "indicator_added",
        "indicator_removed",
        lambda _: Severity.MEDIUM,
        lambda _: Severity.INFO,
    ),
    EditionField("issued"),
)
NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
CONFIRMED = {"key": "UG", "level": 3, "indicators": ["C", "T"], "issued": "2026-01-10", "text": "a"}


def _record(**changes: object) -> dict:
    return {**CONFIRMED, **changes}


CASES = [
    # (why, pending, candidate, decision)
    ("first sight of a destination", None, None, Decision.BASELINE),
    ("the same record again", None, _record(), Decision.UNCHANGED),
    ("1. an issue date in the future", None, _record(issued="2033-01-10", level=4), Decision.IMPLAUSIBLE),
    ("1. an issue date in year 0017", None, _record(issued="0017-01-10", level=4), Decision.IMPLAUSIBLE),
    ("1. a feed item without its date", None, _record(issued=None), Decision.IMPLAUSIBLE),
    ("3. an older edition: a stale copy", None, _record(issued="2025-11-01", level=1), Decision.STALE),
    ("4. same edition, other wording", None, _record(text="b", indicators=["C"]), Decision.SAME_EDITION),
    ("5. a newer edition moving the level", None, _record(issued="2026-01-30", level=4), Decision.ACCEPTED),
    (
        "6. a newer edition adding an indicator",
        None,
        _record(issued="2026-01-30", indicators=["C", "K", "T"]),
        Decision.PENDING,
    ),
    (
        "6. ... seen again: confirmed",
        _record(issued="2026-01-30", indicators=["C", "K", "T"]),
        _record(issued="2026-01-30", indicators=["C", "K", "T"]),
        Decision.CONFIRMED,
    ),
    (
        "6. ... a different one next: still pending",
        _record(issued="2026-01-30", indicators=["C", "K", "T"]),
        _record(issued="2026-01-31", indicators=["C", "T", "U"]),
        Decision.PENDING,
    ),
    ("6. a reissue alone (new date) is held", None, _record(issued="2026-01-30"), Decision.PENDING),
]


@pytest.mark.parametrize(("why", "pending", "candidate", "decision"), CASES, ids=[c[0] for c in CASES])
def test_the_dated_edition_rule(why, pending, candidate, decision):
    confirmed = None if candidate is None else CONFIRMED
    verdict = DatedEditionPolicy().decide(FIELDS, confirmed, pending, candidate or CONFIRMED, NOW)
    assert verdict.decision is decision


def test_2_the_newest_edition_wins_and_equal_dates_keep_feed_order():
    older, newer, twin = (
        _record(issued="2025-12-01"),
        _record(issued="2026-01-20"),
        _record(issued="2026-01-20"),
    )
    assert DatedEditionPolicy().pick([older, newer, twin]) is newer


def test_a_page_edited_in_place_without_a_new_date_may_be_accepted():
    policy = DatedEditionPolicy(same_date_edits=True)
    assert policy.decide(FIELDS, CONFIRMED, None, _record(level=4), NOW).decision is Decision.ACCEPTED


def test_a_page_whose_date_may_be_missing_is_read_for_what_it_says():
    policy = DatedEditionPolicy(require_date=False)
    assert (
        policy.decide(FIELDS, CONFIRMED, None, _record(issued=None, level=4), NOW).decision
        is Decision.ACCEPTED
    )


def test_sources_without_editions_accept_any_difference_at_once():
    policy = AcceptancePolicy()
    assert policy.decide(FIELDS, None, None, CONFIRMED, NOW).decision is Decision.BASELINE
    assert (
        policy.decide(FIELDS, CONFIRMED, None, _record(indicators=["C"]), NOW).decision is Decision.ACCEPTED
    )
    assert policy.decide(FIELDS, CONFIRMED, None, _record(), NOW).decision is Decision.UNCHANGED


def test_what_a_verdict_does_to_the_pending_record():
    assert Decision.ACCEPTED in {Decision.BASELINE, Decision.ACCEPTED, Decision.CONFIRMED}
    policy = DatedEditionPolicy()
    held = policy.decide(FIELDS, CONFIRMED, None, _record(issued="2026-01-30"), NOW)
    assert held.becomes_pending and not held.becomes_confirmed and not held.drops_pending
    reverted = policy.decide(FIELDS, CONFIRMED, _record(issued="2026-01-30"), _record(), NOW)
    assert reverted.decision is Decision.UNCHANGED and reverted.drops_pending  # 6. a reversion drops it
