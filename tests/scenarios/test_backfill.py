"""Backfills from a loopback Wayback Machine serving the archived feed days, and history re-derived
in observed-time order (advisory_watch/backfill.py, advisory_watch/timeline/)."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select

from advisory_watch.backfill import backfill_at, backfill_range
from advisory_watch.ingest import ingest
from advisory_watch.reprocess import ReprocessError, reprocess
from advisory_watch.results import FetchInfo
from advisory_watch.settings import Settings, get_settings
from diffing.records import canonical_json
from models import store
from models.sessions import session_for
from models.tables import Alert, Change, Fetch, SourceHealth
from scrapers import registry
from scrapers.base import Extracted, Extraction
from scrapers.errors import ExtractionError
from scrapers.fetch import wayback
from scrapers.oc_index import workbook as oc_index
from scrapers.us_state import state_dept_feed
from tests.conftest import ARCHIVE, FEED_URL, run_cli
from tests.scenarios.test_replay import GENUINE_LEVEL_CHANGES, replay

JANUARY = sorted(ARCHIVE.glob("2026-01-*.xml"))
SOURCE = "state-dept-feed"


def days(first: str, last: str) -> list[Path]:
    return [p for p in sorted(ARCHIVE.glob("*.xml")) if first <= p.stem <= last]


def ingest_in_order(files: list[Path], settings: Settings, source=None) -> None:  # noqa: ANN001
    """Files as successive observations at their own channel time (what `replay` does)."""
    source = source or registry.load(SOURCE)
    with session_for(settings) as session:
        for path in files:
            ingest(
                session,
                source,
                path.read_bytes(),
                url=FEED_URL,
                info=FetchInfo(provenance="replay", provenance_url=str(path)),
                notify=False,
                settings=settings,
            )


def history(settings: Settings) -> tuple[list[tuple], dict[str, str]]:
    """Every typed change (without its time of day) and every confirmed record, comparable across DBs."""
    with session_for(settings) as session:
        changes = sorted(
            (c.key, c.kind, c.item, canonical_json(c.old), canonical_json(c.new), c.observed_at.date())
            for c in session.exec(select(Change).where(Change.source == SOURCE)).all()
        )
        confirmed = {k: canonical_json(r) for k, r in store.confirmed_records(session, SOURCE).items()}
    return changes, confirmed


def settings_for(tmp_path: Path, name: str) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / name}.db")


def test_cdx_answers_are_read_strictly():
    header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    body = json.dumps(
        [
            header,
            [
                "gov,state,travel)/_res/rss/tastws.xml",
                "20260106120000",
                FEED_URL,
                "text/xml",
                "200",
                "B",
                "9",
            ],
            [
                "gov,state,travel)/_res/rss/tastws.xml",
                "20260105120000",
                FEED_URL,
                "text/xml",
                "200",
                "A",
                "9",
            ],
        ]
    ).encode()
    captures = wayback.parse_cdx(body)
    assert [c.timestamp for c in captures] == ["20260105120000", "20260106120000"]
    assert captures[0].captured_at == datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert captures[0].raw_url == f"https://web.archive.org/web/20260105120000id_/{FEED_URL}"
    assert wayback.parse_cdx(b"") == [] and wayback.parse_cdx(b"[]") == []
    for bad in (b"<html>rate limited</html>", json.dumps([["a", "b"], [1, 2]]).encode()):
        with pytest.raises(wayback.ArchiveError):
            wayback.parse_cdx(bad)
    with pytest.raises(wayback.ArchiveError):
        wayback.parse_cdx(json.dumps([header, ["k", "2026010512", FEED_URL, "t", "200", "A", "9"]]).encode())
    query = parse_qs(
        urlsplit(wayback.cdx_url(FEED_URL, to=datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC))).query
    )
    assert query == {
        "url": [FEED_URL],
        "to": ["20260105235959"],
        "filter": ["statuscode:200"],
        "limit": ["-1"],
        "output": ["json"],
    }


def test_january_backfill_gives_the_replays_changes_and_sends_nothing(tmp_path, wayback_server, slack):
    # The archive has 29 January days (no capture on the 3rd or the 11th): read off the folder.
    assert len(JANUARY) == 29
    assert {"2026-01-03.xml", "2026-01-11.xml"}.isdisjoint(p.name for p in JANUARY)

    done = run_cli("backfill", "--source", SOURCE, "--start", "2026-01-01", "--end", "2026-01-31", "--json")
    assert done.returncode == 0, done.stderr
    assert "31 moment(s), 29 capture(s) found, 29 fetched" in done.stderr
    assert "2 without a capture" in done.stderr
    # GD and JM's level changes, and BJ +U, KM +H, GM +U, PK +K as State's notes confirm them.
    assert "6 alert(s) (6 held back, notify=none)" in done.stderr
    raised = [json.loads(line) for line in done.stdout.splitlines()]

    folder = tmp_path / "january"
    folder.mkdir()
    for path in JANUARY:
        shutil.copy(path, folder / path.name)
    replayed = replay(folder)

    def essence(alerts: list[dict]) -> list[tuple]:
        return [
            (
                a["kind"],
                a["country"],
                a["old"],
                a["new"],
                a["observed_at"][:10],
                [c["kind"] for c in a["changes"]],
            )
            for a in alerts
        ]

    assert essence(raised) == essence(replayed)
    levels = [a for a in raised if a["kind"] == "level_changed"]
    assert [(a["observed_at"][:10], a["country"], a["old"], a["new"]) for a in levels] == [
        change for change in GENUINE_LEVEL_CHANGES if change[0].startswith("2026-01")
    ]
    assert levels[0]["observed_at"] == "2026-01-06T12:00:00+00:00"  # the capture's time, not today
    confirmed = [(a["country"], a["kind"], a["item"]) for a in raised if a["kind"] != "level_changed"]
    assert confirmed == [
        ("BJ", "indicator_added", "U"),
        ("KM", "indicator_added", "H"),
        ("GM", "indicator_added", "U"),
        ("PK", "indicator_added", "K"),
    ]

    with session_for() as session:
        archived = session.exec(
            select(Fetch)
            .where(Fetch.provenance == "archive", Fetch.status == "ok")
            .order_by(Fetch.observed_at)
        ).all()
        assert [f.observed_at.date().isoformat() for f in archived] == [p.stem for p in JANUARY]
        assert archived[0].provenance_url == f"https://web.archive.org/web/20260101120000id_/{FEED_URL}"
        assert archived[0].url == FEED_URL
        no_capture = session.exec(select(Fetch).where(Fetch.status == "no_capture")).all()
        assert sorted(f.observed_at.date().isoformat() for f in no_capture) == ["2026-01-03", "2026-01-11"]
        assert {a.status for a in session.exec(select(Alert)).all()} == {"held"}
        health = session.get(SourceHealth, SOURCE)
        assert (health.consecutive_failures, health.last_success_at) == (0, None)

    assert run_cli("alerts", "flush").returncode == 0
    assert slack.posts() == []  # held alerts never reach a channel

    log = httpx.get(f"{wayback_server.url}/__fixture/log").json()
    raw_requests = [r for r in log if r["path"].startswith("/web/")]
    assert len(raw_requests) == 29
    again = run_cli("backfill", "--source", SOURCE, "--start", "2026-01-01", "--end", "2026-01-31")
    assert again.returncode == 0, again.stderr
    assert "29 already stored" in again.stderr and "0 change(s)" in again.stderr
    log = httpx.get(f"{wayback_server.url}/__fixture/log").json()
    assert len([r for r in log if r["path"].startswith("/web/")]) == 29  # nothing downloaded twice


def test_a_backfill_over_live_history_leaves_the_current_state_alone(tmp_path, wayback_server):
    live = get_settings()
    ingest_in_order(days("2026-01-15", "2026-02-15"), live)
    before_changes, before_state = history(live)

    report = backfill_range(
        SOURCE,
        datetime(2026, 1, 1, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC),
        settings=live,
    )
    summary = report.summary()
    assert summary["captures_found"] == 29 and summary["failed"] == 0

    after_changes, after_state = history(live)
    assert after_state == before_state  # the current confirmed state did not move
    # History now reads as if every distinct day had been seen in order: one replay over the union.
    union = settings_for(tmp_path, "union")
    ingest_in_order(days("2026-01-01", "2026-02-15"), union)
    assert after_changes == history(union)[0]
    assert after_changes != before_changes  # the backfill did add history
    # The overlapping days (15th–31st) are the same bytes as the live observations: no second look.
    with session_for(live) as session:
        late = session.exec(
            select(Fetch).where(
                Fetch.provenance == "archive", Fetch.observed_at >= datetime(2026, 1, 15, tzinfo=UTC)
            )
        ).all()
        assert len(late) == 17 and all(f.observed_keys for f in late)

    # Analysts see where each snapshot came from.
    from fastapi.testclient import TestClient

    from history.app import create_app

    client = TestClient(create_app(live))
    rows = client.get("/api/snapshots", params={"country": "GD"}).json()
    origins = {(r["observed_at"][:10], r["provenance"], r["capture_url"]) for r in rows}
    assert (
        "2026-01-06",
        "archive",
        f"https://web.archive.org/web/20260106120000id_/{FEED_URL}",
    ) in origins
    assert all(p == "replay" for day, p, _ in origins if day >= "2026-01-15")
    archived = next(r for r in rows if r["provenance"] == "archive")
    page = client.get(f"/snapshot/{archived['id']}").text
    assert "from the Internet Archive" in page and archived["capture_url"] in page
    timeline = client.get("/country/GD").text
    assert "from the archive" in timeline


# Fold checkpoints every 3 observations: a shuffled arrival re-folds from checkpoints, settles
# destinations where they meet the stored fold and resumes them; every 100: from the first observation.
@pytest.mark.parametrize("checkpoint_every", [3, 100])
def test_arrival_order_does_not_change_history(tmp_path, checkpoint_every):
    files = days("2025-12-12", "2026-01-20")
    in_order = settings_for(tmp_path, "in_order")
    ingest_in_order(files, in_order)
    shuffled = settings_for(tmp_path, "shuffled").model_copy(
        update={"fold_checkpoint_every": checkpoint_every}
    )
    mixed = list(files)
    random.Random(20261122).shuffle(mixed)
    ingest_in_order(mixed, shuffled)
    expected_changes, expected_state = history(in_order)
    assert len(expected_changes) > 20
    assert history(shuffled)[0] == expected_changes
    # The live state of a shuffled arrival is what each newest file showed; reprocess settles it.
    reprocess(SOURCE, settings=shuffled)
    assert history(shuffled) == (expected_changes, expected_state)


def test_a_backfill_into_long_history_folds_only_from_the_checkpoint_before_it(tmp_path, monkeypatch):
    """A capture backfilled early into a checkpointed history: the fold covers the observations from
    the checkpoint before it to a checkpoint shortly after (not the whole history after it), and the
    history is the one an in-order arrival leaves."""
    from advisory_watch.timeline import fold

    files = days("2025-12-12", "2026-02-28")
    held_out = files[5]
    in_order = settings_for(tmp_path, "in_order")
    ingest_in_order(files, in_order)
    backfilled = settings_for(tmp_path, "backfilled").model_copy(update={"fold_checkpoint_every": 4})
    ingest_in_order([f for f in files if f != held_out], backfilled)

    folded: list[tuple[int, bool]] = []
    fold_window = fold.fold_window

    def spy(session, source, window, stored, settled_after):  # noqa: ANN001, ANN202
        run = fold_window(session, source, window, stored, settled_after)
        folded.append((len(window.timeline), run.stopped_at is not None))
        return run

    monkeypatch.setattr(fold, "fold_window", spy)
    ingest_in_order([held_out], backfilled)
    assert len(files) > 60
    # From the checkpoint before day 6 to the second one after it: at most 3 spacings of 4, and it
    # met the stored fold there.
    assert folded and all(length <= 12 and stopped for length, stopped in folded), folded
    assert history(backfilled)[0] == history(in_order)[0]


class DropsKidnapping:
    """The feed extractor with a bug: it loses the K (kidnapping) indicator."""

    extractor_version = "buggy"

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(state_dept_feed, name)

    def extract(self, content: bytes, *, url: str) -> Extraction:
        extraction = state_dept_feed.extract(content, url=url)
        return Extraction(
            records=[self._drop(e) for e in extraction.records],
            problems=extraction.problems,
            document_time=extraction.document_time,
        )

    @staticmethod
    def _drop(extracted: Extracted) -> Extracted:
        record = {**extracted.record, "indicators": [i for i in extracted.record["indicators"] if i != "K"]}
        return Extracted(extracted.key, record, extracted.raw, extracted.rejected)


def test_reprocess_rebuilds_identical_records_and_repairs_an_extractor_bug(tmp_path):
    files = days("2025-12-12", "2026-01-10")
    good = settings_for(tmp_path, "good")
    ingest_in_order(files, good)
    expected = history(good)
    with session_for(good) as session:
        with_k = [k for k, r in store.confirmed_records(session, SOURCE).items() if "K" in r["indicators"]]
    assert len(with_k) > 10  # e.g. Colombia, Haiti, Mexico carry K in these days

    unchanged = reprocess(SOURCE, settings=good).summary()
    assert unchanged["records_changed"] == 0
    assert (unchanged["changes_added"], unchanged["changes_removed"]) == (0, 0)
    assert history(good) == expected

    buggy = settings_for(tmp_path, "buggy")
    ingest_in_order(files, buggy, source=DropsKidnapping())
    with session_for(buggy) as session:
        assert not any("K" in r["indicators"] for r in store.confirmed_records(session, SOURCE).values())
    repaired = reprocess(SOURCE, settings=buggy).summary()
    assert repaired["records_changed"] >= len(with_k)
    assert history(buggy) == expected


def test_reprocess_since_and_from_the_cli(tmp_path):
    ingest_in_order(days("2025-12-12", "2025-12-20"), get_settings())
    done = run_cli("reprocess", "--source", SOURCE, "--since", "2025-12-18", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    with session_for() as session:
        from models.tables import Snapshot

        total = len(session.exec(select(Snapshot)).all())
        late = len(
            session.exec(
                select(Snapshot).where(Snapshot.observed_at >= datetime(2025, 12, 18, tzinfo=UTC))
            ).all()
        )
    assert 0 < summary["snapshots"] == late < total
    assert summary["records_changed"] == 0 and "snapshot(s) re-read" in done.stderr


def test_the_archive_is_read_politely_and_bad_captures_lose_nothing(tmp_path, monkeypatch):
    from advisory_watch.fixture_server import FixtureServer
    from advisory_watch.settings import reset_settings_cache

    captures = tmp_path / "captures"
    captures.mkdir()
    shutil.copy(ARCHIVE / "2026-01-05.xml", captures / "2026-01-05.xml")
    shutil.copy(ARCHIVE / "2026-01-05.xml", captures / "2026-01-06.xml")  # unchanged: same digest
    shutil.copy(ARCHIVE / "2026-01-06.xml", captures / "2026-01-07.xml")
    # The archive's own wrapper page instead of the feed (what a capture without id_ looks like).
    (captures / "2026-01-08.xml").write_text(
        "<html><body><div id='wm-ipp'>Wayback Machine</div></body></html>"
    )
    with FixtureServer(wayback={FEED_URL: captures}) as server:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://web.archive.org={server.url}")
        monkeypatch.setenv("ADVISORY_WATCH_FETCH_BACKOFF_MAX", "1")
        reset_settings_cache()
        settings = get_settings()

        def control(**fault) -> None:  # noqa: ANN003
            httpx.post(f"{server.url}/__fixture/fault", json=fault).raise_for_status()

        control(path="/cdx/search/cdx", status=429, retry_after=1)
        control(path="/cdx/search/cdx", reset=True)
        control(path=f"/web/20260105120000id_/{FEED_URL}", status=503, retry_after=0)

        def at(day: int) -> list:
            moment = datetime(2026, 1, day, 23, 59, 59, tzinfo=UTC)
            return backfill_at(
                SOURCE, moment, since=moment.replace(hour=0, minute=0, second=0), settings=settings
            )

        before_any = at(4)
        first, same, changed, wrapped = at(5), at(6), at(7), at(8)
        log = httpx.get(f"{server.url}/__fixture/log").json()

    assert [s.status for s in before_any] == ["no_capture"]
    assert first[0].status == "ingested" and first[0].result.status == "ok"
    assert same[0].status == "same_digest" and same[0].capture.digest == first[0].capture.digest
    assert changed[0].status == "ingested" and changed[0].result.status == "ok"
    assert wrapped[0].status == "ingested" and wrapped[0].result.status == "extraction_failed"
    # 429, reset, then the answer for the first CDX query; 503 then the bytes for the first capture.
    assert [r["fault"] and (r["fault"]["status"] or "reset") for r in log[:3]] == [429, "reset", None]
    raw = [r["path"] for r in log if r["path"].startswith("/web/")]
    assert raw.count(f"/web/20260105120000id_/{FEED_URL}") == 2  # the 503, then the capture
    assert not any("20260106120000" in p for p in raw)  # same digest: never downloaded
    with session_for(settings) as session:
        # The live site's health is not the archive's: no streak, no success, no error recorded.
        health = session.get(SourceHealth, SOURCE)  # (SQLite's write lock creates the row)
        assert (health.consecutive_failures, health.last_error, health.last_success_at) == (0, None, None)
        statuses = [
            (f.observed_at.day, f.status)
            for f in session.exec(select(Fetch).order_by(Fetch.observed_at, Fetch.id)).all()
        ]
        assert statuses == [
            (4, "no_capture"),
            (5, "ok"),
            (6, "not_modified"),
            (7, "ok"),
            (8, "extraction_failed"),
        ]
        held = session.exec(select(Alert).where(Alert.kind == "extraction_failed")).all()
        assert len(held) == 1 and held[0].status == "held"
        # The unreadable capture changed nothing: the state is the one of the 7th's capture.
        records = store.confirmed_records(session, SOURCE)
    assert len(records) > 200 and all(r["issued"] <= "2026-01-06" for r in records.values())


def test_snapshot_extractors_read_their_own_raw_bytes():
    feed = registry.load(SOURCE)
    extraction = feed.extract((ARCHIVE / "2026-01-05.xml").read_bytes(), url=FEED_URL)
    item = extraction.records[0]
    again = state_dept_feed.extract_snapshot(item.raw, url=FEED_URL)
    assert again.records[0].record == item.record
    with pytest.raises(ExtractionError):
        state_dept_feed.extract_snapshot(b"<item><title>unterminated", url=FEED_URL)


def test_notify_live_sends_and_digest_waits_for_the_digest(wayback_server, slack):
    from alerts.digest import queue_digests
    from alerts.routing import parse

    live = run_cli(
        "backfill", "--source", SOURCE, "--start", "2026-01-05", "--end", "2026-01-06", "--notify", "live"
    )
    assert live.returncode == 0, live.stderr
    assert "1 alert(s) (0 held back, notify=live)" in live.stderr
    assert run_cli("alerts", "flush").returncode == 0
    [post] = slack.posts()
    assert "Grenada" in json.dumps(post["body"])  # GD 1 → 2, first seen in the capture of the 6th

    later = run_cli(
        "backfill", "--source", SOURCE, "--start", "2026-01-17", "--end", "2026-01-18", "--notify", "digest"
    )
    assert later.returncode == 0, later.stderr
    # JM 3 → 2, and the note-confirmed indicator changes since the 6th (BJ +U, KM +H, GM +U).
    assert "4 alert(s) (4 held back, notify=digest)" in later.stderr
    assert run_cli("alerts", "flush").returncode == 0
    assert len(slack.posts()) == 1  # nothing live
    routing = parse({"default_channel": "#travel-risk", "routes": [{"channel": "#digest", "digest": True}]})
    with session_for() as session:
        [digest] = queue_digests(session, routing, now=datetime(2026, 11, 22, 7, tzinfo=UTC))
        assert {(i["country"], i["kind"]) for i in digest.to_json()["items"]} >= {("JM", "level_changed")}
        assert queue_digests(session, routing, now=datetime(2026, 11, 23, 7, tzinfo=UTC)) == []  # once
        assert {a.status for a in session.exec(select(Alert).where(Alert.source == SOURCE)).all()} == {
            "sent",
            "digested",
        }


def test_which_runs_read_the_archive():
    from airflow.utils.types import DagRunType

    from advisory_watch.airflow_tasks import archive_moment

    now = datetime.now(UTC)
    hour = {"data_interval_start": now, "data_interval_end": now}

    def run(run_type: DagRunType, logical: datetime | None) -> datetime | None:
        return archive_moment(
            {"dag_run": SimpleNamespace(run_type=run_type), "logical_date": logical, **hour}
        )

    past = datetime(2026, 1, 5, 23, tzinfo=UTC)
    assert run(DagRunType.BACKFILL_JOB, now) == now  # a backfill is historical even for the last hour
    assert run(DagRunType.MANUAL, past) == past  # a manual run with a past date
    assert run(DagRunType.SCHEDULED, now) is None  # the normal hourly run
    assert run(DagRunType.SCHEDULED, past) is None  # even one that waited long in its pool
    assert run(DagRunType.MANUAL, None) is None  # a manual run without a logical date


@pytest.mark.postgres
def test_backfill_over_live_history_on_postgres(tmp_path, wayback_server, postgres_url):
    """The production database: the same history whatever the arrival order, the live state kept."""
    live = Settings(database_url=postgres_url, url_rewrite=get_settings().url_rewrite)
    ingest_in_order(days("2026-01-12", "2026-01-25"), live)
    _, before_state = history(live)
    report = backfill_range(
        SOURCE,
        datetime(2026, 1, 1, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 15, 23, 59, 59, tzinfo=UTC),
        settings=live,
    )
    assert report.summary()["captures_fetched"] == 13  # the 1st–15th without the 3rd and the 11th
    after_changes, after_state = history(live)
    assert after_state == before_state
    union = settings_for(tmp_path, "union")
    ingest_in_order(days("2026-01-01", "2026-01-25"), union)
    assert after_changes == history(union)[0]


class CannotReadItems(DropsKidnapping):
    """An extractor regression: every stored item is now 'unreadable'."""

    extractor_version = "broken"

    def extract_snapshot(self, raw: bytes, *, url: str) -> Extraction:
        raise ExtractionError("no <level> element (layout changed)")


def test_a_broken_extractor_cannot_wipe_history(tmp_path):
    settings = settings_for(tmp_path, "kept")
    ingest_in_order(days("2025-12-12", "2025-12-31"), settings)
    before = history(settings)
    assert before[0]
    with pytest.raises(ReprocessError, match="nothing was changed"):
        reprocess(SOURCE, settings=settings, source=CannotReadItems())
    assert history(settings) == before


def test_oc_index_snapshots_are_reread_from_the_workbook(tmp_path):
    from tests.conftest import WORKBOOK

    settings = settings_for(tmp_path, "oc")
    oc = registry.load("oc-index")
    with session_for(settings) as session:
        ingest(session, oc, WORKBOOK.read_bytes(), url=oc.urls[0], notify=False, settings=settings)
        records = store.confirmed_records(session, "oc-index")
    summary = reprocess("oc-index", settings=settings).summary()
    assert summary["snapshots"] == len(records) == 194  # 193 countries + the index record
    assert summary["records_changed"] == 0 and summary["unreadable"] == 0
    legacy = oc_index.extract_snapshot(canonical_json(records["PE"]).encode())
    assert legacy.records[0].record == records["PE"]
