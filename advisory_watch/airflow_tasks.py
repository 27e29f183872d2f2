"""What DAG tasks call. Plain functions over the core, so they run (and are tested) without Airflow."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from advisory_watch.delivery import flush_configured
from advisory_watch.freshness import raise_stale_sources
from advisory_watch.pipeline import run_source
from advisory_watch.results import FAILED_STATUSES, READ_STATUSES
from advisory_watch.settings import Settings, get_settings
from diffing.countries import destination_keys
from models.sessions import session_for


def airflow_settings() -> Settings:
    """The settings of a task: the environment's, with what it leaves unset filled from Airflow — the
    Variable ``advisory_watch_routing`` (path of the routing file) and the connection ``slack_default``
    (type slack: the bot token in the password, optional extras ``channel`` and ``signing_secret``) or
    ``slack_webhook_default`` (type slackwebhook: the webhook URL, or host + password). Built and passed
    to the core, never written into the environment; read inside tasks only, so the core never needs
    Airflow."""
    settings = get_settings()
    overrides = _from_airflow(settings)
    settings = settings.model_copy(update=overrides) if overrides else settings
    from advisory_watch import redaction

    redaction.install(settings)
    return settings


def _from_airflow(settings: Settings) -> dict[str, Any]:
    try:
        from airflow.sdk import BaseHook, Variable
    except ImportError:  # pragma: no cover - outside Airflow
        return {}
    found: dict[str, Any] = {}
    if not settings.routing:
        routing = Variable.get("advisory_watch_routing", default=None)
        if routing:
            found["routing"] = Path(routing)
    if settings.slack_token or settings.slack_webhook_url:
        return found
    for conn_id in ("slack_default", "slack_webhook_default"):
        try:
            conn = BaseHook.get_connection(conn_id)
        except Exception:  # noqa: BLE001 - an absent connection is the normal case
            continue
        if conn.conn_type == "slack" and conn.password:
            found["slack_token"] = conn.password
            extra = conn.extra_dejson or {}
            if extra.get("channel") and not settings.slack_channel:
                found["slack_channel"] = extra["channel"]
            if extra.get("signing_secret") and not settings.slack_signing_secret:
                found["slack_signing_secret"] = extra["signing_secret"]
            break
        if conn.conn_type == "slackwebhook":
            host = conn.host or ""
            found["slack_webhook_url"] = (
                host if host.startswith("http") else f"https://hooks.slack.com/services/{conn.password}"
            )
            break
    return found


def run_cycle(
    source: str,
    *,
    countries: list[str] | None = None,
    dry_run: bool = False,
    planned: list[str] | None = None,
) -> dict[str, Any]:
    """One live cycle; returns a small JSON-able summary for XCom (never the records themselves)."""
    settings = airflow_settings()
    keys, unknown = destination_keys(countries or [])
    if unknown:
        raise ValueError(f"countries: no destination called {', '.join(map(repr, unknown))}")
    started = time.monotonic()
    results = run_source(
        source,
        settings=settings,
        notify=not dry_run,
        keys=keys or None,
        planned=planned,
    )
    failed = [r for r in results if r.status in FAILED_STATUSES]
    summary = {
        "source": source,
        "statuses": [r.status for r in results],
        "items": sum(r.items for r in results),
        "snapshots": sum(r.snapshots for r in results),
        "changes": sum(r.changes for r in results),
        "alerts": sum(len(r.alerts) for r in results),
        "fetched": sum(r.status in READ_STATUSES for r in results),
        "failed": len(failed),
        "problems": [p for r in results for p in r.problems][:20],
        "isolated": sorted({k for r in results for k in r.failed}),
        "seconds": round(time.monotonic() - started, 3),
        "dry_run": dry_run,
    }
    # A single-document source whose fetch failed: fail the task, so Airflow retries with backoff.
    # Multi-page sources record each failed page (still due next cycle) and carry on; the run's last
    # task (judge_run) fails the run when none of its pages was read.
    if failed and len(results) == 1 and planned is None:
        # The failure is recorded (and ops told) already; failing the task makes Airflow retry with backoff.
        raise RuntimeError(f"{source}: every fetch failed: {summary['problems']}")
    return summary


def judge_run(source: str, summaries: dict[str, Any] | Iterable[dict[str, Any]] | None) -> dict[str, Any]:
    """The verdict on a live run from its fetch tasks' summaries: a run that read nothing and failed
    somewhere is a failed run, so Airflow shows it red (a green run whose every fetch failed hides an
    outage). Not retried: the fetch tasks already ran, and the pages stay due for the next cycle."""
    if summaries is None:
        return {"source": source, "verdict": "no live fetch in this run"}
    rows = [summaries] if isinstance(summaries, dict) else [s for s in summaries if s]
    fetched = sum(int(s.get("fetched", 0)) for s in rows)
    failed = sum(int(s.get("failed", 0)) for s in rows)
    verdict = {"source": source, "fetched": fetched, "failed": failed}
    if failed and not fetched:
        problems = [p for s in rows for p in s.get("problems", [])][:5]
        raise RuntimeError(
            f"{source}: nothing was read in this run ({failed} fetch(es) failed, none succeeded; "
            f"ops are told once per failure streak): {problems}"
        )
    return verdict


def deliver(*, dry_run: bool = False) -> dict[str, Any]:
    """Deliver the outbox through the configured sink (Slack, else console)."""
    if dry_run:
        return {"sent": 0, "failed": 0, "dry_run": True}
    settings = airflow_settings()
    with session_for(settings) as session:
        stale = raise_stale_sources(session, settings)  # a silent source is news too
        report = flush_configured(session, settings)
    return {
        "sent": report.sent,
        "verified": report.verified,
        "pending": report.pending,
        "stale_sources": [a.source for a in stale],
        "dry_run": False,
    }


def digest(*, hours: float = 24.0) -> dict[str, Any]:
    """Queue the daily digest for every digest channel and deliver it."""
    from advisory_watch.delivery import flush
    from alerts.configured import configured_routing, configured_transport
    from alerts.digest import queue_digests

    settings = airflow_settings()
    transport = configured_transport(settings)
    routing = configured_routing(settings, transport)
    with session_for(settings) as session:
        queued = queue_digests(session, routing, hours=hours)
        report = flush(session, transport, routing)
    return {"digests": len(queued), "sent": report.sent, "pending": report.pending}


def _run_type(context: dict[str, Any]) -> str:
    run_type = getattr(context.get("dag_run"), "run_type", None)
    return str(getattr(run_type, "value", run_type) or "")


def _interval(context: dict[str, Any]) -> timedelta:
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    return (end - start) if start is not None and end is not None else timedelta(0)


def archive_moment(context: dict[str, Any]) -> datetime | None:
    """The moment a run must see the sources as they were, or None for a live run.

    Backfill runs, and manual runs dated more than a schedule interval (at least an hour) ago, are
    historical: with cron schedules their logical date is the end of their data interval. Scheduled
    runs are always live.
    """
    from advisory_watch.backfill import is_historical

    logical = context.get("logical_date") or context.get("data_interval_end")
    if not is_historical(logical, run_type=_run_type(context), interval=_interval(context)):
        return None
    return logical


def _notify_mode(context: dict[str, Any]) -> str:
    params = context.get("params") or {}
    return "none" if params.get("dry_run") else str(params.get("notify") or "none")


def run_archive(source: str, context: dict[str, Any]) -> dict[str, Any]:
    """A backfilled run: the source's URLs as the Wayback Machine had them at the run's moment."""
    from advisory_watch.backfill import BackfillReport, backfill_at

    settings = airflow_settings()
    at = archive_moment(context)
    if at is None:  # pragma: no cover - the branch only routes historical runs here
        raise RuntimeError("fetch_archive runs only for backfills and past-dated runs")
    window = max(_interval(context), timedelta(hours=settings.archive_window_hours))
    notify = _notify_mode(context)
    report = BackfillReport(source, notify)
    report.steps = backfill_at(source, at, since=at - window, notify=notify, settings=settings)
    summary = {**report.summary(), "at": at.isoformat(), "run_type": _run_type(context)}
    if summary["failed"]:
        # Recorded already; failing makes Airflow retry with backoff (the archive rate-limits).
        raise RuntimeError(f"{source}: the archive could not be read: {summary}")
    return summary


def deliver_for_run(context: dict[str, Any]) -> dict[str, Any]:
    """Live runs deliver the outbox; historical runs only when their notify Param says ``live``."""
    params = context.get("params") or {}
    if archive_moment(context) is not None and _notify_mode(context) != "live":
        return {"sent": 0, "skipped": f"historical run, notify={_notify_mode(context)}"}
    return deliver(dry_run=bool(params.get("dry_run")))


def reprocess_source(source: str, *, since: str | None = None) -> dict[str, Any]:
    """The reprocess DAG's task: `advisory-watch reprocess` from the UI."""
    from advisory_watch.backfill import parse_moment
    from advisory_watch.reprocess import reprocess

    settings = airflow_settings()
    return reprocess(source, since=parse_moment(since) if since else None, settings=settings).summary()
