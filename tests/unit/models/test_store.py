"""The snapshot store on an embedded SQLite file: the validators a conditional GET sends, and moments
read back in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from models import store
from models.sessions import session_for
from models.tables import Fetch, FetchStatus


def test_validators_come_from_the_newest_successful_live_fetch():
    url = "https://travel.state.gov/_res/rss/TAsTWs.xml"
    with session_for() as session:
        assert store.last_validators(session, "state-dept-feed", url) == (None, None)
        for hour, status, etag in ((1, FetchStatus.OK, '"a"'), (2, FetchStatus.NOT_MODIFIED, '"b"')):
            session.add(
                Fetch(
                    source="state-dept-feed",
                    url=url,
                    observed_at=datetime(2026, 1, 1, hour, tzinfo=UTC),
                    status=status,
                    etag=etag,
                    last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
                )
            )
        session.commit()
        assert store.last_validators(session, "state-dept-feed", url) == (
            '"b"',
            "Thu, 01 Jan 2026 00:00:00 GMT",
        )
        # A download that could not be extracted asks for the whole document again next time.
        session.add(
            Fetch(
                source="state-dept-feed",
                url=url,
                observed_at=datetime(2026, 1, 1, 3, tzinfo=UTC),
                status=FetchStatus.EXTRACTION_FAILED,
                etag='"c"',
            )
        )
        session.commit()
        assert store.last_validators(session, "state-dept-feed", url) == (None, None)


def test_naive_times_from_the_database_are_utc():
    assert store.as_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
