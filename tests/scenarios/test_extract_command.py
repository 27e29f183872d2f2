"""The `advisory-watch extract` command as a user runs it (a subprocess): each family prints its records
as a JSON array of the documented shape."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import FEED_1008, ROOT, SHARED, WORKBOOK

GOVERNMENTS = SHARED / "fixtures" / "governments"
PERU_PAGE = next((SHARED / "seeds").glob("002_*.txt"))  # the OC Index profile of Peru, as text


def test_cli_extract_prints_the_contract_shape():
    out = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "extract", "state-dept-feed", str(FEED_1008)],
        capture_output=True,
        text=True,
        check=True,
    )
    records = json.loads(out.stdout)
    assert len(records) == 211
    required = {
        "country",
        "country_name",
        "level",
        "title",
        "issued",
        "indicators",
        "areas",
        "change_note",
        "url",
    }
    assert all(required <= set(r) for r in records)
    peru = next(r for r in records if r["country"] == "PE")
    assert peru["issued"] == "2025-05-16"
    assert all(set(a) >= {"name", "level", "indicators"} for a in peru["areas"])


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


def test_cli_extract_oc_index(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisory_watch.cli",
            "extract",
            "oc-index",
            str(WORKBOOK),
            "--edition",
            "2023",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert len(rows) == 193
    peru = next(r for r in rows if r["country"] == "PE")
    assert peru["edition"] == 2023 and peru["criminality"]["rank"] == 32
    required = {
        "country",
        "country_name",
        "continent",
        "region",
        "edition",
        "criminality",
        "resilience",
        "criminal_markets",
        "criminal_actors",
        "markets",
        "actors",
        "resilience_indicators",
    }
    assert required <= set(peru)
    page = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "extract", "oc-index", str(PERU_PAGE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(page.stdout)[0]["criminality"]["score"] == 6.62
