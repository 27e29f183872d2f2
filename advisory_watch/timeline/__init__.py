"""History in observed-time order, whatever order the observations arrived in.

Live fetches arrive in order and take one step of each destination's acceptance rule
(``advisory_watch.observe``). A backfill brings observations *older* than what is stored, and a
reprocess changes the records of stored snapshots; in both cases what every later observation meant
(stale? pending? confirmed? which change, when?) depends on what came before it. This package folds the
same rule over a source's stored history, in observed-time order, and reconciles the stored
decisions and changes with the result:

- changes that still hold keep their rows (and the alerts that already went out for them);
- changes that no longer hold are removed (an alert that was already sent keeps its payload as the
  record of what was said; one still held is dropped);
- new changes are recorded with alerts in the run's notify mode (held by default for backfills).

A backfill never moves the current state (the confirmed and pending records stay those of the live
fetches); where the re-derived state differs materially from it, the destination is reported as a
conflict. A reprocess does move it: its point is to repair the records.

The fold needs, per stored observation, which destinations it showed (``Fetch.observed_keys``) and
per destination the bytes it had (snapshots are written whenever a destination's bytes change). It
needs no network and no re-extraction.

**Checkpoints** keep its cost flat over years of hourly history: every ``fold_checkpoint_every``
observations the fold's position is stored (``FoldCheckpoint``: each destination's current,
confirmed, pending and last snapshot, and each URL's last full reading). Live cycles extend them as
they go, and a re-fold adds them in long stretches without any (backfilled history). A backfill
loads the history from the checkpoint before the inserted observation to the second one after it,
and stops at the first checkpoint where the fold meets the stored one again — the same current and
last snapshots, confirmed and pending records of the same content — so history beyond is unchanged
and its cost does not grow with the history after it. Only a fold that does not meet the stored one
there (a destination no stored observation had) loads the rest and folds over.

Its modules, by job: ``checkpoints`` (the fold's stored positions), ``window`` (the stored history a
fold goes over), ``fold`` (the rule over the window, meeting the stored fold), ``insertion`` (a past
observation put in its place), ``reconcile`` (stored dispositions, changes and states made to match
the fold).
"""

from __future__ import annotations

from advisory_watch.timeline.checkpoints import checkpoint_due
from advisory_watch.timeline.fold import extend_checkpoints
from advisory_watch.timeline.insertion import insert_observation
from advisory_watch.timeline.reconcile import RederiveResult, rederive
from advisory_watch.timeline.window import REJECTED

__all__ = [
    "REJECTED",
    "RederiveResult",
    "checkpoint_due",
    "extend_checkpoints",
    "insert_observation",
    "rederive",
]
