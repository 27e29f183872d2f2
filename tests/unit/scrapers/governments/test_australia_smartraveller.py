"""DFAT Smartraveller: records read by hand from its corpus (records_read_by_hand.yaml)."""

from __future__ import annotations

import pytest

from tests.unit.scrapers.governments.read_by_hand import cases, check, needs_corpus, record

SOURCE = "australia-smartraveller"
pytestmark = needs_corpus


@pytest.mark.parametrize("case", cases(SOURCE))
def test_records_read_by_hand(case):
    check(SOURCE, case)


def test_the_update_reason_is_the_governments_own_words():
    assert record(SOURCE, "Peru", "2025-06-04T132119Z")["update_reason"].startswith(
        "We continue to advise exercise a high degree of caution in Peru overall"
    )
