"""Where the fold stores its checkpoints, and what a stored one holds."""

from __future__ import annotations

from datetime import UTC, datetime

from advisory_watch.timeline.checkpoints import Checkpoint, checkpoint_places

WHEN = datetime(2026, 3, 4, 12, tzinfo=UTC)


def test_a_window_without_stored_checkpoints_gets_one_every_n_observations():
    assert checkpoint_places(list(range(100, 110)), {}, 4) == {3, 7}


def test_the_stored_checkpoints_keep_their_places_and_new_ones_follow_the_last():
    # Stored at fetches 103 and 105 (positions 3 and 5): kept, so a re-fold can meet them; the next
    # new one is every 4 after the last stored one.
    assert checkpoint_places(list(range(100, 112)), {103: WHEN, 105: WHEN}, 4) == {3, 5, 9}


def test_a_long_stretch_before_a_stored_checkpoint_gets_checkpoints_too():
    # Backfilled history: 10 observations before the first stored checkpoint (position 10), at least
    # twice the spacing of 4: checkpoints every 4 from the start (3; 7 would be closer than 4 to the
    # stored one), then every 4 after it.
    assert checkpoint_places(list(range(20)), {10: WHEN}, 4) == {3, 10, 14, 18}


def test_a_checkpoint_reads_back_what_it_stored_and_compares_by_its_fold():
    stored = Checkpoint(7, WHEN, {"PE": [3, 3, None, 3]}, {"https://travel.state.gov/feed": 7})
    again = Checkpoint.decode(7, WHEN, stored.encode())
    assert again == stored and again.same_fold(Checkpoint(9, WHEN, dict(stored.keys), dict(stored.urls)))
    assert not again.same_fold(Checkpoint(7, WHEN, {"PE": [4, 3, None, 4]}, dict(stored.urls)))
