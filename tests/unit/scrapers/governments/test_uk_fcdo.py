"""UK FCDO (GOV.UK Content API answers and the archive's Markdown): records read by hand from its corpus
(records_read_by_hand.yaml)."""

from __future__ import annotations

import pytest

from tests.unit.scrapers.governments.read_by_hand import cases, check, needs_corpus, record

SOURCE = "uk-fcdo"
pytestmark = needs_corpus


@pytest.mark.parametrize("case", cases(SOURCE))
def test_records_read_by_hand(case):
    check(SOURCE, case)


def test_the_update_reason_is_the_governments_own_words():
    assert record(SOURCE, "Madagascar", "2025-09-27T061038Z")["update_reason"] == (
        "FCDO now advises against all but essential travel to Madagascar."
    )
