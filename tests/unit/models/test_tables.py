"""What a fetch row can say, stored as its string."""

from __future__ import annotations

from models.tables import CURRENT_STATUSES, STORED_STATUSES, FetchStatus


def test_statuses_are_their_strings():
    assert FetchStatus.NOT_MODIFIED == "not_modified" and str(FetchStatus.OK) == "ok"
    assert len(FetchStatus) == 7


def test_stored_and_current_groups():
    assert set(STORED_STATUSES) == {FetchStatus.OK, FetchStatus.PARTIAL}
    assert set(CURRENT_STATUSES) == {FetchStatus.OK, FetchStatus.NOT_MODIFIED}
