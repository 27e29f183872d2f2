"""Emergency numbers from the country pages' prose, in the shapes the pages really write them (the
module docstring quotes each one from ../shared)."""

from __future__ import annotations

import pytest

from scrapers.us_state.emergency_numbers import normalise, numbers_in

SENTENCES = [
    (
        "Fire: 311, Police: 211, Ambulance: 511",
        "BZ",
        [("fire", "311"), ("police", "211"), ("ambulance", "511")],
    ),
    ("Dial 110 for police", "CN", [("police", "110")]),
    ("190 - Policia (Police)", "BR", [("police", "190")]),
    (
        "Report crimes to the local police at 999, 112 or 911 and contact the U.S. Embassy at "
        "+254 (0) 20-363-6451",
        "KE",
        [("police", "999"), ("police", "112"), ("police", "911"), ("embassy", "+254203636451")],
    ),
]


@pytest.mark.parametrize(("sentence", "region", "numbers"), SENTENCES, ids=[s[0][:30] for s in SENTENCES])
def test_each_number_belongs_to_the_service_it_is_given_for(sentence, region, numbers):
    assert numbers_in(sentence, region) == numbers


def test_reformatting_a_number_is_not_a_change():
    assert normalise("822-4011", "BZ") == normalise("+501 822-4011", "BZ") == "+5018224011"


def test_a_date_or_a_count_is_not_a_number():
    assert numbers_in("On March 15 2025 there were 17 incidents.", "PE") == []
