"""Blobs once per content, records by their canonical hash, on an embedded SQLite file."""

from __future__ import annotations

from sqlmodel import func, select

from diffing.records import record_hash
from models import blobs
from models.sessions import session_for
from models.tables import Blob


def test_a_blob_is_stored_once_per_content():
    with session_for() as session:
        first = blobs.put_blob(session, b"<rss>211 items</rss>")
        again = blobs.put_blob(session, b"<rss>211 items</rss>")
        session.commit()
        assert first == again == blobs.sha256(b"<rss>211 items</rss>")
        assert session.exec(select(func.count()).select_from(Blob)).one() == 1
        assert blobs.get_blob(session, first) == b"<rss>211 items</rss>"


def test_a_record_is_keyed_by_the_hash_every_layer_compares_by():
    record = {"key": "ST", "level": 2, "country_name": "São Tomé and Príncipe"}
    with session_for() as session:
        digest = blobs.put_record(session, record)
        session.commit()
        assert digest == record_hash(record)
        assert blobs.get_record(session, digest) == record
