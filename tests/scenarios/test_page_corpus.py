"""The advisory-page and country-page extractors over every U.S. document of the corpus.

``../shared/fixtures/governments/unitedstates``: 357 advisory pages and 176 "Safety and Security"
sections of 152 destinations, March-August 2025, as the archive's Markdown. Every document
extracts or raises a named ExtractionError; coverage floors; expectations read by hand from the
documents (the quoted words are the documents' own); the replay's alerts equal a checked file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from diffing.areas import same_area
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from scrapers.us_state import country_page, state_dept_page
from tests.support.us_corpus import US
from tests.support.us_corpus import extract as _extract

NAMED_ERRORS = (LayoutNotRecognised, DestinationNotRecognised, FieldMissing)
pytestmark = pytest.mark.skipif(
    not US.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


def _every(file_name: str) -> list[Path]:
    return sorted(US.glob(f"*/*/{file_name}"))


@pytest.mark.parametrize(
    ("source", "file_name"), [(state_dept_page, "Advisory.md"), (country_page, "Safety and Security.md")]
)
def test_every_document_extracts_or_fails_with_a_named_error(source, file_name):
    documents = _every(file_name)
    assert len(documents) >= 170
    failed = {}
    for path in documents:
        try:
            _extract(source, path)
        except NAMED_ERRORS as exc:  # anything else is a crash and fails the test
            failed[str(path.relative_to(US))] = type(exc).__name__
    # None of the corpus fails today; a failure must at least be one of the named errors.
    assert failed == {}


def test_latest_advisory_levels_match_info_json():
    """info.json's risk_level_number is the archive's own reading of the page; "Other" (-1) is
    Mexico's: no nationwide level, the states carry theirs."""
    checked = 0
    for destination in sorted(p for p in US.iterdir() if p.is_dir()):
        pages, infos = sorted(destination.glob("*/Advisory.md")), sorted(destination.glob("*/info.json"))
        expected = json.loads(infos[-1].read_text()).get("risk_level_number") if infos else None
        if not pages or expected is None:
            continue
        level = _extract(state_dept_page, pages[-1])["level"]
        assert (level if level is not None else -1) == expected, destination.name
        checked += 1
    assert checked >= 125


# The pages that state a staff travel restriction on a place, counted by hand from the latest
# versions (the sentences are quoted in tests/scenarios/corpus/unitedstates_replay_alerts.txt and the note).
STAFF_RESTRICTION_PAGES = (
    "Benin",
    "Brazil",
    "Burkina Faso",
    "Burundi",
    "Chad",
    "Egypt",
    "Ethiopia",
    "Haiti",
    "Honduras",
    "Kyrgyzstan",
    "Liberia",
    "Malaysia",
    "Mozambique",
    "Nicaragua",
    "Peru",
    "Sierra Leone",
    "South Sudan",
    "Trinidad and Tobago",
    "Tunisia",
    "Uruguay",
)


def test_restricted_areas_found_on_the_pages_that_state_them():
    found = [
        name
        for name in STAFF_RESTRICTION_PAGES
        if _extract(country_page, sorted(US.glob(f"{name}/*/Safety and Security.md"))[-1])["restricted_areas"]
    ]
    assert len(found) / len(STAFF_RESTRICTION_PAGES) >= 0.95, set(STAFF_RESTRICTION_PAGES) - set(found)


# Read by hand from each destination's latest Advisory.md: every area it names as Level 4 / "Do Not
# Travel" (section headings and "Do Not Travel to:" list items), as the page writes the name.
LEVEL_4_AREAS = {
    "Armenia": ["Border with Azerbaijan"],
    "Bangladesh": ["Chittagong Hill Tracts Region"],
    "Benin": [
        "Areas of Benin bordering Burkina Faso, Niger, and the Nigerian states of Kebbi, Niger, and Kwara",
        "The city of Kandi and all areas north and east extending to Benin’s borders with Burkina Faso, "
        "Niger, and Nigeria",
        "The city of Tanguieta and all areas north and west extending to Benin’s borders with Burkina Faso "
        "and Togo",
        "The Pendjari and W National Parks",
        "The Pendjari, Atacora, and Djona Hunting Zones",
        "Route Nationale Inter-Etats 7 (RNIE 7) between Banikora and Segbana",
        "Route Nationale 10 (RN 10) between Nikki and Segbana",
    ],
    "Brazil": [
        "International Borders",
        "Informal Housing Developments (commonly known as favelas, vilas, comunidades or conglomerados)",
        "Brasilia’s “Satellite Cities”",
    ],
    "Burundi": [
        "The former Central Market located on Chaussee Prince Louis Rwagasore",
        "Cibitoke and Bubanza provinces and Kibira National Park",
    ],
    "Chad": [
        "Lake Chad Region",
        "Borders of Cameroon, Central African Republic, Libya, Niger, Nigeria, and Sudan",
    ],
    "Colombia": [
        "Arauca, Cauca (excluding Popayán), and Norte de Santander departments",
        "The Colombia-Venezuela border region",
    ],
    "Cote d'Ivoire": ["Northern Border Region"],
    "Egypt": ["Northern and Middle Sinai Peninsula", "The Western Desert", "Egyptian Border Areas"],
    "Ethiopia": [
        "Tigray Region and Border with Eritrea",
        "Afar-Tigray Border Area",
        "Amhara Region",
        "Gambella Region",
        "Benishangul Gumuz Region",
        "Oromia Region",
        "Southern Nations and National People (SNNP) Region",
        "Border Area with Somalia",
        "Border Areas with Sudan and South Sudan",
        "Border Areas with Kenya",
    ],
    "Guatemala": [
        "San Marcos Department",
        "Huehuetenango Department",
        "Zone 18 in Guatemala City and the city of Villa Nueva",
    ],
    "Honduras": ["Gracias a Dios Department"],
    "Kenya": [
        "Kenya-Somalia border counties (Garissa, Wajir, Mandera), Tana River County, and coastal areas north "
        "of Malindi",
        "West Pokot and western Turkana County",
        "Parts of Marsabit and Turkana Counties within 30 miles (50 kilometers) of the Ethiopian border",
    ],
    "Mexico": [
        f"{state} state"
        for state in ("Colima", "Guerrero", "Michoacan", "Sinaloa", "Tamaulipas", "Zacatecas")
    ],
    "Mozambique": [
        "Cabo Delgado Province, the Niassa Special Reserve within Niassa Province, and certain northern "
        "districts in Nampula Province"
    ],
    "Niger": ["Border Regions"],
    "Oman": ["The Yemen border area"],
    "Pakistan": [
        "Balochistan Province",
        "Khyber Pakhtunkhwa (KP) Province, including the former FATA",
        "Vicinity of Line of Control",
    ],
    "Panama": ["Parts of the “Mosquito Gulf”", "Parts of the Darién Region"],
    "Papua New Guinea": [
        "Areas Near the Panguna Mine on the island of Bougainville",
        "The Highlands Region (excluding Mt. Hagen and Goroka)",
    ],
    "Peru": [
        "Colombian-Peruvian border area in the Loreto Region",
        "Valley of the Apurímac, Ene, and Mantaro Rivers (VRAEM)",
    ],
    "Philippines": ["The Sulu Archipelago and Sulu Sea", "Marawi City in Mindanao"],
    "Rwanda": [
        "Rusizi District within 10 kilometers of the DRC border",
        "Rubavu District within 10 kilometers of the DRC border",
    ],
    "Tunisia": [
        "Border with Algeria",
        "Border with Libya",
        "The Mount Chaambi National Park, Mount Salloum, Mount Sammamma, and Mount Mghila in Kasserine "
        "governorate",
        "Orbata Mountains in Gafsa in West-Central Tunisia",
        "The Desert South of Remada",
    ],
    # "Do not travel to the DPRK" is advice about another country, not an area of these.
    "China": [],
    "Hong Kong": [],
    "Macau": [],
}


def test_level_4_areas_found_on_the_latest_pages():
    named = found = 0
    missed = []
    for folder, areas in LEVEL_4_AREAS.items():
        record = _extract(state_dept_page, sorted(US.glob(f"{folder}/*/Advisory.md"))[-1])
        level_4 = [a["name"] for a in record["areas"] if a["level"] == 4]
        if not areas:
            assert level_4 == [], folder
        for name in areas:
            named += 1
            if any(name == c or same_area(name, c) for c in level_4):
                found += 1
            else:
                missed.append((folder, name))
    assert named >= 65
    assert found / named >= 0.95, missed


def test_a_police_number_on_the_pages_that_give_one():
    """Denominator: latest pages whose text says "police at/by dialing <digits>" or "<digits> for
    police" (a plain search, independent of the extractor)."""
    import re

    gives = re.compile(
        r"police\W{0,3}(?:at|by dialing|by calling|on|:)\s*[\[#“\"]?\d"
        r"|\d{2,}\]?\*{0,2}\s+(?:for|-)\s+(?:the\s+)?(?:local\s+)?polic",
        re.I,
    )
    pages = [
        sorted(d.glob("*/Safety and Security.md"))[-1]
        for d in US.iterdir()
        if any(d.glob("*/Safety and Security.md"))
    ]
    giving = [p for p in pages if gives.search(p.read_text())]
    with_police = [
        p
        for p in giving
        if any(n["name"] == "police" for n in _extract(country_page, p)["emergency_numbers"] or [])
    ]
    assert len(giving) >= 80
    assert len(with_police) / len(giving) >= 0.95, sorted(
        str(p.parent.parent.name) for p in set(giving) - set(with_police)
    )


def _replay(source: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "replay", source, str(US)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        f"{source} | {r['country']} | {r['observed_at'][:10]} | {r['kind']}"
        for r in map(json.loads, out.splitlines())
    ]


def test_replay_alerts_are_the_checked_list():
    checked = Path(__file__).parent / "corpus" / "unitedstates_replay_alerts.txt"
    expected = [
        " | ".join(line.split(" | ")[:4])
        for line in checked.read_text().splitlines()
        if not line.startswith("#")
    ]
    assert _replay("state-dept-page") + _replay("country-page") == expected
    assert all(" | genuine" in line for line in checked.read_text().splitlines() if not line.startswith("#"))
