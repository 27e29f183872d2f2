"""The pipeline every entry point shares: fetch -> extract -> snapshot -> diff -> outbox.

DAG tasks, the CLI (run, replay) and the tests call these functions; nothing here imports Airflow.
One ingest is one database transaction, so a crash leaves either the whole observation or none.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from advisory_watch import drift, health
from advisory_watch.settings import Settings, get_settings
from alerts.payload import change_payload, ops_payload
from diffing.acceptance import Decision
from diffing.changes import Severity
from models import store
from models.db import engine_for, upgrade
from models.tables import Alert, Change, DestinationState, Fetch, Snapshot
from scrapers import registry
from scrapers.base import QUIET_KINDS, Extracted, Extraction, Source, transition
from scrapers.errors import ExtractionError, FetchError
from scrapers.fetch import Fetcher, FetchResult

# Outcomes of one document that mean it was not stored (the others: ok, partial, not_modified, duplicate).
FAILED_STATUSES = frozenset({"fetch_failed", "extraction_failed", "ingest_failed"})


@dataclass
class IngestResult:
    source: str
    status: str
    observed_at: datetime
    fetch_id: int | None = None
    items: int = 0
    rejected: int = 0
    snapshots: int = 0
    decisions: Counter = field(default_factory=Counter)
    changes: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # destinations isolated this cycle: key -> error
    findings: Counter = field(default_factory=Counter)  # note_disagrees, note_unmatched, ...


@dataclass(frozen=True)
class FetchInfo:
    http_status: int | None = 200
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1
    provenance: str = "live"
    provenance_url: str | None = None


_migrated: set[str] = set()


def ensure_schema(url: str) -> None:
    """Run migrations once per process and database (they are also run by `advisory-watch db upgrade`)."""
    if url not in _migrated:
        upgrade(url)
        _migrated.add(url)


def session_for(settings: Settings | None = None) -> Session:
    settings = settings or get_settings()
    url = settings.effective_database_url
    ensure_schema(url)
    return Session(engine_for(url), expire_on_commit=False)


# How a run's alerts travel: ``live`` to the routed channels, ``digest`` into the next digest only,
# ``none`` recorded and held. Backfills default to ``none``; ``True``/``False`` mean live/none.
NotifyMode = bool | str
ALERT_STATUS = {"live": "pending", "digest": "digest", "none": "held"}


def alert_status(notify: NotifyMode) -> str:
    if isinstance(notify, bool):
        return "pending" if notify else "held"
    if notify not in ALERT_STATUS:
        raise ValueError(f"notify must be one of {sorted(ALERT_STATUS)}, not {notify!r}")
    return ALERT_STATUS[notify]


def _add_alert(
    session: Session,
    payload: dict[str, Any],
    dedupe_key: str,
    *,
    notify: NotifyMode,
    change_id: int | None = None,
) -> dict[str, Any]:
    existing = session.exec(select(Alert).where(Alert.dedupe_key == dedupe_key[:255])).first()
    if existing is not None:
        # Re-derived history raising a transition it raised before: one alert, pointing at the new row.
        if change_id is not None and existing.change_id != change_id:
            existing.change_id = change_id
        return payload
    session.add(
        Alert(
            dedupe_key=dedupe_key[:255],
            source=payload["source"],
            key=payload.get("key") or "",
            country=payload.get("country") or "",
            kind=payload["kind"],
            severity=int(Severity.parse(payload["severity"])),
            change_id=change_id,
            payload=payload,
            created_at=datetime.now(UTC),
            status=alert_status(notify),
        )
    )
    return payload


def _ops_alert(
    session: Session, payload: dict[str, Any] | None, *, notify: NotifyMode
) -> list[dict[str, Any]]:
    if payload is None:
        return []
    key = f"ops:{payload['source']}:{payload['kind']}:{payload['observed_at']}"
    return [_add_alert(session, payload, key, notify=notify)]


def _ops_alert_once(
    session: Session, payload: dict[str, Any], identity: str, *, notify: NotifyMode
) -> list[dict[str, Any]]:
    """An ops alert raised once per identity (a destination and its error), not once per cycle."""
    digest = store.sha256(re.sub(r"\d+", "#", identity).encode())[:24]
    key = f"ops:{payload['source']}:{payload['kind']}:{digest}"
    if session.exec(select(Alert.id).where(Alert.dedupe_key == key)).first() is not None:
        return []
    return [_add_alert(session, payload, key, notify=notify)]


def record_fetch_failure(
    session: Session,
    source: Source,
    url: str,
    error: FetchError,
    observed_at: datetime,
    *,
    settings: Settings,
    notify: NotifyMode = True,
) -> IngestResult:
    fetch = Fetch(
        source=source.name, url=url, observed_at=observed_at, status="fetch_failed", error=str(error)[:2000]
    )
    session.add(fetch)
    payload = health.record_failure(
        session,
        source=source.name,
        kind="fetch_failed",
        error=str(error),
        observed_at=observed_at,
        threshold=settings.failure_threshold,
        url=url,
    )
    result = IngestResult(source.name, "fetch_failed", observed_at, problems=[str(error)])
    result.alerts = _ops_alert(session, payload, notify=notify)
    session.commit()
    result.fetch_id = fetch.id
    return result


def record_not_modified(
    session: Session,
    source: Source,
    fetched: FetchResult,
    observed_at: datetime,
    *,
    notify: NotifyMode = True,
) -> IngestResult:
    store.lock_source(session, source.name)
    fetch = Fetch(
        source=source.name,
        url=fetched.url,
        observed_at=observed_at,
        status="not_modified",
        http_status=304,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        attempts=fetched.attempts,
    )
    session.add(fetch)
    result = IngestResult(source.name, "not_modified", observed_at)
    result.alerts = _ops_alert(
        session, health.record_success(session, source=source.name, observed_at=observed_at), notify=notify
    )
    session.commit()
    result.fetch_id = fetch.id
    return result


def ingest(
    session: Session,
    source: Source,
    content: bytes,
    *,
    url: str,
    observed_at: datetime | None = None,
    fallback_time: datetime | None = None,
    info: FetchInfo = FetchInfo(),
    notify: NotifyMode = True,
    keys: set[str] | None = None,
    settings: Settings | None = None,
) -> IngestResult:
    """Store one fetched document and everything that follows from it, in one transaction.

    Never raises for what the document contains: an extractor that refuses or crashes is an
    ``extraction_failed`` fetch, a destination that cannot be stored is isolated in its savepoint,
    and anything else that goes wrong rolls the observation back and is recorded as an
    ``ingest_failed`` fetch with its reason (so the next cycle fetches the bytes again instead of
    taking them as handled), with one ops alert per failure streak.
    """
    settings = settings or get_settings()
    content_hash = store.sha256(content)
    try:
        extraction = source.extract(content, url=url)
    except Exception as exc:  # noqa: BLE001 - a crashing extractor is a failed extraction, not a dead cycle
        error = str(exc) if isinstance(exc, ExtractionError) else f"extractor crashed: {_describe(exc)}"
        when = observed_at or fallback_time or datetime.now(UTC)
        return _record_unprocessed(
            session, source, url, when, content_hash, info, "extraction_failed", error, notify=notify
        )
    when = store.as_utc(observed_at or extraction.document_time or fallback_time or datetime.now(UTC))
    args = (session, source, extraction, content_hash, when)
    options = dict(url=url, info=info, notify=notify, keys=keys, settings=settings)
    try:
        # The fast path: one transaction, no savepoints.
        return _ingest_extraction(*args, isolate=False, **options)
    except Exception:  # noqa: BLE001 - retried below with every destination isolated
        session.rollback()
    try:
        return _ingest_extraction(*args, isolate=True, **options)
    except Exception as exc:  # noqa: BLE001 - no document may stop the cycle; recorded with its reason
        session.rollback()
        return _record_unprocessed(
            session, source, url, when, content_hash, info, "ingest_failed", _describe(exc), notify=notify
        )


def _describe(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:2000]


def _record_unprocessed(
    session: Session,
    source: Source,
    url: str,
    when: datetime,
    content_hash: str,
    info: FetchInfo,
    status: str,
    error: str,
    *,
    notify: NotifyMode,
) -> IngestResult:
    """A document that was fetched but not stored: a fetch row with the reason, one ops alert a streak.

    The row carries no validators and is newer than the last good fetch, so the next cycle downloads
    and tries the bytes again; the last good snapshots stay current.
    """
    store.lock_source(session, source.name)
    session.add(
        Fetch(
            source=source.name,
            url=url,
            observed_at=when,
            status=status,
            http_status=info.http_status,
            content_hash=content_hash,
            attempts=info.attempts,
            error=error[:2000],
            provenance=info.provenance,
            provenance_url=info.provenance_url,
            extractor_version=source.extractor_version,
        )
    )
    live = info.provenance != "archive"
    payload = (
        health.record_failure(
            session, source=source.name, kind=status, error=error, observed_at=when, threshold=1, url=url
        )
        if live
        else _archive_problem(source, url, when, error, info)
    )
    result = IngestResult(source.name, status, when, problems=[error])
    result.alerts = _ops_alert(session, payload, notify=notify)
    session.commit()
    return result


def _ingest_extraction(
    session: Session,
    source: Source,
    extraction: Extraction,
    content_hash: str,
    when: datetime,
    *,
    url: str,
    info: FetchInfo,
    notify: NotifyMode,
    keys: set[str] | None,
    settings: Settings,
    isolate: bool,
) -> IngestResult:
    """The observation's transaction. ``isolate`` puts each destination in a savepoint: the slower
    path, taken only when the fast one failed, so one destination cannot take the others with it."""
    store.lock_source(session, source.name)
    if store.already_ingested(session, source.name, content_hash, when):
        # The same bytes at the same time: a task retry, a repeated replay, or another worker was first.
        session.rollback()
        return IngestResult(source.name, "duplicate", when)
    previous = store.latest_fetch(session, source.name)
    newest = store.latest_observation(session, source.name)
    if newest is not None and newest >= when:
        # Only a stored observation at or after this instant can hold it (never on a live cycle).
        when = store.free_instant(session, source.name, when)

    groups: dict[str, list[Extracted]] = defaultdict(list)
    rejected = 0
    for extracted in extraction.records:
        if keys and extracted.key not in keys:
            continue
        if extracted.rejected:
            rejected += 1
            continue
        groups[extracted.key].append(extracted)

    fetch = Fetch(
        source=source.name,
        url=url,
        observed_at=when,
        # A narrowed run saw only some destinations: its validators must not make the next full run a 304.
        status="partial" if keys else "ok",
        http_status=info.http_status,
        etag=info.etag,
        last_modified=info.last_modified,
        content_hash=content_hash,
        attempts=info.attempts,
        item_count=len(extraction.records),
        error="; ".join(extraction.problems)[:2000] or None,
        provenance=info.provenance,
        provenance_url=info.provenance_url,
        extractor_version=source.extractor_version,
        observed_keys=" ".join(sorted(groups)),
    )
    session.add(fetch)
    session.flush()
    result = IngestResult(
        source.name,
        "ok",
        when,
        fetch_id=fetch.id,
        items=len(extraction.records),
        rejected=rejected,
        problems=list(extraction.problems),
    )
    chosen_by_key = {key: _choose(source, candidates) for key, candidates in groups.items()}
    if newest is not None and newest > when:
        # Older than what we know (a backfill): insert it in its place and re-derive what follows from
        # it, without moving the current state.
        from advisory_watch.rederive import insert_observation

        insert_observation(session, source, fetch, chosen_by_key, result, notify=notify, settings=settings)
    elif not keys and store.previous_reading(session, source.name, url, when, fetch.id) == (
        content_hash,
        source.extractor_version,
    ):
        # The same bytes as the URL's previous observation (a replayed copy, or a live copy of an
        # archived capture): like a 304, not a second observation that could confirm anything.
        result.decisions["repeat"] += 1
    else:
        _apply_observation(
            session, source, fetch, chosen_by_key, result, notify=notify, settings=settings, isolate=isolate
        )

    if info.provenance != "archive" and not keys:
        # What this extraction yielded, against the trailing fortnight: a format that moved on.
        for payload in drift.observe(
            session, source, extraction, dict(result.findings), fetch_id=fetch.id, when=when
        ):
            result.alerts += _ops_alert(session, payload, notify=notify)
    if info.provenance != "archive":
        # Archive captures say nothing about whether the site works today: live health is left alone.
        result.alerts += _ops_alert(
            session, health.record_success(session, source=source.name, observed_at=when), notify=notify
        )
    if extraction.problems and (previous is None or (previous.error or "") != (fetch.error or "")):
        payload = ops_payload(
            source=source.name,
            kind="extraction_failed",
            observed_at=when,
            url=url,
            summary=f"{source.name}: {len(extraction.problems)} item(s) could not be read; they were skipped",
            error="; ".join(extraction.problems)[:2000],
            severity=Severity.MEDIUM,
        )
        result.alerts += _ops_alert(session, payload, notify=notify)
    session.commit()
    return result


def _choose(source: Source, candidates: list[Extracted]) -> Extracted:
    """The one item that speaks for a destination when a document carries several."""
    chosen_record = source.policy.pick([c.record for c in candidates])
    return next(c for c in candidates if c.record is chosen_record)


def _archive_problem(
    source: Source, url: str, when: datetime, error: str, info: FetchInfo
) -> dict[str, Any] | None:
    """An archived capture that cannot be read: told to ops (held with the backfill), not a health streak."""
    return ops_payload(
        source=source.name,
        kind="extraction_failed",
        observed_at=when,
        url=info.provenance_url or url,
        summary=f"{source.name}: the archived capture {info.provenance_url or url} could not be read",
        error=error[:2000],
        severity=Severity.LOW,
    )


def _apply_observation(
    session: Session,
    source: Source,
    fetch: Fetch,
    chosen_by_key: dict[str, Extracted],
    result: IngestResult,
    *,
    notify: NotifyMode,
    settings: Settings,
    isolate: bool = False,
) -> None:
    """The newest observation of a source: one step of each destination's acceptance rule.

    advisory_watch/rederive.py folds the same step over the whole history; the two must agree
    (tests/test_backfill.py replays the archive in and out of order and compares).
    """
    when = store.as_utc(fetch.observed_at)
    states = store.states_for(session, source.name)
    wanted = {
        sid
        for st in states.values()
        for sid in (st.confirmed_snapshot_id, st.pending_snapshot_id, st.last_snapshot_id)
        if sid is not None
    }
    snapshots = store.snapshots_by_id(session, wanted)
    store.get_records(session, {snap.record_hash for snap in snapshots.values()})

    def record_of(snapshot_id: int | None) -> dict[str, Any] | None:
        snap = snapshots.get(snapshot_id) if snapshot_id is not None else None
        return store.get_record(session, snap.record_hash) if snap else None

    for key in sorted(chosen_by_key):
        step = (session, source, fetch, key, chosen_by_key[key], states, snapshots, record_of, result)
        if not isolate:
            _apply_key(*step, notify=notify, settings=settings)
            continue
        before = (result.decisions.copy(), result.snapshots, result.changes, len(result.alerts))
        try:
            # A savepoint per destination: one that cannot be stored rolls back alone and keeps its
            # last good state; the other destinations and the rest of the cycle go on.
            with session.begin_nested():
                _apply_key(*step, notify=notify, settings=settings)
        except Exception as exc:  # noqa: BLE001 - isolate the destination, tell ops once, go on
            result.decisions, result.snapshots, result.changes = before[0], before[1], before[2]
            del result.alerts[before[3] :]
            states.pop(key, None)
            error = _describe(exc)
            result.failed[key] = error
            result.problems.append(f"{key}: {error}")
            result.alerts += _ops_alert_once(
                session,
                ops_payload(
                    source=source.name,
                    kind="destination_failed",
                    observed_at=when,
                    url=fetch.url,
                    summary=f"{source.name}: {key} could not be stored ({error}); its last good state "
                    "stays current, every other destination was processed",
                    error=error,
                    severity=Severity.HIGH,
                ),
                f"{key}:{error}",
                notify=notify,
            )


def _apply_key(
    session: Session,
    source: Source,
    fetch: Fetch,
    key: str,
    chosen: Extracted,
    states: dict[str, DestinationState],
    snapshots: dict[int, Snapshot],
    record_of: Callable[[int | None], dict[str, Any] | None],
    result: IngestResult,
    *,
    notify: NotifyMode,
    settings: Settings,
) -> None:
    """One step of one destination's acceptance rule: snapshot, state, changes and alert."""
    when = store.as_utc(fetch.observed_at)
    state = states.get(key)
    confirmed = record_of(state.confirmed_snapshot_id) if state else None
    pending = record_of(state.pending_snapshot_id) if state else None
    verdict = source.policy.decide(source.fields, confirmed, pending, chosen.record, when)
    result.decisions[verdict.decision.value] += 1

    last = snapshots.get(state.last_snapshot_id) if state and state.last_snapshot_id else None
    raw_hash = store.sha256(chosen.raw)
    reuse = last is not None and (last.record_hash, last.raw_hash) == (chosen.record_hash, raw_hash)
    if reuse and verdict.becomes_confirmed and store.is_change_target(session, last.id):
        # History re-derived by a backfill already has a change into that snapshot (the live state
        # was kept where the two disagreed): this observation gets its own snapshot.
        reuse = False
    if reuse:
        snapshot = last
    else:
        snapshot = new_snapshot(session, source, key, fetch, chosen, raw_hash, verdict.decision.value)
        snapshots[snapshot.id] = snapshot
        result.snapshots += 1
    if state is None:
        state = DestinationState(source=source.name, key=key, updated_at=when)
        session.add(state)
        states[key] = state
    if state.last_snapshot_id != snapshot.id:
        state.last_snapshot_id = snapshot.id
        state.updated_at = when

    if verdict.becomes_confirmed:
        findings = getattr(source, "findings", None)
        if findings is not None:
            _record_findings(
                session,
                source,
                chosen.record,
                findings(chosen.record, _confirmed_lookup(session)),
                when,
                snapshot.id,
                result,
            )
        if confirmed is not None and verdict.decision is not Decision.BASELINE:
            result.alerts += record_changes(
                session,
                source,
                confirmed,
                chosen.record,
                when,
                state.confirmed_snapshot_id,
                snapshot.id,
                notify=notify,
                settings=settings,
                result=result,
            )
        _set_state(state, when, confirmed_snapshot_id=snapshot.id, pending_snapshot_id=None)
    elif verdict.becomes_pending:
        _set_state(state, when, pending_snapshot_id=snapshot.id)
    elif verdict.drops_pending:
        _set_state(state, when, pending_snapshot_id=None)


def new_snapshot(
    session: Session,
    source: Source,
    key: str,
    fetch: Fetch,
    chosen: Extracted,
    raw_hash: str,
    disposition: str,
) -> Snapshot:
    """``raw_hash`` is the caller's sha256 of ``chosen.raw`` (it needed it to decide on a snapshot)."""
    snapshot = Snapshot(
        source=source.name,
        key=key,
        observed_at=fetch.observed_at,
        fetch_id=fetch.id,
        record_hash=store.put_record(session, chosen.record),
        raw_hash=store.put_blob(session, chosen.raw, raw_hash),
        extractor_version=source.extractor_version,
        disposition=disposition,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def _confirmed_lookup(session: Session):  # type: ignore[no-untyped-def]
    """(source, key) -> that destination's confirmed record in another source, for cross-checks."""

    def lookup(source_name: str, key: str | None) -> dict[str, Any] | None:
        state = session.get(DestinationState, (source_name, key or ""))
        return store.snapshot_record(session, state.confirmed_snapshot_id) if state else None

    return lookup


def _record_findings(
    session: Session,
    source: Source,
    record: dict[str, Any],
    found: list,
    when: datetime,
    snapshot_id: int,
    result: IngestResult,
) -> None:
    """Cross-source findings are recorded as informational changes (history, digest), not alerted."""
    for change in found:
        session.add(_change_row(source, record, change, when, None, snapshot_id))
        result.changes += 1
    session.flush()


def _change_row(
    source: Source, record: dict[str, Any], change: Any, when: datetime, from_id: int | None, to_id: int
) -> Change:
    return Change(
        source=source.name,
        key=record.get("key") or "",
        country=record.get("country") or "",
        kind=change.kind,
        field_name=change.field,
        item=change.item or "",
        old=change.old,
        new=change.new,
        severity=int(change.severity),
        summary=change.summary,
        observed_at=when,
        from_snapshot_id=from_id,
        to_snapshot_id=to_id,
    )


def _set_state(state: DestinationState, when: datetime, **values: int | None) -> None:
    """Assign only what differs, so an unchanged destination costs no UPDATE."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
            state.updated_at = when


def record_changes(
    session: Session,
    source: Source,
    old: dict[str, Any],
    new: dict[str, Any],
    when: datetime,
    from_id: int | None,
    to_id: int,
    *,
    notify: NotifyMode,
    settings: Settings,
    result: IngestResult,
) -> list[dict[str, Any]]:
    """Store every typed change; raise one alert for the transition (one Slack message per update).

    Which changes alert is the source's call: its ``triage`` (changes, old, new) -> (alerting,
    findings) where it has one, else every kind not in its ``quiet_kinds``. Findings are stored
    as informational changes beside the typed ones and counted in ``result.findings``.
    """
    found = transition(source, old, new)
    changes, alerting, findings = found.changes, found.alerting, found.findings
    stored = found.stored
    rows: list[Change] = []
    for change in stored:
        row = _change_row(source, new, change, when, from_id, to_id)
        session.add(row)
        rows.append(row)
    session.flush()
    result.changes += len(changes)
    for finding in findings:
        result.findings[finding.kind] += 1
    if not alerting:
        return []
    riding = [c for c in changes if c not in alerting and c.kind not in QUIET_KINDS]
    payload = change_payload(
        source=source.name,
        changes=alerting + riding,
        old_record=old,
        new_record=new,
        observed_at=when,
        from_snapshot=from_id,
        to_snapshot=to_id,
        history_base_url=settings.history_base_url,
        alerting=alerting,
    )
    primary_row = next(r for r, c in zip(rows, stored, strict=True) if c is alerting[0])
    dedupe = f"{source.name}:{primary_row.key}:{to_id}"
    return [_add_alert(session, payload, dedupe, notify=notify, change_id=primary_row.id)]


def run_source(
    name: str,
    *,
    settings: Settings | None = None,
    notify: NotifyMode = True,
    keys: set[str] | None = None,
    fetcher: Fetcher | None = None,
    planned: list[str] | None = None,
) -> list[IngestResult]:
    """One live cycle of a source: conditional GET of each URL, then ingest what changed.

    ``planned`` fetches exactly those URLs (a batch of a mapped DAG task) instead of planning.
    """
    settings = settings or get_settings()
    source = registry.load(name)
    results: list[IngestResult] = []
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:
        with session_for(settings) as session:
            urls = list(planned) if planned is not None else list(source.urls)
            if planned is None and hasattr(source, "due_urls"):
                urls = plan_urls(session, source)
            discover = getattr(source, "discover", None) if planned is None else None
            if discover is not None:
                found = discover(fetcher, lambda other: store.confirmed_raw_by_key(session, other))
                urls = found.urls
                if found.unwatched:
                    results.append(_unwatched(session, source, found.unwatched, notify))
                for problem in found.problems:
                    results.append(
                        record_fetch_failure(
                            session,
                            source,
                            "discovery",
                            FetchError(problem),
                            datetime.now(UTC),
                            settings=settings,
                            notify=notify,
                        )
                    )
            started = time.monotonic()
            for position, url in enumerate(urls):
                if time.monotonic() - started > settings.cycle_deadline:
                    # Bounded: what is left is due again next cycle, and ops hear why.
                    results.append(_cycle_deadline_passed(session, source, urls[position:], settings, notify))
                    break
                try:
                    result = _fetch_and_ingest(session, source, fetcher, url, keys, settings, notify)
                except Exception as exc:  # noqa: BLE001 - one URL must not stop the others
                    session.rollback()
                    result = record_fetch_failure(
                        session,
                        source,
                        url,
                        FetchError(_describe(exc)),
                        datetime.now(UTC),
                        settings=settings,
                        notify=notify,
                    )
                if result is not None:
                    results.append(result)
    finally:
        if own_fetcher:
            fetcher.close()
    return results


def _unwatched(session: Session, source: Source, keys: list[str], notify: NotifyMode) -> IngestResult:
    """Destinations a source found no URL for: ops hear once per set of destinations, and the rest
    of the cycle goes on."""
    now = datetime.now(UTC)
    summary = f"{source.name}: no page found for {', '.join(keys)}; these destinations are not watched"
    result = IngestResult(source.name, "discovery_incomplete", now, problems=[summary])
    result.alerts = _ops_alert_once(
        session,
        ops_payload(
            source=source.name,
            kind="destinations_unwatched",
            observed_at=now,
            summary=summary,
            severity=Severity.MEDIUM,
        ),
        "unwatched:" + ",".join(keys),
        notify=notify,
    )
    session.commit()
    return result


def _fetch_and_ingest(
    session: Session,
    source: Source,
    fetcher: Fetcher,
    url: str,
    keys: set[str] | None,
    settings: Settings,
    notify: NotifyMode,
) -> IngestResult | None:
    """One URL of a cycle: conditional GET, then ingest what changed (None: not due yet)."""
    observed_at = datetime.now(UTC)
    is_due = getattr(source, "is_due", None)
    if is_due is not None and not is_due(url, store.last_observed(session, source.name, url), observed_at):
        return None
    etag, last_modified = store.last_validators(session, source.name, url)
    try:
        fetched = fetcher.get(url, allowed_hosts=source.allowed_hosts, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        return record_fetch_failure(session, source, url, exc, observed_at, settings=settings, notify=notify)
    if fetched.not_modified:
        return record_not_modified(session, source, fetched, observed_at, notify=notify)
    info = FetchInfo(
        http_status=fetched.status,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        attempts=fetched.attempts,
    )
    return ingest(
        session,
        source,
        fetched.content or b"",
        url=url,
        observed_at=observed_at,
        info=info,
        notify=notify,
        keys=keys,
        settings=settings,
    )


def _cycle_deadline_passed(
    session: Session, source: Source, left: list[str], settings: Settings, notify: NotifyMode
) -> IngestResult:
    error = FetchError(
        f"the cycle passed its {settings.cycle_deadline:g} s deadline with {len(left)} URL(s) left "
        f"(first: {left[0]}); they are due again next cycle"
    )
    return record_fetch_failure(
        session, source, "cycle", error, datetime.now(UTC), settings=settings, notify=notify
    )


def raise_stale_sources(
    session: Session, settings: Settings, *, notify: NotifyMode = True
) -> list[dict[str, Any]]:
    """An ops alert for every source silent longer than its schedule allows (``advisory_watch.freshness``),
    once per silence: the key names when the silence began."""
    from advisory_watch.freshness import stale_payloads

    raised = []
    for payload, since in stale_payloads(session, datetime.now(UTC), settings.stale_after_intervals):
        key = f"ops:{payload['source']}:source_stale:{since}"
        if session.exec(select(Alert.id).where(Alert.dedupe_key == key)).first() is None:
            raised.append(_add_alert(session, payload, key, notify=notify))
    session.commit()
    return raised


def plan_urls(session: Session, source: Source) -> list[str]:
    """For sources that follow the feed (advisory pages): the URLs due now, from the feed's state."""
    feed_states = store.states_for(session, "state-dept-feed")
    feed_records = store.confirmed_records(session, "state-dept-feed")
    changed_at = {key: store.as_utc(state.updated_at) for key, state in feed_states.items()}
    return source.due_urls(
        feed_records, changed_at, store.last_fetched_by_url(session, source.name), datetime.now(UTC)
    )


def planned_batches(name: str, batch_size: int, settings: Settings | None = None) -> list[list[str]]:
    """The due URLs of a source in batches: one mapped Airflow task per batch, not one per country."""
    source = registry.load(name)
    with session_for(settings) as session:
        urls = plan_urls(session, source) if hasattr(source, "due_urls") else list(source.urls)
    return [urls[i : i + batch_size] for i in range(0, len(urls), batch_size)]


_MOMENT = "%Y-%m-%dT%H%M%SZ"


def _moment_time(name: str) -> datetime | None:
    """The time a corpus moment folder (``YYYY-MM-DDTHHMMSSZ``) stands for, else None."""
    try:
        return datetime.strptime(name, _MOMENT).replace(tzinfo=UTC)
    except ValueError:
        return None


def corpus_moments(folder: Path, file_name: str) -> list[tuple[datetime, Path]]:
    """The corpus layout (``../shared/fixtures/governments``): ``folder`` is a destination's folder of
    moments (``YYYY-MM-DDTHHMMSSZ``, each holding the files that changed then) or a government's
    folder of destinations. Every moment that holds ``file_name``, oldest first; the others are
    skipped (a moment where only another file of the destination changed)."""
    paths = chain(folder.glob(f"*/{file_name}"), folder.glob(f"*/*/{file_name}"))
    found = [(when, path) for path in paths if (when := _moment_time(path.parent.name)) is not None]
    return sorted(found, key=lambda item: (item[0], str(item[1])))


def is_corpus(folder: Path) -> bool:
    """True when the folder holds moment folders, or destination folders of them."""

    def moment(p: Path) -> bool:
        return p.is_dir() and _moment_time(p.name) is not None

    return folder.is_dir() and any(
        moment(child) or (child.is_dir() and any(moment(grandchild) for grandchild in child.iterdir()))
        for child in folder.iterdir()
    )


# A replayed document: its file, the address it stands for, when it was observed (if known) and the
# time to use when neither that nor the document says.
ReplayDocument = tuple[Path, str, datetime | None, datetime | None]


def _replay(
    source: Source, documents: Iterable[ReplayDocument], settings: Settings
) -> Iterator[IngestResult]:
    """Documents through the whole pipeline as successive fetches, in one session (never notifies)."""
    with session_for(settings) as session:
        for path, url, observed_at, fallback_time in documents:
            yield ingest(
                session,
                source,
                path.read_bytes(),
                url=url,
                observed_at=observed_at,
                fallback_time=fallback_time,
                info=FetchInfo(provenance="replay", provenance_url=str(path)),
                notify=False,
                settings=settings,
            )


def replay_corpus(name: str, folder: Path, *, settings: Settings | None = None) -> Iterator[IngestResult]:
    """Each moment's file of the source (its ``corpus_file``), observed at that moment. The file's
    address names its folder, so the destination comes from there when the page does not name it."""
    source = registry.load(name)
    file_name = getattr(source, "corpus_file", None)
    if file_name is None:
        raise ValueError(f"{name} has no file in the corpus layout (it declares no corpus_file)")
    moments = corpus_moments(folder, file_name)
    documents = ((path, path.resolve().as_uri(), when, None) for when, path in moments)
    return _replay(source, documents, settings or get_settings())


def replay_files(
    name: str, paths: Iterable[Path], *, settings: Settings | None = None, url: str | None = None
) -> Iterator[IngestResult]:
    """Captured documents as successive fetches, in name order, each timed by its file's mtime."""
    source = registry.load(name)
    documents = (
        (
            path,
            url or (source.urls[0] if source.urls else path.resolve().as_uri()),
            None,
            datetime.fromtimestamp(path.stat().st_mtime, UTC),
        )
        for path in sorted(paths, key=lambda p: p.name)
    )
    return _replay(source, documents, settings or get_settings())
