"""Consensus alerts: two or more governments raising the same destination within a week.

Called by the one write path (``advisory_watch.history_writes``) right after a government's tier raise
is stored, in the same transaction, so live cycles, replays and backfills raise it alike. The rule
itself is ``diffing.consensus``; this module reads the recorded raises and writes the alert.

One alert per destination, episode and number of governments: the second government to raise makes
a high alert (critical when a raise reaches tier 4), a third makes another, critical — each naming
every raise and threaded in Slack with the individual alerts (``thread_with``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pycountry
from sqlmodel import Session, col, select

from advisory_watch.alert_records import add_alert
from advisory_watch.results import NotifyMode
from alerts.payload import AlertPayload
from diffing.consensus import WINDOW, Raise, cluster, consensus_severity
from models.tables import Alert, Change
from scrapers import registry

# The kinds that record a government's own level going up (the U.S. level; another government's tier).
RAISE_KINDS = ("level_changed", "tier_raised")
SOURCE = "consensus"
KIND = "governments_raise_together"


def _raises(session: Session, key: str, since: datetime, until: datetime) -> list[Raise]:
    sources = [s for g in registry.governments().values() for s in g.sources]
    rows = session.exec(
        select(Change)
        .where(Change.key == key, col(Change.source).in_(sources), col(Change.kind).in_(RAISE_KINDS))
        .where(col(Change.observed_at) >= since, col(Change.observed_at) <= until)
    ).all()
    found = []
    for row in rows:
        government = registry.government_of(row.source)
        if government is None or not isinstance(row.old, int) or not isinstance(row.new, int):
            continue
        if row.new > row.old and row.id is not None:
            found.append(
                Raise(
                    government.code,
                    row.source,
                    row.id,
                    row.observed_at,
                    row.old,
                    row.new,
                    row.summary,
                )
            )
    return found


def check(
    session: Session, source_name: str, record: dict[str, Any], when: datetime, *, notify: NotifyMode
) -> list[AlertPayload]:
    """The consensus alert this raise completes, if any (its payload), recorded in the outbox."""
    government = registry.government_of(source_name)
    key = record.get("key") or ""
    if government is None or not key:
        return []
    when = when
    raises = _raises(session, key, when - WINDOW, when)
    latest = next(
        (
            r
            for r in sorted(raises, key=lambda r: (r.observed_at, r.change_id), reverse=True)
            if r.government == government.code and r.observed_at == when
        ),
        None,
    )
    if latest is None:
        return []
    together = cluster(raises, latest)
    if len(together) < 2:
        return []
    alerts = session.exec(
        select(Alert.id, Alert.change_id).where(col(Alert.change_id).in_([r.change_id for r in together]))
    ).all()
    thread_with = sorted(a for a, _ in alerts if a is not None)
    severity = consensus_severity(together)
    names = ", ".join(f"{r.government} tier {r.old} → {r.new} ({r.observed_at:%Y-%m-%d})" for r in together)
    country = pycountry.countries.get(alpha_2=key)
    subject = (
        getattr(country, "common_name", None) or getattr(country, "name", None) or record.get("country_name")
    )
    payload = AlertPayload(
        source=SOURCE,
        government="+".join(r.government for r in together),
        governments=tuple(r.government for r in together),
        country=record.get("country") or "",
        key=key,
        country_name=subject,
        kind=KIND,
        field="level",
        new=len(together),
        severity=severity.label,
        observed_at=when.isoformat(),
        summary=f"{subject}: {len(together)} governments raised their advice within "
        f"{WINDOW.days} days — {names}",
        url=record.get("url") or "",
        raises=tuple(
            {
                "government": r.government,
                "source": r.source,
                "old": r.old,
                "new": r.new,
                "observed_at": r.observed_at.isoformat(),
                "summary": r.summary,
                "change_id": r.change_id,
            }
            for r in together
        ),
        thread_with=tuple(thread_with),
        changes=(),
    )
    dedupe = f"{SOURCE}:{key}:{together[0].change_id}:{len(together)}"
    if session.exec(select(Alert.id).where(Alert.dedupe_key == dedupe)).first() is not None:
        return []  # this episode already alerted with as many governments
    return [add_alert(session, payload, dedupe, notify=notify)]
