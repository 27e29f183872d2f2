"""Advisory pages (new and legacy) and country information pages; fetching only what the feed changed."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisory_watch.ingest import ingest
from advisory_watch.pipeline import run_source
from advisory_watch.settings import reset_settings_cache
from models.sessions import session_for
from scrapers.errors import ExtractionError
from scrapers.us_state import country_page, state_dept_feed, state_dept_page
from tests.conftest import FEED_0107, SHARED, STATE_DEPT

SAUDI = STATE_DEPT / "destination-page-saudi-arabia-2026-03.html"
LEGACY_PERU = Path(__file__).parent / "fixtures" / "legacy-peru-advisory.html"
SEED_001 = next((SHARED / "seeds").glob("001_*.txt"))
LEGACY = "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories/"
SAUDI_URL = LEGACY + "saudi-arabia-travel-advisory.html"
PERU_URL = LEGACY + "peru-travel-advisory.html"
PERU_INFO = (
    "https://travel.state.gov/content/travel/en/international-travel/"
    "International-Travel-Country-Information-Pages/Peru.html"
)


def page(content: bytes, url: str) -> dict:
    return state_dept_page.extract(content, url=url).records[0].record


def test_new_style_saudi_page():
    saudi = page(SAUDI.read_bytes(), SAUDI_URL)
    assert (saudi["key"], saudi["level"], saudi["indicators"], saudi["issued"]) == (
        "SA",
        3,
        ["O", "T"],
        "2026-03-13",
    )
    [area] = saudi["areas"]
    assert (area["name"], area["level"], area["indicators"]) == ("Yemen border region", 4, ["T"])
    assert saudi["last_updated"] == "2026-05-21"


def test_legacy_page_marks_only_the_active_indicators():
    peru = page(LEGACY_PERU.read_bytes(), PERU_URL)
    assert (peru["key"], peru["level"], peru["indicators"], peru["issued"]) == (
        "PE",
        2,
        ["C", "K", "T", "U"],
        "2025-05-16",
    )
    assert [(a["level"], a["indicators"]) for a in peru["areas"]] == [(4, ["C"]), (4, ["C", "T"])]


@pytest.mark.parametrize("as_html", [False, True])
def test_country_information_page(as_html):
    text = SEED_001.read_bytes()
    if as_html:
        paragraphs = "".join(
            f"<p>{line}</p>"
            for line in text.decode().splitlines()
            if line.strip() and not line.startswith("#")
        )
        text = (f"<html><body><main><h2>Safety and Security</h2>{paragraphs}</main></body></html>").encode()
    record = country_page.extract(text, url=PERU_INFO).records[0].record
    assert record["country"] == "PE"
    # Seed 001: "U.S. Embassy Lima enforces a Restricted Travel Policy for Embassy personnel traveling
    # to the VRAEM (Valley of the Apurímac, Ene, and Mantaro Rivers) and specific areas of the
    # Colombian border"; "Report crimes to the local police at 105 (National Police) or 0800-22221
    # (tourist police) and contact the U.S. Embassy at +51-1-618-2000".
    assert [(a["name"], a["kind"]) for a in record["restricted_areas"]] == [
        ("VRAEM (Valley of the Apurímac, Ene, and Mantaro Rivers)", "restricted"),
        ("Specific areas of the Colombian border", "restricted"),
    ]
    assert {n["name"]: n["numbers"] for n in record["emergency_numbers"]} == {
        "police": ["105"],
        "tourist police": ["+5180022221"],
        "embassy": ["+5116182000"],
    }


def _ingest_pages(*versions: bytes):
    t0 = datetime(2026, 3, 14, tzinfo=UTC)
    with session_for() as session:
        return [
            ingest(session, state_dept_page, v, url=SAUDI_URL, observed_at=t0 + timedelta(hours=i))
            for i, v in enumerate(versions)
        ]


def test_an_indicator_added_on_the_page_alerts():
    original = SAUDI.read_bytes()
    with_k = original.replace(
        b'<li class="tsg-utility-risk-pill">Other (O)</li>',
        b'<li class="tsg-utility-risk-pill">Other (O)</li>'
        b'<li class="tsg-utility-risk-pill">Kidnapping or Hostage Taking (K)</li>',
    )
    _, second = _ingest_pages(original, with_k)
    [alert] = second.alerts
    assert (alert.kind, alert.item, alert.severity) == ("indicator_added", "K", "high")


def test_renamed_markup_is_extraction_failed_never_a_removal():
    original = SAUDI.read_bytes()
    renamed = original.replace(b"cmp-traveladvisory", b"cmp-travel-advisory-v2").replace(
        b"tsg-utility-risk-pill", b"risk-pill"
    )
    first, second, third = _ingest_pages(original, renamed, original)
    assert second.status == "extraction_failed" and [a.kind for a in second.alerts] == ["extraction_failed"]
    assert third.alerts and {a.kind for a in third.alerts} == {"source_recovered"}  # nothing was removed


def _feed_with(items: list[str], redate: dict[str, str] | None = None) -> bytes:
    """The 2025-10-07 capture narrowed to some destinations (their items unchanged, or re-dated)."""
    text = FEED_0107.read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    kept = []
    for chunk in ("<item>" + rest).split("<item>")[1:]:
        item = "<item>" + chunk.split("</item>")[0] + "</item>"
        title = re.search(r"<title>(.*?)</title>", item).group(1)
        if title.split(" - ")[0] in items:
            for old, new in (redate or {}).items():
                item = item.replace(old, new)
            kept.append(item)
    return (head + "\n".join(kept) + "\n  </channel>\n</rss>\n").encode()


def test_pages_are_fetched_only_when_their_feed_item_changed(monkeypatch):
    from advisory_watch.fixture_server import FixtureServer

    routes = {
        "/content/travel/en/traveladvisories/traveladvisories/saudi-arabia-travel-advisory.html": SAUDI,
        "/content/travel/en/traveladvisories/traveladvisories/peru-travel-advisory.html": LEGACY_PERU,
    }
    with FixtureServer(routes=routes) as server, session_for() as session:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://travel.state.gov={server.url}")
        reset_settings_cache()

        def page_requests() -> list[str]:
            return [
                r["path"]
                for r in httpx.get(f"{server.url}/__fixture/log").json()
                if r["path"].endswith(".html")
            ]

        t0 = datetime(2025, 10, 7, 22, tzinfo=UTC)
        ingest(
            session,
            state_dept_feed,
            _feed_with(["Peru", "Saudi Arabia"]),
            url=state_dept_feed.urls[0],
            observed_at=t0,
        )
        first = run_source("state-dept-page")
        assert sorted(r.status for r in first) == ["ok", "ok"] and len(page_requests()) == 2
        assert (
            run_source("state-dept-page") == [] and len(page_requests()) == 2
        )  # nothing changed: no request
        # Saudi Arabia's item is reissued (a newer date and Level 3); Peru's is unchanged.
        level2, level3 = "Level 2: Exercise Increased Caution", "Level 3: Reconsider Travel"
        SA_TAG = '\n      <category domain="Country-Tag">SA'  # noqa: N806
        reissued = {
            "Mon, 09 Sep 2024": "Fri, 13 Mar 2026",
            f"Saudi Arabia - {level2}": f"Saudi Arabia - {level3}",
            f"{level2}</category>{SA_TAG}": f"{level3}</category>{SA_TAG}",
        }
        feed = _feed_with(["Peru", "Saudi Arabia"], reissued)
        ingest(session, state_dept_feed, feed, url=state_dept_feed.urls[0], observed_at=datetime.now(UTC))
        third = run_source("state-dept-page")
        assert len(third) == 1 and page_requests()[-1].endswith("saudi-arabia-travel-advisory.html")
        assert len(page_requests()) == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(str.encode),
        st.integers(0, 3000).map(lambda n: SAUDI.read_bytes()[:n]),
        st.lists(st.integers(0, 3700), min_size=1, max_size=30).map(
            lambda cuts: bytes(b for i, b in enumerate(SAUDI.read_bytes()) if i not in set(cuts))
        ),
    )
)
def test_extractors_raise_only_the_documented_error(content):
    for extractor in (state_dept_page.extract, country_page.extract):
        with contextlib.suppress(ExtractionError):
            extractor(content, url=SAUDI_URL)


def test_one_page_read_is_not_working_again_while_another_still_fails(feed_server):
    """#29: Saudi Arabia's page is served, Peru's 404s every cycle. Before, each Saudi read reset the
    source's streak: Peru's outage never reached the threshold (3), or, once told, ops heard "working
    again" and "fetch failed" every cycle. Now: one fetch_failed at the third failure, nothing while
    Peru stays down, one source_recovered when Peru is read again."""
    feed_server.state.routes[SAUDI_URL.removeprefix("https://travel.state.gov")] = SAUDI
    planned = [SAUDI_URL, PERU_URL]
    kinds = []
    for _ in range(5):
        results = run_source("state-dept-page", planned=planned, notify="none")
        assert [r.status for r in results][1] == "fetch_failed"
        kinds.append([a.kind for r in results for a in r.alerts if a.ops])
    assert kinds == [[], [], ["fetch_failed"], [], []]
    feed_server.state.routes[PERU_URL.removeprefix("https://travel.state.gov")] = LEGACY_PERU
    recovered = run_source("state-dept-page", planned=planned, notify="none")
    assert [r.status for r in recovered] == ["not_modified", "ok"]
    assert [a.kind for r in recovered for a in r.alerts if a.ops] == ["source_recovered"]
