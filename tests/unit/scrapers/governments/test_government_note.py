"""The governments' update notes read as claims (the UK's "Latest update" lines from ../shared)."""

from __future__ import annotations

from scrapers.governments.government_note import claims


def _read(note: str, key: str, name: str) -> list[tuple]:
    record = {"government": "UK", "key": key, "country_name": name}
    return [(c.subject, c.change, c.to, c.news) for c in claims(note, record)]


def test_a_whole_country_raise_is_a_level_claim():
    assert _read("FCDO now advises against all but essential travel to Madagascar.", "MG", "Madagascar") == [
        ("level", "changed", 3, True)
    ]


def test_no_longer_advising_against_the_country_is_a_lowering():
    assert _read("FCDO no longer advises against all but essential travel to Mayotte.", "YT", "Mayotte") == [
        ("level", "down", None, True)
    ]


def test_a_part_of_the_country_is_an_area_claim():
    [claim] = claims(
        "FCDO now advises against all travel to the Babuyan Islands.",
        {"government": "UK", "key": "PH", "country_name": "Philippines"},
    )
    assert (claim.subject, claim.change) == ("areas", "added") and "Babuyan Islands" in claim.place


def test_no_note_no_claims():
    assert claims(None, {"government": "UK", "key": "FR", "country_name": "France"}) == []
