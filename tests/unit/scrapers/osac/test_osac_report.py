"""The OSAC report reader (scrapers/osac/osac_report.py) on seed 000, the Peru report of 2025-10-07, as
text and in page markup; the feed's report links and the cross-check with the advisory."""

from __future__ import annotations

import json

import pytest

from scrapers.osac import osac_report
from scrapers.us_state import state_dept_feed
from tests.conftest import FEED_1008, SHARED
from tests.support.osac_pages import as_page

SEED_000 = next((SHARED / "seeds").glob("000_*.txt"))
GUID = "15cfa519-f9ce-4169-969a-1cb10cb09f42"
REPORT_URL = f"https://www.osac.gov/Content/Report/{GUID}"


def check_peru(record: dict) -> None:
    assert (record["country"], record["published"]) == ("PE", "2025-10-07")
    assert record["threat_ratings"] == [
        {"location": "Lima", "category": "crime", "rating": "HIGH"},
        {"location": "Lima", "category": "terrorism", "rating": "LOW"},
        {"location": "Lima", "category": "political violence", "rating": "MEDIUM"},
    ]
    assert record["indicators_included"] == ["C", "K", "T", "U"]
    assert record["indicators_not_included"] == ["D"]
    vraem, border = record["restricted_zones"]
    assert "VRAEM" in vraem["name"] and border["name"] == "areas near the Colombian border"
    districts = vraem["districts"]
    assert districts["Ayacucho"] == ["La Mar", "Huanta"]
    assert districts["Cusco"] == ["La Convención"]
    assert districts["Huancavelica"] == ["Churcampa", "Tayacaja"]
    assert districts["Junín"][0] == "Satipo"
    headings = [s["heading"] for s in record["sections"]]
    for heading in (
        "Crime",
        "Kidnapping Threat",
        "Terrorism",
        "Political Violence and Civil Unrest",
        "Law Enforcement",
        "Cybersecurity",
    ):
        assert heading in headings
    assert record["contacts"]["Tel"] == "+51-618-2000"
    assert "all time" not in json.dumps(record) and "Error processing" not in json.dumps(record)


def test_seed_as_plain_text():
    [item] = osac_report.extract(SEED_000.read_bytes(), url=REPORT_URL).records
    check_peru(item.record)
    assert item.record["report_id"] == GUID


def test_seed_in_page_markup_gives_the_same_record():
    text = SEED_000.read_text(encoding="utf-8")
    from_text = osac_report.extract(text.encode(), url=REPORT_URL).records[0].record
    from_page = osac_report.extract(as_page(text), url=REPORT_URL).records[0].record
    check_peru(from_page)
    for field in ("threat_ratings", "indicators_included", "indicators_not_included", "restricted_zones"):
        assert from_page[field] == from_text[field], field


def test_feed_links_and_cross_check():
    feed = state_dept_feed.extract(FEED_1008.read_bytes())
    raw = [item.raw.decode() for item in feed.records]
    links = osac_report.report_links_in_feed(raw)
    assert "https://www.osac.gov/Country/Peru/Detail" in links
    assert any(link.startswith("https://www.osac.gov/Content/Report/") for link in links)
    text = SEED_000.read_text(encoding="utf-8")
    report = osac_report.extract(text.encode(), url=REPORT_URL).records[0].record
    peru_advisory = next(i.record for i in feed.records if i.key == "PE")
    assert osac_report.findings(report, lambda s, k: peru_advisory) == []  # both say C K T U
    without_k = dict(report, indicators_included=["C", "T", "U"])
    [finding] = osac_report.findings(without_k, lambda s, k: peru_advisory)
    assert finding.kind == "sources_disagree" and finding.old == ["C", "K", "T", "U"]


@pytest.mark.parametrize("bad", [b"", b"<html><body><h1>Maintenance</h1></body></html>"])
def test_bad_pages_are_extraction_errors(bad):
    from scrapers.errors import ExtractionError

    with pytest.raises(ExtractionError):
        osac_report.extract(bad, url=REPORT_URL)
