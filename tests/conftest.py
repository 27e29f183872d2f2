"""Shared test fixtures: real captures from ../shared, real databases, real loopback servers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from advisory_watch.settings import reset_settings_cache
from scrapers import registry
from scrapers.fetch.wayback import ARCHIVE as WAYBACK

# CI must not fail on a seed no developer saw: under CI the property tests run their examples
# derandomized (the same every run); locally each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
STATE_DEPT = SHARED / "fixtures" / "state_dept"
FEED_0107 = STATE_DEPT / "TAsTWs-2025-10-07.xml"
FEED_1008 = STATE_DEPT / "TAsTWs-2025-10-08.xml"
ARCHIVE = STATE_DEPT / "feed-archive"
FEED_PATH = "/_res/rss/TAsTWs.xml"
WORKBOOK = SHARED / "fixtures" / "oc_index" / "global_oc_index-2025.xlsx"
WORKBOOK_PATH = "/assets/downloads/global_oc_index.xlsx"
# Every upstream host a source fetches from, as the sources declare them (``allowed_hosts``), and
# the Wayback Machine backfills read. Tests rewrite all of them to loopback, so no test can ever send
# traffic to another address.
UPSTREAMS = tuple(
    dict.fromkeys(
        [
            *(
                f"https://{host}"
                for name in registry.names_in_order()
                for host in sorted(registry.load(name).allowed_hosts)
            ),
            WAYBACK,
        ]
    )
)
FEED_URL = "https://travel.state.gov" + FEED_PATH
# What the browser tests see. The README shows docs/screenshots/, re-taken on purpose with
# `make screenshots`; an ordinary run writes them to a scratch folder, so the suite never rewrites
# tracked files.
SCREENSHOTS = Path(
    os.environ.get("ADVISORY_WATCH_SCREENSHOTS") or Path(tempfile.gettempdir()) / "advisory-watch-screenshots"
).resolve()
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
PG_ADMIN_URL = os.environ.get("ADVISORY_WATCH_TEST_PG", "postgresql://127.0.0.1:5432/test")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The advisory-watch command in a subprocess, with the test's environment (settings, rewrite)."""
    return subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server on 127.0.0.1:5432")
    config.addinivalue_line("markers", "airflow: runs Airflow itself (slow)")


# The longest modules first, so that `make test`'s two workers (pytest-xdist, whole files per worker,
# in this order: `--no-loadscope-reorder`) start them at once instead of meeting them last. Each worker
# starts with two modules: the topology (~500 s) beside the image (~60 s) on one, the DAGs (~350 s)
# then `make run` (~230 s) on the other; the rest fill in around them. Seconds from `--durations` on
# 2026-12-05; order only, never which tests run.
LONGEST_FIRST = (
    "tests/system/test_topology.py",
    "tests/system/test_dags.py",
    "tests/system/test_image_context.py",
    "tests/system/test_make_run.py",
    "tests/scenarios/test_government_replay.py",
    "tests/scenarios/test_api_schema.py",
    "tests/scenarios/test_witnesses.py",
    "tests/scenarios/test_backfill.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: within a module, and for every other module, the usual order


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own home, database and no Slack, whatever the developer's shell says."""
    for name in list(os.environ):
        if name.startswith("ADVISORY_WATCH_") and name != "ADVISORY_WATCH_TEST_PG":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ADVISORY_WATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'test.db'}")
    # The end-to-end runs use the two sources the shared captures cover (OSAC needs its own fake).
    monkeypatch.setenv("ADVISORY_WATCH_SOURCES", "state-dept-feed,oc-index")
    # Until a test starts its own fixture server, every upstream is a closed loopback port.
    monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", ",".join(f"{u}=http://127.0.0.1:9" for u in UPSTREAMS))
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()


@pytest.fixture
def feed_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A loopback fixture server standing in for travel.state.gov, with the URL rewrite pointed at it."""
    from advisory_watch.fixture_server import FixtureServer

    with FixtureServer(routes={FEED_PATH: FEED_0107, WORKBOOK_PATH: WORKBOOK}) as server:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", ",".join(f"{u}={server.url}" for u in UPSTREAMS))
        reset_settings_cache()
        yield server


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test. Skips locally without a server; CI must not skip."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but {PG_ADMIN_URL} does not answer")
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL}")
    name = f"aw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from models.db import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def wayback_server(monkeypatch: pytest.MonkeyPatch):
    """A loopback Wayback Machine whose captures of the feed are the archived days (12:00 UTC each),
    with the URL rewrite sending web.archive.org (only) to it."""
    from advisory_watch.fixture_server import FixtureServer

    with FixtureServer(wayback={FEED_URL: ARCHIVE}) as server:
        rewrite = [f"{u}=http://127.0.0.1:9" for u in UPSTREAMS if u != "https://web.archive.org"]
        rewrite.append(f"https://web.archive.org={server.url}")
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", ",".join(rewrite))
        reset_settings_cache()
        yield server


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch):
    """The fake Slack Web API on loopback, configured as the bot-token sink (#travel-risk)."""
    from tests.support.fake_slack import TOKEN, FakeSlack

    with FakeSlack() as fake:
        monkeypatch.setenv("ADVISORY_WATCH_SLACK_TOKEN", TOKEN)
        monkeypatch.setenv("ADVISORY_WATCH_SLACK_CHANNEL", "#travel-risk")
        monkeypatch.setenv("ADVISORY_WATCH_SLACK_BASE_URL", fake.base_url)
        reset_settings_cache()
        yield fake


def _chromium() -> tuple[str, str]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test, but chromium/chromedriver are not installed")
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed "
            "(apt-get install chromium chromium-driver)"
        )
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()
