"""The noise rule on the real archive days where each kind of noise occurs (see diffing/acceptance.py)."""

from __future__ import annotations

from sqlmodel import select

from advisory_watch.replay import replay_files
from models import blobs
from models.tables import DestinationState, Snapshot
from tests.conftest import ARCHIVE


def run(days: list[str]):
    return list(replay_files("state-dept-feed", [ARCHIVE / f"{d}.xml" for d in days]))


def confirmed_record(key: str) -> dict:
    from models.sessions import session_for

    with session_for() as session:
        state = session.get(DestinationState, ("state-dept-feed", key))
        snap = session.get(Snapshot, state.confirmed_snapshot_id)
        return blobs.get_record(session, snap.record_hash)


def test_placeholder_level_1_items_are_rejected():
    # 2026-01-14: Belarus appears as "Level 1: Exercise Normal Precautions", "Summary not available".
    results = run(["2026-01-13", "2026-01-14", "2026-01-15"])
    assert [a for r in results for a in r.alerts] == []
    assert results[1].rejected >= 1
    assert confirmed_record("BY")["level"] == 4


def test_stale_copy_under_the_other_cms_does_not_undo_a_change():
    # 2026-04-10 São Tomé goes to Level 3 (new CMS, issued 2026-04-08); on 2026-04-14 only the legacy
    # copy is in the feed, still Level 2 and issued 2025-10-08.
    results = run(["2026-04-09", "2026-04-10", "2026-04-14", "2026-04-15"])
    alerts = [(a.country, a.old, a.new) for r in results for a in r.alerts if a.country == "ST"]
    assert alerts == [("ST", 2, 3)]  # the stale Level 2 copy never undoes it
    assert results[2].decisions["stale"] >= 1
    assert confirmed_record("ST")["level"] == 3


def test_future_issue_dates_are_implausible():
    # 2025-12-28: Austria's item is dated 14 Feb 2030 and another item 22 Oct 2052, for one day.
    results = run(["2025-12-27", "2025-12-28", "2025-12-29"])
    assert [a for r in results for a in r.alerts] == []
    assert results[1].decisions["implausible"] == 2
    assert confirmed_record("AT")["issued"] == "2024-08-23"


def test_one_day_redates_are_held_pending_and_dropped():
    # 2026-02-11: a batch of items re-dated "11 Feb 2026" for one day, then back.
    results = run(["2026-02-10", "2026-02-11", "2026-02-12"])
    # No change alerts; the day most items came without a description is extraction drift for ops,
    # told once and recovered the next day.
    assert [[a.kind for a in r.alerts] for r in results] == [
        [],
        ["extraction_drift"],
        ["extraction_recovered"],
    ]
    assert results[1].decisions["pending"] > 0
    assert confirmed_record("BY")["issued"] == "2025-12-29"
    from models.sessions import session_for

    with session_for() as session:
        pending = session.exec(
            select(DestinationState).where(DestinationState.pending_snapshot_id.is_not(None))
        )
        # Only the Kyrgyz Republic's genuine reissue (dated 10 Feb 2026, first seen on the 12th) waits
        # for confirmation; every one-day re-date was dropped when the old date came back.
        assert [s.key for s in pending.all()] == ["KG"]
