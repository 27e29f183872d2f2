"""Insertion: an observation older than the newest one put in its place in history (with explicit
copies where the next observation would otherwise seem to show it), then the history re-derived."""

from __future__ import annotations

from datetime import datetime

from advisory_watch.history_writes import NewSnapshot, insert_snapshots
from advisory_watch.results import IngestResult, RunContext
from advisory_watch.timeline.checkpoints import checkpoint_before, horizon_after, stored_checkpoints
from advisory_watch.timeline.reconcile import rederive
from advisory_watch.timeline.window import Window, add_snapshots, load_window
from models.tables import Fetch
from scrapers.base import Extracted


def insert_observation(
    run: RunContext, fetch: Fetch, chosen_by_key: dict[str, Extracted], result: IngestResult
) -> None:
    """Put an observation older than the newest one in its place, then re-derive the history.

    Snapshots are sparse (a destination's snapshot stands until its bytes change), so inserting a
    different one at time t would silently change what the next observation showed. Where that
    happens the next observation gets an explicit copy of what it really showed.
    """
    session, source, settings = run.session, run.source, run.settings
    when = fetch.observed_at
    start = checkpoint_before(session, source.name, when)
    # One window serves both the placing and the fold after it (the new snapshots put in it).
    marks = (
        stored_checkpoints(session, source.name, start.observed_at if start else None),
        settings.fold_checkpoint_every,
    )
    window = load_window(session, source, start, marks=marks, until=horizon_after(session, source.name, when))
    placed = _place(window, fetch, when, chosen_by_key)
    if placed is None:  # a destination's next observation lies beyond the horizon
        window = load_window(session, source, start, marks=marks)
        placed = _place(window, fetch, when, chosen_by_key)
    assert placed is not None  # the whole history was loaded
    written, settled_after = placed
    result.snapshots += sum(1 for snapshot in written if snapshot.copy_of is None)
    add_snapshots(window, insert_snapshots(session, source, written))
    outcome = rederive(
        run,
        keep_current_state=True,
        start=start,
        settled_after=settled_after,
        window=window,
    )
    result.changes += outcome.changes_added
    result.alerts += outcome.alerts
    result.decisions["inserted_in_history"] += 1
    if outcome.changes_removed:
        result.decisions["changes_superseded"] += outcome.changes_removed
    if outcome.conflicts:
        result.problems.append(
            "re-derived state differs from the live state (live kept): " + " ".join(outcome.conflicts)
        )


def _place(
    window: Window, fetch: Fetch, when: datetime, chosen_by_key: dict[str, Extracted]
) -> tuple[list[NewSnapshot], datetime] | None:
    """The snapshots an observation inserted at ``when`` adds (its own, and copies for the next
    observations that showed what came before), and the instant after which history is unchanged;
    None when the window ends before some destination's next observation."""
    timeline, position = window.timeline, window.position
    here = position[fetch.id]
    written: list[NewSnapshot] = []
    settled_after = when
    for key in sorted(chosen_by_key):
        chosen = chosen_by_key[key]
        fold = window.folds.get(key)
        history = fold.history if fold is not None else []
        earlier = [s for s in history if position[s.fetch_id] < here]
        as_of = earlier[-1] if earlier else fold.current if fold is not None else None
        if as_of is not None and (as_of.record_hash, as_of.raw_hash) == (chosen.record_hash, chosen.raw_hash):
            continue
        written.append(NewSnapshot(key, fetch.id, when, "backfilled", extracted=chosen))
        if as_of is None:
            continue
        following = next((obs for obs in timeline[here + 1 :] if obs.keys is None or key in obs.keys), None)
        if following is None:
            if not window.complete:
                return None
            continue
        later = [s for s in history if position[s.fetch_id] > here]
        if later and position[later[0].fetch_id] <= position[following.fetch_id]:
            continue  # the next observation has its own snapshot already
        written.append(
            NewSnapshot(key, following.fetch_id, following.observed_at, as_of.disposition, copy_of=as_of)
        )
        settled_after = max(settled_after, following.observed_at)
    return written, settled_after
