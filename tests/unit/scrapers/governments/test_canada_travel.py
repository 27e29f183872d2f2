"""Global Affairs Canada: records read by hand from its corpus (records_read_by_hand.yaml)."""

from __future__ import annotations

import pytest

from tests.unit.scrapers.governments.read_by_hand import cases, check, needs_corpus, record

SOURCE = "canada-travel"
pytestmark = needs_corpus


@pytest.mark.parametrize("case", cases(SOURCE))
def test_records_read_by_hand(case):
    check(SOURCE, case)


def test_the_update_reason_is_the_governments_own_words():
    assert record(SOURCE, "Peru", "2026-02-27T072159Z")["update_reason"] == (
        "Natural disasters and climate – updated information on the closure of the Salkantay Trail"
    )


def test_a_re_stamp_changes_no_compared_field():
    """Canada re-stamps ``update_date`` nearly daily: Peru has 60 moments, most only a new info.json."""
    from diffing.compare import compare_records
    from scrapers import registry

    before = record(SOURCE, "Peru", "2026-02-05T072844Z")
    after = record(SOURCE, "Peru", "2026-02-27T072159Z")
    assert before["updated"] != after["updated"]
    assert compare_records(registry.load(SOURCE).fields, before, after) == []
