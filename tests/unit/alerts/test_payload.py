"""The alert payload: one shape for every source and sink, led by the level change (São Tomé's real
raise of 2025-10-08: Level 1 → 2 and the health indicator)."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.payload import (
    AlertPayload,
    DigestPayload,
    change_payload,
    ops_payload,
    parse_payload,
    primary_change,
)
from diffing.changes import Change, Severity
from diffing.tiers import US

WHEN = datetime(2025, 10, 8, 12, tzinfo=UTC)
LEVEL = Change("level_changed", "level", 1, 2, Severity.MEDIUM, "Sao Tome and Principe — Level 1 → Level 2")
HEALTH = Change(
    "indicator_added", "indicators", [], ["H"], Severity.MEDIUM, "Sao Tome and Principe — +H Health", item="H"
)
OLD = {
    "key": "ST",
    "country": "ST",
    "country_name": "Sao Tome and Principe",
    "level": 1,
    "text": "Exercise normal precautions.",
}
NEW = {
    **OLD,
    "level": 2,
    "text": "Exercise increased caution due to health risks.",
    "url": "https://travel.state.gov/st",
}


def test_the_level_change_leads_whatever_the_order():
    assert primary_change([HEALTH, LEVEL]) is LEVEL
    low = Change("indicator_removed", "indicators", ["C"], [], Severity.INFO, "x", item="C")
    assert primary_change([low, HEALTH]) is HEALTH  # no level change: the most severe


def test_a_change_payload_names_the_level_then_the_rest_with_the_diff_and_history_link():
    payload = change_payload(
        source="state-dept-feed",
        changes=[HEALTH, LEVEL],
        old_record=OLD,
        new_record=NEW,
        observed_at=WHEN,
        from_snapshot=372,
        to_snapshot=406,
        history_base_url="http://127.0.0.1:8000/",
        government=US,
    )
    assert (payload.kind, payload.old, payload.new, payload.severity) == (
        "level_changed",
        1,
        2,
        "medium",
    )
    assert payload.summary == "Sao Tome and Principe — Level 1 → Level 2; +H Health"
    assert payload.government == "US" and payload.observed_at == "2025-10-08T12:00:00+00:00"
    assert [c["kind"] for c in payload.changes] == ["level_changed", "indicator_added"]
    assert payload.diff == "Exercise [-normal precautions.-][+increased caution due to health risks.+]"
    assert payload.history_url == "http://127.0.0.1:8000/diff/372/406"


def test_the_alerting_changes_set_the_severity_the_others_ride_along():
    critical = Change(
        "area_added", "areas", None, {"name": "X", "level": 4}, Severity.CRITICAL, "+X", item="X"
    )
    payload = change_payload(
        source="state-dept-feed",
        changes=[LEVEL, critical],
        old_record=OLD,
        new_record=NEW,
        observed_at=WHEN,
        from_snapshot=1,
        to_snapshot=2,
        alerting=[LEVEL],
    )
    assert payload.severity == "medium" and len(payload.changes) == 2


def test_an_ops_payload_has_the_same_keys_and_says_it_is_for_ops():
    payload = ops_payload(source="state-dept-feed", kind="fetch_failed", summary="down", observed_at=WHEN)
    assert payload.ops is True and payload.severity == "high" and payload.country == ""
    shared = set(change_payload(
        source="s", changes=[LEVEL], old_record=None, new_record=NEW, observed_at=WHEN, from_snapshot=None,
        to_snapshot=1,
    ).to_json())  # fmt: skip
    assert {"source", "kind", "severity", "observed_at", "summary", "url", "diff"} <= shared & set(
        payload.to_json()
    )


def test_a_stored_payload_reads_back_to_the_same_json_keeping_keys_it_does_not_know():
    """Stored payloads are read back by delivery, escalation and the history browser: the round trip
    loses nothing, keys in their order, even one a later version no longer writes."""
    change = change_payload(
        source="s", changes=[LEVEL], old_record=None, new_record=NEW, observed_at=WHEN, from_snapshot=None,
        to_snapshot=1,
    ).to_json()  # fmt: skip
    ops = ops_payload(source="s", kind="fetch_failed", summary="down", observed_at=WHEN).to_json()
    for stored in (change, ops, {**ops, "legacy": {"kept": 1}}):
        again = AlertPayload.from_json(stored).to_json()
        assert again == stored and list(again) == list(stored)
    assert "changes" not in ops and "from_snapshot" not in ops and ops["error"] == ""
    assert change["from_snapshot"] is None and "error" not in change and "ops" not in change
    digest = {
        "source": "digest", "kind": "digest", "digest": True, "channel": "#d", "title": "T",
        "items": [{"source": "s", "country": "PE", "key": "PE", "country_name": "Peru", "kind": "k",
                   "severity": "high", "summary": "Peru — x", "changes": [{"kind": "k"}], "what": "x"}],
        "severity": "high", "observed_at": "2026-01-01T00:00:00+00:00", "summary": "1 change(s)",
        "country": "", "key": "",
    }  # fmt: skip
    parsed = parse_payload(digest)
    assert isinstance(parsed, DigestPayload) and parsed.items[0].place == "Peru"
    assert parsed.to_json() == digest and list(parsed.to_json()) == list(digest)
