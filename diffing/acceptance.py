"""When does a newly observed record become the confirmed state? The noise discipline.

Proved on 120 real days of the State Department feed (tests/scenarios/test_noise_discipline.py),
which carries:
a second copy of many advisories under the other CMS with a stale level and an older issue date;
one-day "Level 1 … Summary not available" placeholders; whole batches re-dated for a day; issue
dates in the future (2030, 2033) or the distant past (year 0017); items that vanish and return;
renames. The rule:

1. Candidates the source rejects (placeholders, empty bodies) and implausible dates never count.
2. Among several items for one destination, the newest issue date wins.
3. An item older than the confirmed edition is a stale copy: ignored.
4. An item of the *same* edition whose only differences are in wording is another rendering of the
   same advisory: ignored (the two CMSs render the same advisory differently).
5. A strictly newer edition that changes an *immediate* field (the level) is accepted at once: a
   genuine level change alerts on the first fetch that shows it.
6. Anything else that differs (indicators, areas, a reissue, a same-date level difference) is held
   as *pending* and accepted only when the next observation shows it again; a reversion to the
   confirmed edition drops it. One-day re-dates and one-day oddities therefore never alert.
7. Absence is never a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from diffing.compare import FieldSpec, Record, compare_records, material_equal


class Decision(StrEnum):
    BASELINE = "baseline"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    PENDING = "pending"
    STALE = "stale"
    SAME_EDITION = "same_edition"
    UNCHANGED = "unchanged"
    IMPLAUSIBLE = "implausible"


# The dispositions of a snapshot that became the destination's confirmed version.
CONFIRMING = frozenset({Decision.BASELINE, Decision.ACCEPTED, Decision.CONFIRMED})


@dataclass(frozen=True)
class Verdict:
    decision: Decision

    @property
    def becomes_confirmed(self) -> bool:
        return self.decision in CONFIRMING

    @property
    def becomes_pending(self) -> bool:
        return self.decision is Decision.PENDING

    @property
    def drops_pending(self) -> bool:
        return self.decision in (Decision.SAME_EDITION, Decision.UNCHANGED) or self.becomes_confirmed


class AcceptancePolicy:
    """Accept every differing record at once: for sources without editions or duplicate copies."""

    def pick(self, candidates: Sequence[Record]) -> Record:
        return candidates[-1]

    def decide(
        self,
        fields: Sequence[FieldSpec],
        confirmed: Record | None,
        pending: Record | None,
        candidate: Record,
        observed_at: datetime,
    ) -> Verdict:
        if confirmed is None:
            return Verdict(Decision.BASELINE)
        if not compare_records(fields, confirmed, candidate):
            return Verdict(Decision.UNCHANGED)
        return Verdict(Decision.ACCEPTED)


def _as_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class DatedEditionPolicy(AcceptancePolicy):
    """The rule in this module's docstring, for records that carry their own edition date."""

    date_field: str = "issued"
    immediate_fields: tuple[str, ...] = ("level",)
    earliest_year: int = 1990
    future_tolerance: timedelta = timedelta(days=1)
    # A single authoritative page (no duplicate copies) may be edited in place without a new date.
    same_date_edits: bool = False
    # A record without its date is implausible (a feed item must carry one); a page whose date may be
    # missing is read for what it says, its edition not compared.
    require_date: bool = True

    def plausible(self, record: Record, observed_at: datetime) -> bool:
        issued = _as_date(record.get(self.date_field))
        if issued is None:
            return not self.require_date
        return issued.year >= self.earliest_year and issued <= (observed_at + self.future_tolerance).date()

    def pick(self, candidates: Sequence[Record]) -> Record:
        # max() keeps the first of equal keys, so equal dates keep feed order (stable across days).
        return max(candidates, key=lambda r: r.get(self.date_field) or "")

    def decide(
        self,
        fields: Sequence[FieldSpec],
        confirmed: Record | None,
        pending: Record | None,
        candidate: Record,
        observed_at: datetime,
    ) -> Verdict:
        if not self.plausible(candidate, observed_at):
            return Verdict(Decision.IMPLAUSIBLE)
        if confirmed is None:
            return Verdict(Decision.BASELINE)
        new_date: Any = candidate.get(self.date_field)
        old_date: Any = confirmed.get(self.date_field)
        # A source whose ``plausible`` admits undated records (a live page without its date) has no
        # edition to compare for them: only what they say decides.
        dated = bool(new_date and old_date)
        if dated and new_date < old_date:
            return Verdict(Decision.STALE)
        changes = compare_records(fields, confirmed, candidate)
        if not changes:
            return Verdict(Decision.UNCHANGED)
        immediate = any(c.field in self.immediate_fields for c in changes)
        if dated and new_date == old_date and not immediate and not self.same_date_edits:
            return Verdict(Decision.SAME_EDITION)
        if immediate and (not dated or new_date > old_date or self.same_date_edits):
            return Verdict(Decision.ACCEPTED)
        if (
            pending is not None
            and (not new_date or (pending.get(self.date_field) or "") <= new_date)
            and material_equal(fields, pending, candidate)
        ):
            return Verdict(Decision.CONFIRMED)
        return Verdict(Decision.PENDING)
