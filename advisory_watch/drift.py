"""Extraction health and the drift watch: noticing that a source's format moved on.

A layout change that breaks extraction outright is an ``extraction_failed`` fetch. The quieter
failure is a format that still parses but yields less: in 2026 the feed began listing areas in a
new way and the destinations with any area fell from 55 to 31 without a word. So every observation
records what its extraction yielded (records, and per key field the number of records that have
it, as the source declares in ``health_metrics``), and a sharp drop against the trailing 14 days,
or a count under a floor the source declares (``health_floor``), raises one ops alert naming the
metric, the usual and current counts and example destinations; one "recovered" message follows
when the count comes back. Never one alert per cycle.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from advisory_watch.freshness import freshness
from advisory_watch.settings import get_settings
from alerts.payload import AlertPayload, ops_payload
from diffing.changes import Severity
from models import store
from models.tables import ExtractionHealth, SourceHealth
from scrapers.base import Extraction, Source

WINDOW = timedelta(days=14)
DROP = 0.6  # a count under 60 % of the usual one is drift
RECOVERED = 0.8  # and back at 80 % of what was usual when ops were told, it has recovered
MIN_USUAL = 5  # a metric usually held by fewer records says nothing by dropping
MIN_HISTORY = 3  # observations in the window before a drop can be judged


def counts(source: Source, extraction: Extraction, findings: dict[str, int]) -> dict[str, int]:
    """What one extraction yielded: records, the source's key fields, rejects, unreadable items."""
    accepted = [e.record for e in extraction.records if not e.rejected]
    metrics = source.health_metrics
    found = {"records": len(accepted), "rejected": len(extraction.records) - len(accepted)}
    for name, has in metrics.items():
        found[name] = sum(1 for record in accepted if has(record))
    found["unreadable"] = len(extraction.problems)
    found["unrecognised"] = sum("not recognised" in p for p in extraction.problems)
    for kind, number in findings.items():
        found[kind] = number
    return found


# The usual is the median of the latest observations in the window, at most this many: an hourly feed
# has 336 in a fortnight; a source of one page per destination (~200 pages, each fetched daily) would
# otherwise read thousands of rows at every page it ingests.
USUAL_ROWS = 500


def _usual(session: Session, source: str, when: datetime) -> tuple[dict[str, float], int]:
    rows = session.exec(
        select(ExtractionHealth.counts)
        .where(ExtractionHealth.source == source)
        .where(col(ExtractionHealth.observed_at) >= when - WINDOW, col(ExtractionHealth.observed_at) < when)
        .order_by(col(ExtractionHealth.observed_at).desc())
        .limit(USUAL_ROWS)
    ).all()
    names = {name for row in rows for name in (row or {})}
    return {n: statistics.median((row or {}).get(n, 0) for row in rows) for n in names}, len(rows)


def _examples(session: Session, source: Source, metric: str, extraction: Extraction) -> list[str]:
    """Destinations whose confirmed record has the metric and whose new one does not."""
    has = source.health_metrics.get(metric)
    if has is None:
        return []
    confirmed = store.confirmed_records(session, source.name)
    now = {e.key: e.record for e in extraction.records if not e.rejected}
    return sorted(k for k, r in confirmed.items() if has(r) and k in now and not has(now[k]))[:8]


def _count(metric: str, count: int, records: int | None = None) -> str:
    """How a count reads in an ops message: "areas on 31 of 217 records", "67 records"."""
    if metric == "records":
        return f"{count} records"
    return (
        f"{metric} on {count} of {records} records" if records is not None else f"{metric} on {count} records"
    )


def observe(
    session: Session,
    source: Source,
    extraction: Extraction,
    findings: dict[str, int],
    *,
    fetch_id: int | None,
    when: datetime,
) -> list[AlertPayload]:
    """Record this observation's extraction health; return ops payloads (drift, recovered) to raise."""
    now = counts(source, extraction, findings)
    usual, history = _usual(session, source.name, when)
    session.add(
        ExtractionHealth(
            source=source.name, fetch_id=fetch_id, observed_at=when, records=now["records"], counts=now
        )
    )
    health = session.get(SourceHealth, source.name) or SourceHealth(source=source.name)
    session.add(health)
    drifting: dict[str, Any] = dict(health.drift or {})
    metrics = ["records", *source.health_metrics]
    floors = source.health_floor
    newly: list[str] = []
    recovered: list[str] = []
    for metric in metrics:
        floor = floors.get(metric)
        base = usual.get(metric, 0)
        low = (floor is not None and now[metric] < floor) or (
            history >= MIN_HISTORY and base >= MIN_USUAL and now[metric] < DROP * base
        )
        if metric in drifting:
            told = drifting[metric]
            back = now[metric] >= max(floor or 0, RECOVERED * told["usual"])
            if back:
                recovered.append(metric)
            continue
        if low:
            drifting[metric] = {
                "usual": base if base else floor,
                "now": now[metric],
                "since": when.isoformat(),
            }
            newly.append(metric)
    payloads: list[AlertPayload] = []
    if newly:
        parts = [f"{_count(m, now[m], now['records'])}, usually {drifting[m]['usual']:g}" for m in newly]
        examples = {m: _examples(session, source, m, extraction) for m in newly}
        example_text = "; ".join(f"{m}: {', '.join(e)}" for m, e in examples.items() if e)
        payloads.append(
            ops_payload(
                source=source.name,
                government=source.government,
                kind="extraction_drift",
                observed_at=when,
                summary=f"extraction drift in {source.name}: {'; '.join(parts)}"
                + (f" (e.g. {example_text})" if example_text else ""),
                error="the document still parses but yields less than usual: its format may have moved on",
                severity=Severity.HIGH,
            )
        )
    if recovered:
        parts = [f"{_count(m, now[m])} again (usually {drifting[m]['usual']:g})" for m in recovered]
        for metric in recovered:
            drifting.pop(metric)
        payloads.append(
            ops_payload(
                source=source.name,
                government=source.government,
                kind="extraction_recovered",
                observed_at=when,
                summary=f"extraction recovered in {source.name}: {'; '.join(parts)}",
                severity=Severity.INFO,
            )
        )
    if newly or recovered:
        health.drift = drifting or None
    return payloads


def watched(session: Session) -> list[str]:
    """Every registered source, and anything else with a health row (``slack``: delivery)."""
    from scrapers import registry

    others = set(session.exec(select(SourceHealth.source)).all()) - set(registry.names())
    return [*registry.names(), *sorted(others)]


def reports(session: Session, source: str | None = None) -> list[dict[str, Any]]:
    """The health of one source, or of every watched one (``watched``)."""
    return [report(session, name) for name in ([source] if source else watched(session))]


def report(session: Session, source: str) -> dict[str, Any]:
    """A source's health for `advisory-watch health` and the history browser's health page."""
    health = session.get(SourceHealth, source)
    latest = session.exec(
        select(ExtractionHealth)
        .where(ExtractionHealth.source == source)
        .order_by(col(ExtractionHealth.observed_at).desc(), col(ExtractionHealth.id).desc())
        .limit(1)
    ).first()
    usual, history = _usual(session, source, latest.observed_at) if latest else ({}, 0)
    return {
        "source": source,
        "last_success_at": health.last_success_at.isoformat() if health and health.last_success_at else None,
        "consecutive_failures": health.consecutive_failures if health else 0,
        "last_error": health.last_error if health else None,
        "drifting": (health.drift or {}) if health else {},
        "latest_observation": latest.observed_at.isoformat() if latest else None,
        "latest": (latest.counts or {}) if latest else {},
        "usual": {k: round(v, 1) for k, v in usual.items()},
        "observations_in_window": history,
        # Time since the last successful live cycle against the schedule (advisory_watch.freshness).
        **freshness(session, source, datetime.now(UTC), get_settings().stale_after_intervals),
    }
