"""The one write path into a source's history: snapshots, typed changes and their alerts.

The live cycle (``advisory_watch.observe``) and re-derived history (``advisory_watch.timeline``) both
write through here, so the rows they store for the same transition are the same rows. Writes are
batched: one statement for an observation's blobs, one for its snapshots, one for a transition's
change rows; nothing is flushed row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from advisory_watch import consensus
from advisory_watch.alert_records import add_alert
from advisory_watch.results import IngestResult, RunContext
from alerts.payload import AlertPayload, change_payload
from models import blobs, store
from models.store import SnapRow
from models.tables import Change, Snapshot
from scrapers.base import Extracted, Source, transition


@dataclass(frozen=True)
class NewSnapshot:
    """A snapshot to write: new bytes (``extracted``) or an explicit copy of a stored one."""

    key: str
    fetch_id: int
    observed_at: datetime
    disposition: str
    extracted: Extracted | None = None
    copy_of: SnapRow | None = None


def insert_snapshots(session: Session, source: Source, items: list[NewSnapshot]) -> list[SnapRow]:
    """The snapshots in the given order (their ids follow it), their blobs stored once per hash."""
    contents: dict[str, bytes] = {}
    rows: list[dict[str, Any]] = []
    for item in items:
        if item.extracted is not None:
            record_hash, record_bytes = blobs.record_blob(item.extracted.record)
            contents[record_hash] = record_bytes
            contents[item.extracted.raw_hash] = item.extracted.raw
            hashes = (record_hash, item.extracted.raw_hash, source.extractor_version)
        else:
            assert item.copy_of is not None
            hashes = (item.copy_of.record_hash, item.copy_of.raw_hash, item.copy_of.extractor_version)
        rows.append(
            {
                "source": source.name,
                "key": item.key,
                "observed_at": item.observed_at,
                "fetch_id": item.fetch_id,
                "record_hash": hashes[0],
                "raw_hash": hashes[1],
                "extractor_version": hashes[2],
                "disposition": item.disposition,
            }
        )
    blobs.put_blobs(session, contents)
    ids = store.insert_rows(session, Snapshot.__table__, rows)
    return [
        SnapRow(
            sid,
            row["key"],
            row["observed_at"],
            row["fetch_id"],
            row["record_hash"],
            row["raw_hash"],
            row["extractor_version"],
            row["disposition"],
        )
        for sid, row in zip(ids, rows, strict=True)
    ]


def _change_values(
    source: Source, record: dict[str, Any], change: Any, when: datetime, from_id: int | None, to_id: int
) -> dict[str, Any]:
    return {
        "source": source.name,
        "key": record.get("key") or "",
        "country": record.get("country") or "",
        "kind": change.kind,
        "field_name": change.field,
        "item": change.item or "",
        "old": change.old,
        "new": change.new,
        "severity": int(change.severity),
        "summary": change.summary,
        "observed_at": when,
        "from_snapshot_id": from_id,
        "to_snapshot_id": to_id,
    }


def record_findings(
    run: RunContext,
    record: dict[str, Any],
    found: list,
    when: datetime,
    snapshot_id: int,
    result: IngestResult,
) -> None:
    """Cross-source findings are recorded as informational changes (history, digest), not alerted."""
    rows = [_change_values(run.source, record, change, when, None, snapshot_id) for change in found]
    store.insert_rows(run.session, Change.__table__, rows)
    result.changes += len(rows)


def _stored_row_of(stored: list, payload: AlertPayload) -> int:
    """The stored row an alert is about: its primary claim's (a claim on the note's word and an area
    revision are stored rows of their own), else the first of its kind (a name the alert mended)."""
    key = (payload.kind, payload.item)
    same_kind = None
    for i, change in enumerate(stored):
        if (change.kind, change.item) == key:
            return i
        if same_kind is None and change.kind == key[0]:
            same_kind = i
    return same_kind or 0


def record_changes(
    run: RunContext,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    when: datetime,
    between: tuple[int | None, int],
    result: IngestResult,
) -> list[AlertPayload]:
    """Store every typed change; raise one alert for the transition (one Slack message per update).

    Which changes alert is the source's call: its ``triage`` (changes, old, new) -> (alerting,
    findings) where it has one, else every kind not in its ``quiet_kinds``. Findings are stored
    as informational changes beside the typed ones and counted in ``result.findings``. ``between``:
    the snapshots the transition goes from (None: none before) and to.
    """
    session, source, notify = run.session, run.source, run.notify
    from_id, to_id = between
    found = transition(source, old, new)
    changes, alerting, findings, stored = found.changes, found.alerting, found.findings, found.stored
    ids = store.insert_rows(
        session, Change.__table__, [_change_values(source, new, c, when, from_id, to_id) for c in stored]
    )
    result.changes += len(changes)
    for finding in findings:
        result.findings[finding.kind] += 1
    if not alerting:
        return []
    payload = change_payload(
        source=source.name,
        changes=found.stated,
        old_record=old,
        new_record=new,
        observed_at=when,
        from_snapshot=from_id,
        to_snapshot=to_id,
        history_base_url=run.settings.history_base_url,
        alerting=alerting,
        note_by=source.note_by,
        government=source.government,
    )
    primary = _stored_row_of(stored, payload)
    dedupe = f"{source.name}:{new.get('key') or ''}:{to_id}"
    alerts = [add_alert(session, payload, dedupe, notify=notify, change_id=ids[primary] if ids else None)]
    if any(c.kind in consensus.RAISE_KINDS and c.new > c.old for c in changes if isinstance(c.new, int)):
        session.flush()  # the alert's id, for the consensus alert to thread with
        alerts += consensus.check(session, source.name, new, when, notify=notify)
    return alerts
