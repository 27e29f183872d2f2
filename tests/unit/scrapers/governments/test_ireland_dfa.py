"""Ireland's DFA: records read by hand from its corpus (records_read_by_hand.yaml)."""

from __future__ import annotations

import pytest

from tests.unit.scrapers.governments.read_by_hand import cases, check, needs_corpus, record

SOURCE = "ireland-dfa"
pytestmark = needs_corpus


@pytest.mark.parametrize("case", cases(SOURCE))
def test_records_read_by_hand(case):
    check(SOURCE, case)


def test_ireland_writes_no_update_reason():
    assert record(SOURCE, "Peru", "2026-01-09T051024Z")["update_reason"] is None
