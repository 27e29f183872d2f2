"""Destination names and tags to ISO codes: the feed's spellings, other governments' spellings."""

from __future__ import annotations

import pytest

from diffing.countries import code_for_name, country_of, destination_hint, destination_key, destination_keys

NAMES = [
    ("Sao Tome and Principe", "ST"),
    ("São Tomé and Príncipe", "ST"),
    ("Burma (Myanmar)", "MM"),
    ("Côte d'Ivoire", "CI"),
    ("Cote d Ivoire", "CI"),
    ("The Gambia", "GM"),
    ("Democratic Republic of the Congo", "CD"),
    ("Republic of the Congo", "CG"),
    ("North Korea (Democratic People's Republic of Korea)", "KP"),
    ("South Korea", "KR"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
]


@pytest.mark.parametrize(("name", "code"), NAMES)
def test_names_as_governments_write_them(name, code):
    assert code_for_name(name) == code


def test_a_name_that_is_no_destination_is_none():
    assert code_for_name("Atlantis") is None


def test_the_feed_tag_is_fips_and_the_key_is_iso():
    # São Tomé's feed tag is the FIPS "TP" (East Timor's ISO code): the key must be ST.
    assert destination_key("TP", "Sao Tome and Principe") == "ST"


def test_sub_national_keys_belong_to_their_country():
    assert country_of("ES-CN") == "ES"
    assert country_of("PE") == "PE"


def test_urls_hint_at_their_destination():
    pages = "https://travel.state.gov/content/travel/en/international-travel/International-Travel-Country-Information-Pages"
    assert destination_hint(f"{pages}/SouthAfrica.html") == "South Africa"
    legacy = "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories/peru-travel-advisory.html"
    assert code_for_name(destination_hint(legacy) or "") == "PE"
    assert destination_hint("https://travel.state.gov/destination.sau.html") == "Saudi Arabia"
    assert (
        destination_hint("https://www.smartraveller.gov.au/destinations/americas/peru") is None
    )  # its page says


def test_codes_and_names_in_any_case_and_unknown_ones_named():
    known, unknown = destination_keys(["pe", "Mali", "Narnia"])
    assert known == {"PE", "ML"} and unknown == ["Narnia"]
