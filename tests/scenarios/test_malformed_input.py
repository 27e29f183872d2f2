"""Bad input gets a clear error, an ops alert at most once per streak, and never a false change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from advisory_watch.ingest import ingest
from models.sessions import session_for
from models.tables import Change, DestinationState
from scrapers.us_state import state_dept_feed
from tests.conftest import FEED_0107, FEED_1008

URL = state_dept_feed.urls[0]
T0 = datetime(2025, 10, 7, 21, 0, tzinfo=UTC)


def _states(session) -> dict[str, int | None]:
    return {s.key: s.confirmed_snapshot_id for s in session.exec(select(DestinationState)).all()}


def _changes(session) -> int:
    return session.exec(select(func.count()).select_from(Change)).one()


def _without_level(xml: bytes, country_title: str) -> bytes:
    """The 2025-10-08 capture with one item's level removed from its title and its category."""
    text = xml.decode()
    start = text.index(f"<title>{country_title} - Level")
    end = text.index("</item>", start)
    item = text[start:end]
    item = re.sub(r" - Level \d: [^<]*", "", item, count=1)
    item = re.sub(r'<category domain="Threat-Level">[^<]*</category>', "", item)
    return (text[:start] + item + text[end:]).encode()


def test_malformed_feeds_never_look_like_changes():
    good_old, good_new = FEED_0107.read_bytes(), FEED_1008.read_bytes()
    bad_documents = {
        "truncated XML": good_new[: len(good_new) // 2],
        "empty channel": re.sub(rb"<item>.*</item>", b"", good_new, flags=re.S),
        "HTML error page served as 200": b"<!DOCTYPE html><html><body><h1>Unavailable</h1></body></html>",
        "empty body": b"",
    }
    with session_for() as session:
        first = ingest(session, state_dept_feed, good_old, url=URL, observed_at=T0)
        assert first.status == "ok" and first.alerts == []
        baseline = _states(session)
        assert len(baseline) == 211

        ops_alerts = []
        for i, (label, content) in enumerate(bad_documents.items(), start=1):
            result = ingest(session, state_dept_feed, content, url=URL, observed_at=T0 + timedelta(hours=i))
            assert result.status == "extraction_failed", label
            assert result.problems and result.problems[0], label
            ops_alerts += result.alerts
            assert _states(session) == baseline, label  # the last good snapshot stays current
            assert _changes(session) == 0, label
        # One ops alert for the whole failure streak, not one per failure.
        assert [a.kind for a in ops_alerts] == ["extraction_failed"]
        assert "not well-formed XML" in ops_alerts[0].error

        # The real next capture then gives exactly the one real change, and ops hear of the recovery.
        after = ingest(session, state_dept_feed, good_new, url=URL, observed_at=T0 + timedelta(hours=9))
        kinds = sorted(a.kind for a in after.alerts)
        assert kinds == ["level_changed", "source_recovered"]
        level = next(a for a in after.alerts if a.kind == "level_changed")
        assert (level.country, level.old, level.new) == ("ST", 1, 2)


def test_an_item_without_a_level_is_skipped_and_reported():
    with session_for() as session:
        ingest(session, state_dept_feed, FEED_0107.read_bytes(), url=URL, observed_at=T0)
        before = _states(session)
        broken = _without_level(FEED_1008.read_bytes(), "Peru")
        result = ingest(session, state_dept_feed, broken, url=URL, observed_at=T0 + timedelta(hours=1))
        assert result.status == "ok"
        assert result.problems == ["item 'Peru': no advisory level"]
        assert result.items == 210
        kinds = sorted(a.kind for a in result.alerts)
        assert kinds == ["extraction_failed", "level_changed"]  # Peru reported to ops; São Tomé still alerts
        assert _states(session)["PE"] == before["PE"]


def test_extraction_error_messages_are_clear():
    import pytest

    from scrapers.errors import ExtractionError

    for content, message in [
        (b"", "empty response body"),
        (b"<html><body>Maintenance</body></html>", "not an RSS feed"),
        (b"<rss><channel><title>x</title></channel></rss>", "the feed has no items"),
        (FEED_1008.read_bytes()[:1000], "not well-formed XML"),
    ]:
        with pytest.raises(ExtractionError, match=message):
            state_dept_feed.extract(content)
