"""The fold: the live acceptance rule, step by step, over a window of stored history, storing
checkpoints as it goes and stopping where it meets the stored fold again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from advisory_watch.settings import Settings
from advisory_watch.timeline.checkpoints import (
    Checkpoint,
    checkpoint_before,
    horizon_after,
    load_checkpoint,
    store_checkpoint,
    stored_checkpoints,
)
from advisory_watch.timeline.window import REJECTED, KeyFold, Window, load_window, record_of
from diffing.acceptance import Decision, Verdict
from models import blobs, store
from models.store import SnapRow
from scrapers.base import Source


@dataclass
class FoldRun:
    transitions: list[tuple[str, SnapRow, SnapRow, datetime]] = field(default_factory=list)
    dispositions: dict[int, str] = field(default_factory=dict)
    stopped_at: datetime | None = None  # the checkpoint where the fold met the stored one
    # Destinations whose fold met the stored one at a checkpoint and skipped ahead to a later one:
    # their stored history between the two (after, up to) stands as it is.
    skipped: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    checkpoints: list[tuple[Checkpoint, bool]] = field(default_factory=list)  # to store (replacing?)


def _advance(fold: KeyFold, position: dict[int, int], upto: int) -> None:
    while fold.cursor < len(fold.history) and position[fold.history[fold.cursor].fetch_id] <= upto:
        fold.current = fold.history[fold.cursor]
        fold.cursor += 1


def _fold_segment(
    session: Session, source: Source, window: Window, key: str, fold: KeyFold, upto: int, run: FoldRun
) -> None:
    """One destination through the observations that showed it, up to position ``upto``: the live
    rule, step by step."""
    while fold.next_index < len(fold.indices) and fold.indices[fold.next_index] <= upto:
        i = fold.indices[fold.next_index]
        fold.next_index += 1
        _advance(fold, window.position, i)
        current = fold.current
        if current is None or current.disposition == REJECTED:
            continue
        obs = window.timeline[i]
        fold.last = current
        if fold.confirmed is not None and current.record_hash == fold.confirmed.record_hash:
            verdict = Verdict(Decision.UNCHANGED)  # what decide() says for an identical record, cheaply
        else:
            verdict = source.policy.decide(
                source.fields,
                record_of(session, fold.confirmed),
                record_of(session, fold.pending),
                blobs.get_record(session, current.record_hash),
                obs.observed_at,
            )
        if current.fetch_id == obs.fetch_id:
            run.dispositions[current.id] = verdict.decision.value
        if verdict.becomes_confirmed:
            if fold.confirmed is not None and verdict.decision is not Decision.BASELINE:
                run.transitions.append((key, fold.confirmed, current, obs.observed_at))
            fold.confirmed, fold.pending = current, None
        elif verdict.becomes_pending:
            fold.pending = current
        elif verdict.drops_pending:
            fold.pending = None
    _advance(fold, window.position, upto)


def fold_history(
    session: Session,
    source: Source,
    start: Checkpoint | None,
    every: int,
    settled_after: datetime | None,
    window: Window | None = None,
) -> tuple[Window, FoldRun]:
    """Fold from ``start`` to the newest observation, storing a checkpoint every ``every`` observations
    (at the stored checkpoints' own places where there are some).

    With ``settled_after`` (history after that instant is what it was), a destination whose fold meets
    its stored checkpoint past that instant stops folding: what follows for it is what is stored. It
    resumes from the last stored checkpoint (where new checkpoints need every destination's place);
    the fold stops altogether at a checkpoint that every destination and URL meet. Such a fold first
    loads the history only up to the second stored checkpoint past that instant, where it nearly
    always stops; only if it does not is the rest loaded and the fold done over (nothing is written
    until a fold is kept). ``window``: already loaded from ``start`` with the checkpoints' marks."""
    if window is not None:
        stored = window.stored  # loaded with the window's marks
    else:
        stored = stored_checkpoints(session, source.name, start.observed_at if start is not None else None)
        horizon = horizon_after(session, source.name, settled_after) if settled_after is not None else None
        window = load_window(session, source, start, marks=(stored, every), until=horizon)
    run = fold_window(session, source, window, stored, settled_after)
    if run.stopped_at is None and not window.complete:
        window = load_window(session, source, start, marks=(stored, every))
        run = fold_window(session, source, window, stored, settled_after)
    for checkpoint, replace in run.checkpoints:
        store_checkpoint(session, source.name, checkpoint, replace=replace)
    return window, run


def fold_window(
    session: Session,
    source: Source,
    window: Window,
    stored: dict[int, datetime],
    settled_after: datetime | None,
) -> FoldRun:
    run = FoldRun()
    end = len(window.timeline) - 1
    stored_marks = sorted(m for m in window.urls_at if window.timeline[m].fetch_id in stored)
    last_stored = stored_marks[-1] if stored_marks and len(stored_marks) == len(stored) else None
    active = dict(window.folds)
    settled: dict[str, datetime] = {}  # destination -> the checkpoint where it met the stored fold
    for mark in sorted({*window.urls_at, end}):
        for key, fold in active.items():
            _fold_segment(session, source, window, key, fold, mark, run)
        if mark not in window.urls_at:
            continue  # the end of the window, not a checkpoint
        obs = window.timeline[mark]
        old = load_checkpoint(session, source.name, obs.fetch_id) if obs.fetch_id in stored else None
        keys = dict(old.keys) if old is not None else {}
        if old is not None and settled_after is not None and obs.observed_at >= settled_after:
            meeting = _meeting(session, window, old, active)
            if len(meeting) == len(active) and window.urls_at[mark] == old.urls:
                run.stopped_at = obs.observed_at
                for key, since in settled.items():
                    run.skipped[key] = (since, obs.observed_at)
                break
            for key in meeting:
                settled[key] = obs.observed_at
                del active[key]
        keys.update({key: fold.ids() for key, fold in active.items()})
        here = Checkpoint(obs.fetch_id, obs.observed_at, keys, window.urls_at[mark])
        if mark == last_stored and settled:
            _resume(session, window, here, settled, run, mark)
            active = dict(window.folds)
        if old is None or not old.same_fold(here):
            run.checkpoints.append((here, old is not None))
    return run


def _meeting(session: Session, window: Window, old: Checkpoint, active: dict[str, KeyFold]) -> list[str]:
    """The destinations whose fold stands where the stored checkpoint has it: the same current and
    last snapshots, and a confirmed and pending record with the same content (a backfilled snapshot
    may now hold, under another id, the record a later one brought: what follows is decided the same)."""
    differing = {k: old.keys[k] for k, fold in active.items() if k in old.keys and old.keys[k] != fold.ids()}
    wanted = {sid for ids in differing.values() for sid in ids[1:3] if sid is not None}
    rows = {s.id: s for fold in window.folds.values() for s in fold.history if s.id in wanted}
    rows.update(store.snapshots_by_id(session, wanted - set(rows)))

    def same(mine: SnapRow | None, theirs: int | None) -> bool:
        if mine is None or theirs is None:
            return mine is None and theirs is None
        return theirs in rows and rows[theirs].record_hash == mine.record_hash

    meeting = []
    for key, fold in active.items():
        if key not in old.keys:
            continue
        if key not in differing:
            meeting.append(key)
            continue
        current, confirmed, pending, last = differing[key]
        if (current, last) == (fold.ids()[0], fold.ids()[3]) and (
            same(fold.confirmed, confirmed) and same(fold.pending, pending)
        ):
            meeting.append(key)
    return meeting


def _resume(
    session: Session,
    window: Window,
    checkpoint: Checkpoint,
    settled: dict[str, datetime],
    run: FoldRun,
    mark: int,
) -> None:
    """The settled destinations stand where the last stored checkpoint has them, and fold on from it."""
    wanted = {sid for key in settled for sid in checkpoint.keys[key] if sid is not None}
    known = {s.id: s for fold in window.folds.values() for s in fold.history if s.id in wanted}
    known.update(store.snapshots_by_id(session, wanted - set(known)))
    for key, since in settled.items():
        ids = checkpoint.keys[key]
        window.folds[key].resume([known.get(i) if i else None for i in ids], window.position, mark)
        run.skipped[key] = (since, checkpoint.observed_at)
    settled.clear()


def extend_checkpoints(session: Session, source: Source, settings: Settings) -> None:
    """Fold on from the newest checkpoint, storing the next ones (a live cycle, every so often)."""
    fold_history(
        session, source, checkpoint_before(session, source.name, None), settings.fold_checkpoint_every, None
    )
