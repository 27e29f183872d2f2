"""Never go blind (issue #14): no record stops a cycle, the 2026 format is read, drift is noticed.

Real captures throughout: the archive's last days carry Kenya's two "Specified Areas" sections, the
2026-08-22 feed drops them; expectations for the 2026 format were read by hand from that file.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from advisory_watch.fixture_server import FixtureServer
from advisory_watch.ingest import ingest
from advisory_watch.pipeline import run_source
from advisory_watch.results import FetchInfo
from advisory_watch.settings import Settings, get_settings
from models.db import engine_for, upgrade
from models.store import last_validators
from models.tables import Alert, Change, DestinationState, Fetch, Snapshot
from scrapers.base import Source, transition
from scrapers.errors import DeadlineExceeded
from scrapers.fetch.http import Fetcher
from scrapers.us_state import state_dept_feed
from tests.conftest import ARCHIVE, FEED_0107, FEED_PATH, FEED_URL, STATE_DEPT

FEED_2026 = STATE_DEPT / "feed-2026-08-22.xml"
FEED_0108 = STATE_DEPT / "TAsTWs-2025-10-08.xml"


def _session(url: str) -> Session:
    upgrade(url)
    return Session(engine_for(url), expire_on_commit=False)


def _redated(path: Path, when: datetime, folder: Path) -> Path:
    """The same capture with another channel date: the next observation of the same edition."""
    text = path.read_text(encoding="utf-8")
    stamp = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    text = re.sub(r"(<channel>.*?<pubDate>)[^<]*", lambda m: m.group(1) + stamp, text, count=1, flags=re.S)
    out = folder / f"{when:%Y-%m-%dT%H%M}.xml"
    out.write_text(text, encoding="utf-8")
    return out


def _ingest_all(session: Session, paths: list[Path], source=state_dept_feed) -> list:
    return [
        ingest(
            session, source, p.read_bytes(), url=FEED_URL, info=FetchInfo(provenance="replay"), notify=False
        )
        for p in paths
    ]


def _kenya_sequence(tmp_path: Path) -> list[Path]:
    return [
        ARCHIVE / "2026-04-14.xml",
        ARCHIVE / "2026-04-15.xml",
        FEED_2026,
        _redated(FEED_2026, datetime(2026, 8, 23, 8, tzinfo=UTC), tmp_path),
    ]


def _without_kenya(path: Path, folder: Path) -> Path:
    text = path.read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?</item>", text, flags=re.S)
    kenya = next(i for i in items if '<category domain="Country-Tag">KE</category>' in i)
    out = folder / f"no-kenya-{path.name}"
    out.write_text(text.replace(kenya, ""), encoding="utf-8")
    return out


def _kenya_edited(path: Path, folder: Path) -> Path:
    """The capture with one more sentence in Kenya's description: Kenya's record differs, so it is
    compared (an identical record is not: it cannot hold a change)."""
    text = path.read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?</item>", text, flags=re.S)
    kenya = next(i for i in items if '<category domain="Country-Tag">KE</category>' in i)
    edited = kenya.replace("</description>", "<![CDATA[<p>Read the whole advisory.</p>]]></description>", 1)
    out = folder / f"kenya-edited-{path.name}"
    out.write_text(text.replace(kenya, edited), encoding="utf-8")
    return out


def _alerted(results: list) -> set[tuple]:
    return {(a.key, a.kind, str(a.old), str(a.new)) for r in results for a in r.alerts}


def _check_kenya(url: str, tmp_path: Path) -> None:
    sequence = _kenya_sequence(tmp_path)
    with _session(url) as session:
        results = _ingest_all(session, sequence)
        assert [r.status for r in results] == ["ok"] * 4, [r.problems for r in results]
        assert not any(r.failed for r in results)
        removed = [
            item
            for item in session.exec(
                select(Change.item).where(Change.key == "KE", Change.kind == "area_removed")
            ).all()
            if item.startswith("Specified Areas")
        ]
        # Two areas of one name, told apart by their level: two changes, no collision.
        assert sorted(removed) == ["Specified Areas (level 3)", "Specified Areas (level 4)"]
    # Every other destination's alerts are exactly those of the same days without Kenya at all.
    without = [_without_kenya(p, tmp_path) for p in sequence]
    with _session(f"sqlite:///{tmp_path / 'without-kenya.db'}") as session:
        expected = _alerted(_ingest_all(session, without))
    got = {a for a in _alerted(results) if a[0] != "KE"}
    assert got == expected
    assert ("TD", "level_changed", "3", "4") in got


def test_kenya_duplicate_area_names_complete_on_sqlite(tmp_path):
    _check_kenya(get_settings().effective_database_url, tmp_path)


@pytest.mark.postgres
def test_kenya_duplicate_area_names_complete_on_postgres(postgres_url, tmp_path):
    _check_kenya(postgres_url, tmp_path)


class _Exploding:
    """A field comparator that fails for one destination: a record the store cannot take."""

    name = "explodes"

    def compare(self, old, new):
        if new.get("key") == "KE":
            raise ValueError("cannot compare Kenya 42")
        return []


def _exploding_feed() -> Source:
    """The feed source with one more field, whose comparison explodes on Kenya."""
    fake = Source(state_dept_feed.__name__)
    fake.__dict__.update({k: v for k, v in vars(state_dept_feed).items() if not k.startswith("__")})
    fake.fields = (*state_dept_feed.fields, _Exploding())
    return fake


def test_a_destination_that_cannot_be_stored_is_isolated_and_reported_once(tmp_path):
    source = _exploding_feed()
    edited = _kenya_edited(FEED_0108, tmp_path)
    second = _redated(edited, datetime(2025, 10, 9, 8, tzinfo=UTC), tmp_path)
    with _session(get_settings().effective_database_url) as session:
        first, changed, again = _ingest_all(session, [FEED_0107, edited, second], source)
        assert first.failed == {}  # baselines compare nothing
        assert changed.status == "ok" and set(changed.failed) == {"KE"}
        assert "ValueError: cannot compare Kenya 42" in changed.failed["KE"]
        kinds = [a.kind for a in changed.alerts]
        assert "level_changed" in kinds and "destination_failed" in kinds  # São Tomé still alerts
        assert set(again.failed) == {"KE"} and "destination_failed" not in [a.kind for a in again.alerts]
        ops = session.exec(select(Alert).where(Alert.kind == "destination_failed")).all()
        assert len(ops) == 1 and "KE" in ops[0].payload["summary"]
        # Kenya keeps its last good state: still the baseline snapshot of 2025-10-07.
        state = session.get(DestinationState, ("state-dept-feed", "KE"))
        snap = session.get(Snapshot, state.confirmed_snapshot_id)
        assert snap.fetch_id == first.fetch_id
        st = session.get(DestinationState, ("state-dept-feed", "ST"))
        assert session.get(Snapshot, st.confirmed_snapshot_id).fetch_id == changed.fetch_id


def test_a_failed_ingest_is_recorded_and_the_bytes_are_fetched_again(feed_server, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("advisory_watch.ingest.apply_observation", broken)
    [failed] = run_source("state-dept-feed", notify=False)
    assert failed.status == "ingest_failed" and "RuntimeError: database went away" in failed.problems[0]
    assert [a.kind for a in failed.alerts] == ["ingest_failed"]
    with _session(get_settings().effective_database_url) as session:
        row = session.exec(select(Fetch).where(Fetch.status == "ingest_failed")).one()
        assert "database went away" in row.error
        assert last_validators(session, "state-dept-feed", FEED_URL) == (None, None)
    monkeypatch.undo()
    monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://travel.state.gov={feed_server.url}")
    [ok] = run_source("state-dept-feed", notify=False)
    assert ok.status == "ok" and ok.items == 211
    log = httpx.get(f"{feed_server.url}/__fixture/log").json()
    assert "If-None-Match" not in log[-1]["headers"]  # not a 304 on bytes never stored


def test_two_documents_observed_at_the_same_instant_are_ordered(tmp_path):
    same = datetime(2025, 10, 8, 12, tzinfo=UTC)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _redated(FEED_0107, same, tmp_path / "a")
    second = _redated(FEED_0108, same, tmp_path / "b")
    with _session(get_settings().effective_database_url) as session:
        one, two = _ingest_all(session, [first, second])
        assert (one.status, two.status) == ("ok", "ok")
        assert two.observed_at > one.observed_at
        assert ("ST", 1, 2) in {(a.key, a.old, a.new) for a in two.alerts}


def test_a_dripping_server_cannot_hold_a_fetch_past_its_deadline():
    with FixtureServer(routes={FEED_PATH: FEED_0107}) as server:
        httpx.post(f"{server.url}/__fixture/fault", json={"path": FEED_PATH, "drip": 0.2, "times": 5})
        settings = Settings(
            url_rewrite=f"https://travel.state.gov={server.url}",
            fetch_timeout=2,
            fetch_deadline=3,
            fetch_attempts=4,
        )
        started = time.monotonic()
        with Fetcher(settings) as fetcher, pytest.raises(DeadlineExceeded):
            fetcher.get(FEED_URL, allowed_hosts=frozenset({"travel.state.gov"}))
        assert time.monotonic() - started < 6


def test_a_list_of_5000_items_extracts_every_area():
    """The time it takes is a bench figure (``bench/bench_witnesses.py``: one item, 5,000 areas)."""
    names = [f"{chr(65 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}ville" for i in range(5000)]
    body = "<p>Exercise increased caution in Peru due to crime.</p><p>Do not travel to:</p><ul>"
    body += "".join(f"<li>{n} Province due to crime</li>" for n in names) + "</ul>"
    feed = FEED_0107.read_text(encoding="utf-8")
    item = re.search(r"<item>.*?</item>", feed, re.S).group(0)
    big = re.sub(
        r"<description>.*?</description>",
        "<description><![CDATA[" + body + "]]></description>",
        item,
        flags=re.S,
    )
    document = (feed[: feed.index("<item>")] + big + "</channel></rss>").encode()
    [extracted] = state_dept_feed.extract(document).records
    assert sum("ville" in a["name"] for a in extracted.record["areas"]) == 5000


# Read by hand from ../shared/fixtures/state_dept/feed-2026-08-22.xml (descriptions quoted in comments).
HAND_CHECKED_2026 = {
    # "Reconsider Travel to Xaisomboun Province due to civil unrest"; two "Exercise Increased Caution
    # in …" statements, one "due to crime", one "due to unexploded ordnances".
    "LA": [
        ("Xaisomboun Province", 3, ["U"]),
        ("areas on the Border with Burma", 2, ["C"]),
        ("areas of Savannakhet", 2, ["O"]),
    ],
    # "Exercise Increased Caution near the Thai-Cambodian border due to the risk of armed conflict";
    # "… in the Yala, Pattani, and Narathiwat provinces due to the risk of unrest".
    "TH": [("Thai-Cambodian border", 2, ["O"]), ("Yala, Pattani, and Narathiwat provinces", 2, ["U"])],
    # "Do not travel to:" San Marcos, Huehuetenango, Zone 18 … Villa Nueva, "due to crime and terrorism".
    "GT": [
        ("San Marcos Department", 4, ["C", "T"]),
        ("Huehuetenango Department", 4, ["C", "T"]),
        ("Zone 18 in Guatemala City and the city of Villa Nueva", 4, ["C", "T"]),
    ],
    # "Reconsider Travel to Transnistria due to risk of armed conflict."
    "MD": [("Transnistria", 3, ["O"])],
    # "Do Not Travel to the Southwest, Northwest, and Far North Regions for any reason due to risk of
    # terrorism, unrest, crime, kidnapping …"; "… within 20 kilometers of the borders with …".
    "CM": [
        ("Southwest, Northwest, and Far North Regions", 4, ["C", "K", "T", "U"]),
        (
            "within 20 kilometers of the borders with Central African Republic, Chad, and Nigeria",
            4,
            ["C", "K", "T", "U"],
        ),
    ],
}


def test_the_2026_format_areas_are_read():
    records = {e.key: e.record for e in state_dept_feed.extract(FEED_2026.read_bytes()).records}
    for key, expected in HAND_CHECKED_2026.items():
        got = records[key]["areas"]
        assert len(got) == len(expected), (key, got)
        for (name, level, indicators), area in zip(expected, got, strict=True):
            assert (
                area["name"].startswith(name) and area["level"] == level and area["indicators"] == indicators
            )
    with_areas = sum(1 for r in records.values() if r["areas"])
    assert with_areas >= 50  # 31 before the 2026 statements were read; the advisories name 55


def test_typographic_apostrophes_and_articles_resolve():
    from diffing.countries import code_for_name

    assert code_for_name("Côte d\u2019Ivoire") == "CI"
    assert code_for_name("Gambia, The") == "GM"
    assert code_for_name("The Bahamas") == code_for_name("Bahamas") == "BS"
    assert code_for_name("Republic of the Congo") == "CG"
    assert code_for_name("Democratic Republic of the Congo") == "CD"


def test_an_unrecognised_destination_is_an_ops_finding(tmp_path):
    """Only a name, a tag and a link that all name nothing known leave an item unread (#28: each of
    them alone keeps the destination, ``test_witnesses``)."""
    text = FEED_0107.read_text(encoding="utf-8").replace('<category domain="Country-Tag">PE</category>', "")
    text = text.replace("<title>Peru - Level", "<title>Atlantis - Level")
    text = text.replace("traveladvisories/peru-travel-advisory.html", "traveladvisories/atlantis.html")
    path = tmp_path / "feed.xml"
    path.write_text(text, encoding="utf-8")
    with _session(get_settings().effective_database_url) as session:
        [result] = _ingest_all(session, [path])
    assert any("Atlantis" in p and "not recognised" in p for p in result.problems)
    ops = [a for a in result.alerts if a.kind == "extraction_failed"]
    assert len(ops) == 1 and "Atlantis" in ops[0].error


def _without_area_markup(path: Path, when: datetime, folder: Path) -> Path:
    """A real day with every item's area markup removed (inside the descriptions only): list
    headings, "– Level 4: Do Not Travel" sections and area statements."""
    out = _redated(path, when, folder)
    phrase = re.compile(r"(?i)(do not travel|reconsider travel|exercise increased caution)( (to|in)\b)")
    section = re.compile(r"(?i)level\s*[1-4]\s*:\s*(do not travel|reconsider travel)")

    def strip(match: re.Match) -> str:
        return section.sub("see below", phrase.sub(r"Read more\2", match.group(0)))

    text = re.sub(r"<!\[CDATA\[.*?\]\]>", strip, out.read_text(encoding="utf-8"), flags=re.S)
    out.write_text(text, encoding="utf-8")
    return out


def test_drift_alerts_once_and_recovers_once(tmp_path):
    days = sorted(ARCHIVE.glob("*.xml"))[-6:]
    start = datetime(2026, 4, 16, 8, tzinfo=UTC)
    broken = [_without_area_markup(days[-1], start + timedelta(hours=h), tmp_path) for h in (1, 2)]
    restored = [_redated(days[-1], start + timedelta(hours=h), tmp_path) for h in (3, 4)]
    with _session(get_settings().effective_database_url) as session:
        results = _ingest_all(session, [*days, *broken, *restored])
    ops = [(r.observed_at, a) for r in results for a in r.alerts if a.kind.startswith("extraction_")]
    kinds = [a.kind for _, a in ops]
    assert kinds == ["extraction_drift", "extraction_recovered"], kinds
    drift = ops[0][1]
    assert re.search(r"areas on \d+ of 21\d records, usually \d+", drift.summary), drift.summary
    assert ops[0][0] == results[len(days)].observed_at and ops[1][0] == results[len(days) + 2].observed_at


def test_note_confirms_and_contradicts():
    old = {"key": "GT", "country_name": "Guatemala", "level": 3, "indicators": ["C"], "issued": "2026-01-01"}
    confirmed = dict(
        old,
        indicators=["C", "T"],
        issued="2026-03-12",
        change_note='There was no change to the advisory level. The "terrorism" risk indicator was added.',
    )
    found = transition(state_dept_feed, old, confirmed)
    assert [(c.kind, c.item, c.witnesses) for c in found.alerting] == [
        ("indicator_added", "T", ("reading", "note"))
    ]
    assert found.findings == []
    denied = dict(confirmed, change_note="There were no changes to the advisory level or risk indicators.")
    found = transition(state_dept_feed, old, denied)
    assert found.alerting == [] and [f.kind for f in found.findings] == ["note_disagrees"]
    unmatched = dict(confirmed, indicators=["C"])
    found = transition(state_dept_feed, old, unmatched)
    assert [f.kind for f in found.findings] == ["note_unmatched"] and "indicators T: added" in found.findings[
        0
    ].summary
    # Announced by the note, missed by the reading: stated on the note's word (#28).
    assert [(c.kind, c.item, c.witnesses) for c in found.alerting] == [("indicator_added", "T", ("note",))]


def test_health_shows_the_drift_in_the_cli_and_the_browser(tmp_path):
    from fastapi.testclient import TestClient

    from history.app import create_app
    from tests.conftest import run_cli

    days = sorted(ARCHIVE.glob("*.xml"))[-6:]
    broken = _without_area_markup(days[-1], datetime(2026, 4, 16, 9, tzinfo=UTC), tmp_path)
    with _session(get_settings().effective_database_url) as session:
        _ingest_all(session, [*days, broken])
    shown = run_cli("health", "--source", "state-dept-feed")
    assert shown.returncode == 1, shown.stderr
    assert re.search(r"DRIFT areas: \d+ \(usually \d+\)", shown.stdout), shown.stdout
    assert re.search(r"areas \d+ \(usually \d+\)", shown.stdout)
    page = TestClient(create_app(get_settings())).get("/health")
    assert page.status_code == 200 and "areas:" in page.text and "usually" in page.text
    api = TestClient(create_app(get_settings())).get("/api/health").json()
    feed = next(r for r in api if r["source"] == "state-dept-feed")
    assert "areas" in feed["drifting"] and feed["latest"]["records"] >= 210
