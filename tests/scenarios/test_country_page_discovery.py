"""Every destination of the feed gets its country information page: from the feed's links, the
advisory page's link, or the site's country list — and ops hear, once, which destinations none of
them gives.

The list page served here is built from real links only: every country-page URL that appears in
../shared (the feeds and the corpus's advisory pages), as the site's list holds them (anchors).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from advisory_watch.fixture_server import FixtureServer
from advisory_watch.ingest import ingest
from advisory_watch.pipeline import run_source
from advisory_watch.settings import reset_settings_cache
from models.sessions import session_for
from scrapers.fetch.http import Fetcher
from scrapers.us_state import country_page, state_dept_feed, state_dept_page
from tests.conftest import ARCHIVE, FEED_1008, SHARED, STATE_DEPT, UPSTREAMS

US = SHARED / "fixtures" / "governments" / "unitedstates"
LIST_PATH = urlsplit(country_page.COUNTRY_LIST_URL).path
MEXICO_PAGE = (
    "/content/travel/en/international-travel/International-Travel-Country-Information-Pages/Mexico.html"
)
pytestmark = pytest.mark.skipif(
    not US.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)

# Read from the data by hand (grep of ../shared): these destinations of the 2025-10-08 feed link no
# country page in their feed item, have no advisory page in the corpus that links one, and no
# document in ../shared links their page — so no list built from real links can give them.
NEVER_LINKED = {"BW", "DJ", "GA", "HR", "IN", "KM", "LR", "LS", "MG", "NA", "SN", "ST"}


def _feed_items() -> dict[str, str]:
    return {item.key: item.raw.decode() for item in state_dept_feed.extract(FEED_1008.read_bytes()).records}


def _latest_advisory_pages() -> dict[str, str]:
    pages: dict[str, str] = {}
    for destination in sorted(p for p in US.iterdir() if p.is_dir()):
        versions = sorted(destination.glob("*/Advisory.md"))
        if versions:
            record = state_dept_page.extract(versions[-1].read_bytes(), url=versions[-1].as_uri())
            pages[record.records[0].key] = versions[-1].read_text()
    return pages


@cache
def _real_links() -> list[str]:
    texts = [p.read_text() for p in [*STATE_DEPT.glob("*.xml"), *ARCHIVE.glob("*.xml")]]
    texts += [p.read_text() for p in US.glob("*/*/Advisory.md")]
    return sorted({url for text in texts for url in country_page.page_links(text)})


def _list_page(tmp_path: Path, links: list[str]) -> Path:
    """The site's list as anchors with site-relative hrefs, the way the site links its own pages."""
    items = "\n".join(
        f'<li><a href="{urlsplit(u).path}">{Path(urlsplit(u).path).stem}</a></li>' for u in links
    )
    page = tmp_path / "country-list.html"
    page.write_text(f"<html><body><main><h1>Country Information</h1><ul>{items}</ul></main></body></html>")
    return page


@pytest.fixture
def site(tmp_path, monkeypatch):
    with FixtureServer(routes={LIST_PATH: _list_page(tmp_path, _real_links())}) as server:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", ",".join(f"{u}={server.url}" for u in UPSTREAMS))
        monkeypatch.setenv("ADVISORY_WATCH_FETCH_ATTEMPTS", "1")
        reset_settings_cache()
        yield server


def _list_requests(server: FixtureServer) -> int:
    return sum(1 for entry in server.state.log if entry["path"] == LIST_PATH)


def test_feed_advisory_pages_and_site_list_give_every_destination_a_page(site):
    feed, advisories = _feed_items(), _latest_advisory_pages()
    known = {"state-dept-feed": feed, "state-dept-page": advisories}
    with Fetcher() as fetcher:
        found = country_page.discover(fetcher, known.__getitem__)
    keys = {country_page.page_destination(url) for url in found.urls}
    assert None not in keys  # every URL names its destination (SouthAfrica.html, CotedIvoire.html, ...)
    assert len(keys) == len(found.urls)  # one page per destination
    assert found.problems == []
    assert set(found.unwatched) == NEVER_LINKED
    watched = [k for k in feed if k in keys or k.split("-")[0] in keys]
    assert len(watched) == len(feed) - len(NEVER_LINKED) == 199
    by_key = {country_page.page_destination(u): u for u in found.urls}
    # From the feed: South Africa's slug has no space; Bonaire, Sint Eustatius and Saba share a page.
    assert by_key["ZA"].endswith("/SouthAfrica.html")
    assert by_key["BQ"].endswith("/BonaireSintEustatiusandSaba.html")
    # From the advisory page only ("Read the country information page …"): Mexico, China, Colombia.
    assert by_key["MX"].endswith("/Mexico.html")
    assert by_key["CO"].endswith("/Colombia.html")
    assert {"CN", "HK", "MO"} <= keys
    # From the site's list only (linked by other days' feeds): Burkina Faso and South Korea.
    assert by_key["BF"].endswith("/BurkinaFaso.html") and by_key["KR"].endswith("/SouthKorea.html")
    assert _list_requests(site) == 1


def test_the_list_is_fetched_only_when_a_destination_lacks_a_page(site):
    feed = {k: v for k, v in _feed_items().items() if "International-Travel-Country-Information" in v}
    known = {"state-dept-feed": feed, "state-dept-page": {}}
    with Fetcher() as fetcher:
        found = country_page.discover(fetcher, known.__getitem__)
    # Antarctica's item links five other countries' pages but not its own: the list is asked for it.
    assert found.unwatched == [] and _list_requests(site) == 1
    known["state-dept-feed"] = {k: v for k, v in feed.items() if k != "AQ"}
    with Fetcher() as fetcher:
        found = country_page.discover(fetcher, known.__getitem__)
    assert found.unwatched == [] and _list_requests(site) == 1


def test_a_cycle_fetches_the_pages_found_and_tells_ops_once_what_it_cannot_watch(site, tmp_path):
    mexico = sorted(US.glob("Mexico/*/Safety and Security.md"))[-1]
    site.state.routes[MEXICO_PAGE] = mexico
    with session_for() as session:
        ingest(session, state_dept_feed, FEED_1008.read_bytes(), url=state_dept_feed.urls[0])
        advisory = sorted(US.glob("Mexico/*/Advisory.md"))[-1]
        ingest(session, state_dept_page, advisory.read_bytes(), url=advisory.as_uri())
    first = run_source("country-page")
    unwatched = [r for r in first if r.status == "discovery_incomplete"]
    assert len(unwatched) == 1 and "IN" in unwatched[0].problems[0]
    [ops] = unwatched[0].alerts
    assert ops.kind == "destinations_unwatched" and "SN" in ops.summary
    # Mexico's page, linked only from its advisory page, was fetched and stored.
    mexico_result = [r for r in first if r.status == "ok" and r.items == 1]
    assert len(mexico_result) == 1
    with session_for() as session:
        from models.store import confirmed_records

        assert "MX" in confirmed_records(session, "country-page")
    # The next cycle finds the same gap: no second ops alert.
    second = run_source("country-page")
    assert [r.alerts for r in second if r.status == "discovery_incomplete"] == [[]]


def test_a_list_that_cannot_be_fetched_leaves_the_linked_pages_and_a_problem(site):
    site.state.routes.pop(LIST_PATH)
    known = {"state-dept-feed": _feed_items(), "state-dept-page": {}}
    with Fetcher() as fetcher:
        found = country_page.discover(fetcher, known.__getitem__)
    assert len(found.urls) >= 170
    [problem] = found.problems
    assert "country list could not be fetched" in problem
