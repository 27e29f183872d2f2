"""The UK, Canadian, Australian and Irish extractors over every moment of the shared corpus.

``../shared/fixtures/governments/{unitedkingdom,canada,australia,ireland}``: 6,908 moments of 563
destinations, March 2025 - February 2026, as the archive's Markdown plus its ``info.json``. Each
moment is read as its source reads it (the moment's bundle: every file as it stood then). Every
document extracts or fails with a named error; the expectations below were read by hand from the
documents (the quoted words are theirs) — the level statements, the area headings or lists, the
"Updated" / ``update_date`` / ``last_updated`` dates.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from diffing import tiers
from scrapers import registry
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from scrapers.text.corpus_moment import bundle_bytes, moments
from tests.conftest import ROOT, SHARED

GOVERNMENTS = SHARED / "fixtures" / "governments"
FOLDERS = {
    "uk-fcdo": "unitedkingdom",
    "canada-travel": "canada",
    "australia-smartraveller": "australia",
    "ireland-dfa": "ireland",
}
# Moments in the shared corpus; a source must read every one of them.
FLOORS = {"uk-fcdo": 1161, "canada-travel": 4501, "australia-smartraveller": 365, "ireland-dfa": 881}
NAMED_ERRORS = (LayoutNotRecognised, DestinationNotRecognised, FieldMissing)
pytestmark = pytest.mark.skipif(
    not GOVERNMENTS.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


def _record(source_name: str, destination: str, moment: str) -> dict:
    source = registry.load(source_name)
    folder = GOVERNMENTS / FOLDERS[source_name] / destination
    content = bundle_bytes(folder, moment, source.corpus_roles)
    assert content is not None, (destination, moment)
    return source.extract(content, url=(folder / moment).as_uri()).records[0].record


@pytest.mark.parametrize("source_name", sorted(FOLDERS))
def test_every_moment_extracts_or_fails_with_a_named_error(source_name):
    source = registry.load(source_name)
    seen, refused = 0, {}
    for _, destination, moment in moments(GOVERNMENTS / FOLDERS[source_name], source.corpus_roles):
        content = bundle_bytes(destination, moment, source.corpus_roles)
        if content is None:
            continue
        seen += 1
        try:
            record = source.extract(content, url=(destination / moment).as_uri()).records[0].record
        except NAMED_ERRORS as exc:  # anything else is a crash and fails the test
            refused[f"{destination.name}/{moment}"] = f"{type(exc).__name__}: {exc}"
            continue
        assert record["level"] in (1, 2, 3, 4)
        assert record["native_level"] and record["government"] == source.government.code
        assert all(a["level"] in (1, 2, 3, 4) and a["name"] for a in record["areas"])
    assert seen >= FLOORS[source_name]
    # None of the corpus is refused today; this lists any that are, with the reason.
    assert refused == {}, refused


def test_australia_levels_agree_with_the_archives_own_reading():
    """info.json's ``advisory_level`` is the archive's own reading of each Smartraveller page."""
    source = registry.load("australia-smartraveller")
    checked = 0
    for _, destination, moment in moments(GOVERNMENTS / "australia", source.corpus_roles):
        content = bundle_bytes(destination, moment, source.corpus_roles)
        info = json.loads(json.loads(content)["files"]["info"])
        record = source.extract(content, url="").records[0].record
        assert record["level"] == tiers.tier_for(tiers.AU, info["advisory_level"]), (destination.name, moment)
        checked += 1
    assert checked >= 365


# Read by hand: destination folder, moment, key, tier, "updated", {area: tier} that must be there.
UK = [
    ("Peru", "2025-12-11T062209Z", "PE", 2, "2025-12-10",
     {"Within 20km south of the Peru-Colombia border": 3,
      "Valley of the Apurímac, Ene, and Mantaro Rivers (VRAEM)": 3}),
    # "## FCDO advises against all travel to Russia"
    ("Russia", "2026-01-31T061826Z", "RU", 4, "2026-01-30", {}),
    ("Kenya", "2025-03-25T213520Z", "KE", 2, "2024-11-04",
     {"Kenya-Somalia border and northern parts of the east coast": 3}),
    # "… all but essential travel to the capital city of Niamey, and … all travel to the rest of Niger."
    ("Niger", "2025-03-25T213520Z", "NE", 3, "2025-02-24", {"the capital city of Niamey": 3}),
    # "… all travel to Libya except for the cities of …" / "… all but essential travel to the cities of …"
    ("Libya", "2025-04-11T061240Z", "LY", 3, "2025-04-10",
     {"the cities of Tripoli, Benghazi and Misrata": 3}),
    ("Spain", "2026-02-19T063305Z", "ES", 1, "2026-02-18", {}),
    # "The FCDO advises against all but essential travel to Madagascar"
    ("Madagascar", "2025-09-27T061038Z", "MG", 3, "2025-09-26", {}),
    ("Mayotte", "2025-07-29T062911Z", "YT", 1, "2025-07-28", {}),  # "no longer advises against …"
    ("Bangladesh", "2026-02-06T062841Z", "BD", 3, "2026-02-05", {}),
    # "FCDO currently advises against all travel to Israel and the Occupied Palestinian Territories."
    ("Israel", "2025-06-16T061445Z", "IL", 4, "2025-06-15", {}),
    ("Ukraine", "2026-01-16T061545Z", "UA", 3, "2026-01-15", {"Crimea": 4, "Lviv": 3, "Volyn": 3}),
    ("Mexico", "2026-02-28T061844Z", "MX", 2, "2026-02-27", {"State of Zacatecas": 3, "State of Sinaloa": 3}),
]  # fmt: skip
CANADA = [
    ("Peru", "2026-02-27T072159Z", "PE", 2, "2026-02-26",
     {"Valley of the Apurímac, Ene and Mantaro Rivers (VRAEM)": 4, "Upper Huallaga River Valley": 3,
      "Border area with Colombia": 3, "Border area with Ecuador": 3}),
    ("Afghanistan", "2026-02-05T072844Z", "AF", 4, "2026-02-04", {}),  # "AFGHANISTAN - AVOID ALL TRAVEL"
    # "Regional Advisory - Avoid non-essential travel": the states listed under it
    ("Mexico", "2026-02-27T072159Z", "MX", 2, "2026-02-26", {"Chiapas": 3, "Sinaloa": 3, "Zacatecas": 3}),
    ("Ukraine", "2026-02-05T072844Z", "UA", 4, "2026-02-04", {}),
    ("Qatar", "2026-02-28T071129Z", "QA", 2, "2026-02-27", {}),
    ("France", "2026-02-05T072844Z", "FR", 2, "2026-02-04", {}),
    ("Bermuda", "2026-02-08T071939Z", "BM", 1, "2026-02-06", {}),
    ("Madagascar", "2026-02-12T072607Z", "MG", 2, "2026-02-11", {}),
    ("Hong Kong", "2026-02-05T072844Z", "HK", 2, "2026-02-04", {}),
    ("Israel and Palestine", "2026-02-28T071129Z", "IL", 3, "2026-02-27",
     {"PALESTINE": 4, "JERUSALEM": 3, "Border with Syria": 4, "Border with the Gaza Strip": 4}),
]  # fmt: skip
AUSTRALIA = [
    ("Peru", "2025-06-04T132119Z", "PE", 2, "2025-06-04",
     {"within 20km of the border with Colombia": 3,
      "areas bordering Ecuador in the regions of Loreto, Amazonas and Cajamarca": 3,
      "the Valley of the Apurimac, Ene and Mantaro rivers (VRAEM)": 3}),
    ("Colombia", "2025-07-29T132451Z", "CO", 2, "2025-07-29",
     {"the Catatumbo region in Norte de Santander and Cesar": 4, "Arauca": 3, "Vichada": 3}),
    ("Ukraine", "2025-07-16T132245Z", "UA", 4, "2025-07-16", {}),  # "Do not travel to Ukraine."
    ("Japan", "2025-07-31T132350Z", "JP", 1, "2025-07-31",
     {"the restricted areas near the Fukushima Dai-ichi nuclear power plant": 3}),
    ("Spain", "2025-08-13T132217Z", "ES", 1, "2025-08-13", {}),
    ("Qatar", "2025-08-01T132316Z", "QA", 1, "2025-08-01", {}),
    ("Israel and the Occupied Palestinian Territories", "2025-07-25T132228Z", "IL", 3, "2025-07-25",
     {"Gaza and areas near the border with Gaza": 4, "border areas with Lebanon": 4,
      "the West Bank (excluding East Jerusalem)": 4}),
    ("Mozambique", "2025-08-01T132316Z", "MZ", 2, "2025-08-01",
     {"Cabo Delgado province": 4, "Erati and Memba districts of Nampula province": 4}),
    ("Philippines", "2025-07-31T132350Z", "PH", 2, "2025-07-31",
     {"the Sulu Archipelago": 4, "the southern Sulu Sea area": 4}),
    ("Ethiopia", "2025-07-09T132109Z", "ET", 3, "2025-07-09",
     {"Amhara Regional State": 4, "Tigray Regional State": 4}),
    ("Germany", "2025-08-13T132217Z", "DE", 1, "2025-08-13", {}),
]  # fmt: skip
IRELAND = [
    ("Peru", "2026-01-09T051024Z", "PE", 2, "2026-01-08", {}),  # "Security Status: High Degree of Caution"
    # "Avoid Non Essential Travel" / "strongly advised against all travel to: * Areas south of the Litani …"
    ("Lebanon", "2026-01-16T051049Z", "LB", 3, "2026-01-15",
     {"Areas south of the Litani River": 4, "the Beqaa Valley": 4, "the city of Tripoli": 4,
      "Akkar Governorate": 4}),
    # "strongly advised to avoid all non-essential travel to the Pakistan-Afghanistan border regions"
    ("Pakistan", "2025-11-01T050814Z", "PK", 2, "2025-10-31", {"the Pakistan-Afghanistan border regions": 3}),
    ("Ukraine", "2026-02-13T053226Z", "UA", 4, "2026-02-12", {}),  # "Do Not Travel"
    ("France", "2026-02-05T052917Z", "FR", 1, "2026-02-04", {}),
    ("Mexico", "2026-02-26T053133Z", "MX", 2, "2026-02-25", {}),
    ("Madagascar", "2025-11-13T050755Z", "MG", 2, "2025-11-12", {}),
    # "continues to advise against all but essential travel to the Chittagong Hill Tracts"
    ("Bangladesh", "2026-02-21T052208Z", "BD", 2, "2026-02-20", {"the Chittagong Hill Tracts": 3}),
    ("Guinea-Bissau", "2025-12-03T050749Z", "GW", 3, "2025-12-02", {}),  # "**Avoid Non-Essential Travel**"
    ("Colombia", "2025-12-17T050916Z", "CO", 2, "2025-12-16", {}),
    # "Israel: High Degree of Caution" / "Palestine: Do Not Travel"
    ("Israel and the Occupied Territories", "2025-11-20T050825Z", "IL", 2, None, {"Palestine": 4}),
]  # fmt: skip
READ_BY_HAND = [
    (source, *row)
    for source, rows in (
        ("uk-fcdo", UK),
        ("canada-travel", CANADA),
        ("australia-smartraveller", AUSTRALIA),
        ("ireland-dfa", IRELAND),
    )
    for row in rows
]


@pytest.mark.parametrize(
    ("source_name", "folder", "moment", "key", "level", "updated", "areas"), READ_BY_HAND
)
def test_records_read_by_hand(source_name, folder, moment, key, level, updated, areas):
    record = _record(source_name, folder, moment)
    assert (record["key"], record["level"]) == (key, level)
    government = registry.load(source_name).government
    if source_name == "uk-fcdo" and level == 2:
        assert record["native_level"].startswith(
            "FCDO advises against"
        )  # "… all travel to parts" or "… all but …"
    else:
        assert record["native_level"] == tiers.native(government, level)
    if updated:
        assert record["updated"] == updated
    found = {a["name"]: a["level"] for a in record["areas"]}
    for name, area_level in areas.items():
        assert found.get(name) == area_level, (name, found)


def test_update_reasons_are_the_governments_own_words():
    assert _record("uk-fcdo", "Madagascar", "2025-09-27T061038Z")["update_reason"] == (
        "FCDO now advises against all but essential travel to Madagascar."
    )
    assert _record("canada-travel", "Peru", "2026-02-27T072159Z")["update_reason"] == (
        "Natural disasters and climate – updated information on the closure of the Salkantay Trail"
    )
    assert _record("australia-smartraveller", "Peru", "2025-06-04T132119Z")["update_reason"].startswith(
        "We continue to advise exercise a high degree of caution in Peru overall"
    )
    assert _record("ireland-dfa", "Peru", "2026-01-09T051024Z")["update_reason"] is None  # none is written


def test_a_canadian_re_stamp_changes_no_compared_field():
    """Canada re-stamps ``update_date`` nearly daily: Peru has 60 moments, most only a new info.json."""
    source = registry.load("canada-travel")
    before = _record("canada-travel", "Peru", "2026-02-05T072844Z")
    after = _record("canada-travel", "Peru", "2026-02-27T072159Z")
    assert before["updated"] != after["updated"]
    from diffing.compare import compare_records

    assert compare_records(source.fields, before, after) == []


def test_cli_extract_reads_a_moment_folder_and_a_page_file():
    """The CLI contract: ``extract <source> PATH [--country NAME]`` prints a JSON array of records."""
    moment = GOVERNMENTS / "canada" / "Peru" / "2026-02-27T072159Z"  # holds only info.json: the state then
    out = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "extract", "canada-travel", str(moment)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    (record,) = json.loads(out.stdout)
    assert {"country", "government", "native_level", "level", "areas", "updated", "update_reason"} <= set(
        record
    )
    assert (record["country"], record["government"], record["level"], record["updated"]) == (
        "PE", "CA", 2, "2026-02-26"
    )  # fmt: skip
    assert all(set(a) >= {"name", "native_level", "level"} for a in record["areas"])
    page = GOVERNMENTS / "unitedkingdom" / "Russia" / "2026-01-31T061826Z" / "Warnings and insurance.md"
    out = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "extract", "uk-fcdo", str(page), "--country", "Russia"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    (record,) = json.loads(out.stdout)
    assert (record["country"], record["level"], record["updated"]) == ("RU", 4, "2026-01-30")
    assert record["native_level"] == "FCDO advises against all travel to the whole country"


def test_a_page_that_is_not_travel_advice_is_refused_with_a_named_error():
    not_advice = SHARED / "seeds"
    page = next(p for p in sorted(not_advice.iterdir()) if p.is_file())
    for source_name in FOLDERS:
        with pytest.raises(NAMED_ERRORS):
            registry.load(source_name).extract(page.read_bytes(), url=page.as_uri())
    with pytest.raises(LayoutNotRecognised):
        registry.load("uk-fcdo").extract(b"", url="")
