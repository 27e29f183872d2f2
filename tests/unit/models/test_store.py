"""The snapshot store on an embedded SQLite file: blobs once per content, records by their canonical
hash, and the validators a conditional GET sends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import func, select

from diffing.records import record_hash
from models import store
from models.sessions import session_for
from models.tables import Blob, Fetch, FetchStatus


def test_a_blob_is_stored_once_per_content():
    with session_for() as session:
        first = store.put_blob(session, b"<rss>211 items</rss>")
        again = store.put_blob(session, b"<rss>211 items</rss>")
        session.commit()
        assert first == again == store.sha256(b"<rss>211 items</rss>")
        assert session.exec(select(func.count()).select_from(Blob)).one() == 1
        assert store.get_blob(session, first) == b"<rss>211 items</rss>"


def test_a_record_is_keyed_by_the_hash_every_layer_compares_by():
    record = {"key": "ST", "level": 2, "country_name": "São Tomé and Príncipe"}
    with session_for() as session:
        digest = store.put_record(session, record)
        session.commit()
        assert digest == record_hash(record)
        assert store.get_record(session, digest) == record


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
