"""Did every change a government's note announced reach an alert? An audit of a store's history.

For every stored transition of a source that reads its government's note (``note_field``,
``read_note``), the new note's claims are read again and each one that announces a change is
looked for among the claims of that transition's alert (a claim resting on the note). A claim is
*withheld* for a stated reason only, the witness rule's own (``diffing.witness.withheld``): the
subject is a structured field that says otherwise (a feed re-dated with an old note: "level changed
to 2" while the level was 2 already), or the note names an area both versions already advised
against in a transition that moves no area (standing advice restated). Anything else not in an
alert is *missed*. ``bench/bench_witnesses.py`` prints the figures for every document in
../shared; ``tests/scenarios/test_witnesses.py`` floors them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from alerts.payload import AlertPayload, parse_payload
from diffing import areas, claims, witness
from diffing.compare import compare_records
from models import store
from models.tables import Alert, Change
from scrapers import registry
from scrapers.base import fields_witnessed, note_of, standing_areas


@dataclass
class Announcements:
    """Per source: claims announced, alerted on the note's word (with or without the reading), and
    withheld for a reason; ``missed`` lists any other (source, key, date, claim)."""

    announced: Counter = field(default_factory=Counter)
    alerted: Counter = field(default_factory=Counter)
    withheld: Counter = field(default_factory=Counter)  # (source, reason)
    missed: list[tuple[str, str, str, str]] = field(default_factory=list)


def _alert_claims(session: Session) -> dict[tuple[str, int], list[Mapping[str, Any]]]:
    found: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for source, stored in session.exec(select(Alert.source, Alert.payload)).all():  # type: ignore[call-overload]
        payload = parse_payload(stored)
        if isinstance(payload, AlertPayload) and payload.to_snapshot is not None:
            found.setdefault((source, int(payload.to_snapshot)), []).extend(payload.changes or ())
    return found


def _said_by_note(claim: Any, told: list[Mapping[str, Any]]) -> bool:
    return any(
        claims.NOTE in (c.get("witnesses") or [])
        and claims.SUBJECT.get(c.get("kind"), c.get("field")) == claim.subject
        for c in told
    )


def audit(session: Session) -> Announcements:
    """The audit over every transition stored in the session's database."""
    out = Announcements()
    alerts = _alert_claims(session)
    rows = session.exec(
        select(Change.source, Change.key, Change.from_snapshot_id, Change.to_snapshot_id, Change.observed_at)  # type: ignore[call-overload]
        .where(Change.from_snapshot_id.is_not(None))  # type: ignore[union-attr]
        .distinct()
    ).all()
    sources = {name: registry.load(name) for name in {r[0] for r in rows} if name in registry.names()}
    for source_name, key, from_id, to_id, when in rows:
        source = sources.get(source_name)
        if source is None or source.read_note is None:
            continue
        old, new = store.snapshot_record(session, from_id), store.snapshot_record(session, to_id)
        if old is None or new is None:
            continue
        note, is_new = note_of(source, old, new)
        if not is_new:
            continue
        told = alerts.get((source_name, to_id), [])
        fielded = fields_witnessed(source, old, new)
        standing = standing_areas(old, new)
        areas_moved = witness.moves_areas(compare_records(source.fields, old, new))
        for claim in source.read_note(note, new):
            if claim.change in ("none", "touched"):
                continue  # says nothing changed, or that something did without saying what
            out.announced[source_name] += 1
            if _said_by_note(claim, told):
                out.alerted[source_name] += 1
                continue
            reason = witness.withheld(
                claim,
                field_witnessed=fielded,
                standing_areas=standing,
                areas_moved=areas_moved,
                same_place=areas.same_area,
            )
            if reason is not None:
                out.withheld[(source_name, reason)] += 1
            else:
                out.missed.append((source_name, key, str(when)[:10], claim.describe()))
    return out
