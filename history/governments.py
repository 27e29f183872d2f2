"""Read-side queries for governments side by side: per destination every government's current
advice and tier history, and the world's tiers by one of three measures. Pure reads over models/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median_low
from typing import Any

from sqlmodel import Session, col, select

from advisory_watch.catalogue import GovernmentSources, governments
from diffing.acceptance import CONFIRMING
from diffing.areas import same_area
from diffing.consensus import disagreements as disagreements_of
from history import derived
from models import blobs, store
from models.tables import Change, Snapshot

BASES = {
    "highest": "the highest tier any government gives",
    "us": "the U.S. State Department's level",
    "consensus": "the consensus tier (the median of the governments' tiers, the lower one of a tie)",
}


@dataclass
class Advice:
    """One government's advice for one destination."""

    government: GovernmentSources
    source: str | None = None
    record: dict[str, Any] | None = None  # the confirmed record
    seen: dict[str, Any] | None = None  # the latest record observed (its "updated" date is newest)
    series: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def level(self) -> int | None:
        return (self.record or {}).get("level")


def _series(session: Session, source: str, key: str) -> list[tuple[datetime, int]]:
    rows = session.exec(
        select(Snapshot.observed_at, Snapshot.record_hash)
        .where(Snapshot.source == source, Snapshot.key == key)
        .where(col(Snapshot.disposition).in_(CONFIRMING))
        .order_by(col(Snapshot.observed_at))
    ).all()
    records = blobs.get_records(session, {r[1] for r in rows})
    series: list[tuple[datetime, int]] = []
    for observed_at, record_hash in rows:
        level = records[record_hash].get("level")
        if level and (not series or series[-1][1] != level):
            series.append((observed_at, level))
    return series


def compare(session: Session, key: str) -> list[Advice]:
    """Every government's advice for ``key``, in the table's order (U.S. first)."""
    rows = []
    for government in governments().values():
        advice = Advice(government)
        for source in government.sources:
            state = store.state_of(session, source, key)
            if state is None or state.confirmed_snapshot_id is None:
                continue
            advice.source = source
            advice.record = store.snapshot_record(session, state.confirmed_snapshot_id)
            advice.seen = store.snapshot_record(session, state.last_snapshot_id) or advice.record
            advice.series = _series(session, source, key)
            break
        rows.append(advice)
    return rows


def recent_findings(session: Session, key: str, limit: int = 20) -> list[Change]:
    """Cross-government findings and consensus-relevant raises for ``key``, newest first."""
    return list(
        session.exec(
            select(Change)
            .where(Change.key == key, Change.kind == "governments_disagree")
            .order_by(col(Change.observed_at).desc())
            .limit(limit)
        ).all()
    )


def tiers_by_government(session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """government code -> destination key -> confirmed record (the first source with one); kept
    until the store changes (``history.derived``)."""
    return derived.kept(session, "tiers_by_government", _tiers_by_government)


def _tiers_by_government(session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for code, government in governments().items():
        merged: dict[str, dict[str, Any]] = {}
        for source in reversed(government.sources):  # the first source wins
            merged.update(store.confirmed_records(session, source))
        found[code] = {k: r for k, r in merged.items() if r.get("level") is not None}
    return found


def world(session: Session, basis: str) -> tuple[dict[str, int], dict[str, str]]:
    """(country -> tier, country -> tooltip) by ``basis`` (``BASES``). Sub-national entries
    (``ES-CN``) are left to their country's own advice."""
    by_government = tiers_by_government(session)
    keys = sorted({k for records in by_government.values() for k in records if "-" not in k})
    tiers: dict[str, int] = {}
    labels: dict[str, str] = {}
    for key in keys:
        levels = {code: records[key]["level"] for code, records in by_government.items() if key in records}
        if basis == "us":
            if "US" not in levels:
                continue
            tier = levels["US"]
        elif basis == "consensus":
            tier = median_low(sorted(levels.values()))
        else:
            tier = max(levels.values())
        tiers[key] = tier
        name = next(
            (records[key].get("country_name") for records in by_government.values() if key in records), key
        )
        labels[key] = f"{name}: tier {tier} — " + ", ".join(f"{c} {t}" for c, t in levels.items())
    return tiers, labels


def side_by_side(session: Session) -> list[dict[str, Any]]:
    """Every destination some government advises on, with each government's tier and wording, the
    destinations they disagree on most first (the spread between the highest and lowest tier)."""
    by_government = tiers_by_government(session)
    keys = sorted({k for records in by_government.values() for k in records})
    rows = []
    for key in keys:
        levels = {c: r[key]["level"] for c, r in by_government.items() if key in r}
        words = {c: r[key].get("native_level") or "" for c, r in by_government.items() if key in r}
        name = next((r[key].get("country_name") for r in by_government.values() if key in r), key)
        rows.append(
            {
                "key": key,
                "name": name,
                "levels": levels,
                "words": words,
                "spread": max(levels.values()) - min(levels.values()),
            }
        )
    rows.sort(key=lambda r: (-r["spread"], str(r["name"]).lower()))
    return rows


def disagreements(advice: list[Advice]) -> list[str]:
    """What the governments advising on one destination say differently, each said once."""
    said = [
        c.summary
        for a in advice
        if a.record
        for c in disagreements_of(
            a.record | {"government": a.government.code},
            a.government.code,
            {b.government.code: b.record for b in advice if b.record and b is not a},
            same_area,
        )
    ]
    return list(dict.fromkeys(said))
