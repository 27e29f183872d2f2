"""The fetcher against a real loopback server with injected faults."""

from __future__ import annotations

import httpx
import pytest

from advisory_watch.fixture_server import FixtureServer
from advisory_watch.settings import Settings
from scrapers.errors import FetchError, HostNotAllowed, ResponseTooLarge
from scrapers.fetch.http import Fetcher
from tests.conftest import FEED_0107, FEED_PATH

UPSTREAM = "https://travel.state.gov" + FEED_PATH
HOSTS = frozenset({"travel.state.gov"})


def control(server: FixtureServer, endpoint: str, **body) -> None:
    httpx.post(f"{server.url}/__fixture/{endpoint}", json=body).raise_for_status()


@pytest.fixture
def server():
    with FixtureServer(routes={FEED_PATH: FEED_0107}) as srv:
        yield srv


def make_fetcher(server: FixtureServer, sleeps: list[float] | None = None, **overrides) -> Fetcher:
    settings = Settings(url_rewrite=f"https://travel.state.gov={server.url}", **overrides)
    return Fetcher(settings, sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_conditional_get_costs_one_304(server):
    with make_fetcher(server) as fetcher:
        first = fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
        assert first.status == 200 and first.content == FEED_0107.read_bytes()
        assert first.url == UPSTREAM and first.fetched_from.startswith("http://127.0.0.1:")
        second = fetcher.get(
            UPSTREAM, allowed_hosts=HOSTS, etag=first.etag, last_modified=first.last_modified
        )
    assert second.not_modified and second.content is None
    log = httpx.get(f"{server.url}/__fixture/log").json()
    assert log[1]["headers"]["If-None-Match"] == first.etag
    assert log[0]["headers"]["User-Agent"].startswith("advisory-watch/")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(server, status):
    sleeps: list[float] = []
    control(server, "fault", path=FEED_PATH, status=status, retry_after=7, times=2)
    with make_fetcher(server, sleeps) as fetcher:
        result = fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
    assert result.status == 200 and result.attempts == 3
    assert sleeps == [7.0, 7.0]


def test_exponential_backoff_then_a_clear_error(server):
    sleeps: list[float] = []
    control(server, "fault", path=FEED_PATH, status=500, times=10)
    with (
        make_fetcher(server, sleeps, fetch_attempts=4) as fetcher,
        pytest.raises(FetchError, match="HTTP 500"),
    ):
        fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
    assert sleeps == [0.5, 1.0, 2.0]


def test_truncated_body_is_retried(server):
    control(server, "fault", path=FEED_PATH, truncate=1000, times=1)
    with make_fetcher(server) as fetcher:
        result = fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
    assert result.content == FEED_0107.read_bytes() and result.attempts == 2


def test_size_cap(server):
    with make_fetcher(server, fetch_max_bytes=10_000) as fetcher, pytest.raises(ResponseTooLarge):
        fetcher.get(UPSTREAM, allowed_hosts=HOSTS)


def test_hosts_off_the_allow_list_are_refused(server):
    with make_fetcher(server) as fetcher:
        with pytest.raises(HostNotAllowed):
            fetcher.get("https://example.org/feed.xml", allowed_hosts=HOSTS)
        control(server, "fault", path=FEED_PATH, redirect="http://127.0.0.2:9/elsewhere", times=1)
        with pytest.raises(HostNotAllowed, match="redirect"):
            fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
        # A redirect within the allowed host (through the rewrite) is followed.
        control(server, "route", path="/moved.xml", file=str(FEED_0107))
        control(server, "fault", path=FEED_PATH, redirect=f"{server.url}/moved.xml", times=1)
        assert fetcher.get(UPSTREAM, allowed_hosts=HOSTS).content == FEED_0107.read_bytes()


def test_slow_upstream_times_out(server):
    control(server, "fault", path=FEED_PATH, delay=1.5, times=5)
    with make_fetcher(server, fetch_timeout=0.5, fetch_attempts=2) as fetcher, pytest.raises(FetchError):
        fetcher.get(UPSTREAM, allowed_hosts=HOSTS)
