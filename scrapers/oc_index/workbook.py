"""Global Organized Crime Index (Global Initiative Against Transnational Organized Crime).

Fetch: the official workbook ``https://ocindex.net/assets/downloads/global_oc_index.xlsx`` (weekly;
sheets ``<year>_dataset`` for every edition; the index is published every two years). The country
pages are rendered by JavaScript, so the workbook is the stable source; a page's text can also be
read (:func:`extract_page_text`) and gives the same record.

Record per country (key: ISO 3166-1 alpha-2): continent, region, edition, criminality and resilience
{score, rank, delta, rank_delta, continent_rank, region_rank}, criminal_markets and criminal_actors
{score, delta}, markets / actors / resilience_indicators {name: {score, delta}}. Ranks are computed as
the site shows them: competition ranking (ties share a rank), higher criminality = rank 1, higher
resilience = rank 1, globally, within continent and within region; deltas are against the previous
edition. One extra record, key ``_index``, describes the edition itself (``new_edition`` changes).

Data: © Global Initiative Against Transnational Organized Crime, ocindex.net — cite it where shown.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import openpyxl

from diffing.acceptance import AcceptancePolicy
from diffing.changes import Severity
from diffing.compare import EditionField, ScalarField
from diffing.countries import code_for_name
from diffing.threshold_fields import KeyedThresholdField, ThresholdField
from scrapers.base import Extracted, Extraction, Source, declare
from scrapers.errors import ExtractionError

name = "oc-index"
title = "Global Organized Crime Index (workbook)"
urls = ("https://ocindex.net/assets/downloads/global_oc_index.xlsx",)
allowed_hosts = frozenset({"ocindex.net"})
extractor_version = "oc-index/1"
INDEX_KEY = "_index"


def thresholded_fields(score: float, rank: int, market: float) -> tuple[Any, ...]:
    """The fields that matter, with the moves that alert (``ADVISORY_WATCH_OC_*_THRESHOLD``)."""
    return (
        ScalarField("edition_label", "new_edition", lambda a, b: Severity.MEDIUM, label=str),
        ThresholdField("criminality.score", "score_changed", score, worse="up", label="criminality"),
        ThresholdField("resilience.score", "score_changed", score, worse="down", label="resilience"),
        # Rank 1 is the most criminal: a falling rank number is worse. For resilience rank 1 is the best.
        ThresholdField("criminality.rank", "rank_changed", rank, worse="down", label="criminality rank"),
        ThresholdField("resilience.rank", "rank_changed", rank, worse="up", label="resilience rank"),
        KeyedThresholdField("markets", "market_score_changed", market, worse="up"),
        EditionField("edition", kind="edition_updated"),
    )


class OcIndexSource(Source):
    """The OC Index's fields take their thresholds from the settings when they are asked for, not
    when the module is imported (an import-time read froze whatever environment the first importer
    had: a DAG parser's, a test collector's)."""

    @property
    def fields(self) -> tuple[Any, ...]:  # type: ignore[override]
        from advisory_watch.settings import get_settings

        settings = get_settings()
        return thresholded_fields(
            settings.oc_score_threshold, settings.oc_rank_threshold, settings.oc_market_threshold
        )


policy = AcceptancePolicy()
quiet_kinds = frozenset({"edition_updated"})

_PILLARS = {
    "criminality": "criminality",
    "criminal markets": "criminal_markets",
    "criminal actors": "criminal_actors",
    "resilience": "resilience",
}


def normalise_header(header: Any) -> str:
    """'Criminality avg.' / 'Criminality avg,' / 'Criminality' -> 'criminality'."""
    text = re.sub(r"\s+", " ", str(header or "")).strip().rstrip(".,").strip()
    return re.sub(r"\s+avg$", "", text, flags=re.I).lower()


def _score(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def read_edition(rows: list[tuple]) -> list[dict[str, Any]]:
    """One sheet -> raw country rows: pillar scores and the per-item scores of each pillar."""
    header = [normalise_header(h) for h in rows[0]]
    try:
        continent_col, region_col, country_col = (
            header.index("continent"),
            header.index("region"),
            header.index("country"),
        )
    except ValueError as exc:
        raise ExtractionError(f"sheet has no Continent/Region/Country columns: {rows[0][:5]}") from exc
    pillar_cols = {header.index(h): key for h, key in _PILLARS.items() if h in header}
    if set(pillar_cols.values()) != set(_PILLARS.values()):
        raise ExtractionError(f"sheet lacks pillar columns; found {sorted(pillar_cols.values())}")
    section_of: dict[int, str] = {}
    current = None
    for col, _ in enumerate(header):
        if col in pillar_cols:
            current = {
                "criminal_markets": "markets",
                "criminal_actors": "actors",
                "resilience": "resilience_indicators",
            }.get(pillar_cols[col])
            continue
        if current and col not in (continent_col, region_col, country_col):
            section_of[col] = current
    countries = []
    for row in rows[1:]:
        if not row or not row[country_col]:
            continue
        entry: dict[str, Any] = {
            "country_name": str(row[country_col]).strip(),
            "continent": str(row[continent_col] or "").strip(),
            "region": str(row[region_col] or "").strip(),
            "pillars": {key: _score(row[col]) for col, key in pillar_cols.items()},
            "markets": {},
            "actors": {},
            "resilience_indicators": {},
        }
        for col, section in section_of.items():
            value = _score(row[col])
            if value is not None:
                entry[section][str(rows[0][col]).strip()] = value
        countries.append(entry)
    return countries


def competition_ranks(values: dict[str, float | None], *, descending: bool = True) -> dict[str, int]:
    """Ties share a rank, the next rank skips (1, 2, 2, 4): how the Index ranks countries."""
    present = [(k, v) for k, v in values.items() if v is not None]
    ordered = sorted(present, key=lambda kv: -kv[1] if descending else kv[1])
    ranks: dict[str, int] = {}
    for position, (key, value) in enumerate(ordered, start=1):
        ranks[key] = next((ranks[k] for k, v in ordered[: position - 1] if v == value), position)
    return ranks


def _ranked(entries: dict[str, dict[str, Any]], pillar: str, group: str | None) -> dict[str, int]:
    if group is None:
        return competition_ranks({k: e["pillars"][pillar] for k, e in entries.items()})
    by_group: dict[str, dict[str, float | None]] = defaultdict(dict)
    for k, e in entries.items():
        by_group[e[group]][k] = e["pillars"][pillar]
    ranks: dict[str, int] = {}
    for members in by_group.values():
        ranks.update(competition_ranks(members))
    return ranks


def _keyed(sheet_entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    keyed = {}
    for entry in sheet_entries:
        code = code_for_name(entry["country_name"])
        if code is None:
            raise ExtractionError(f"country {entry['country_name']!r} has no ISO code")
        keyed[code] = entry
    return keyed


def _delta(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else round(new - old, 2)


def build_records(editions: dict[int, list[dict[str, Any]]], edition: int) -> list[dict[str, Any]]:
    """Country records of one edition, with ranks and deltas against the edition before it."""
    current = _keyed(editions[edition])
    earlier = [e for e in sorted(editions) if e < edition]
    previous = _keyed(editions[earlier[-1]]) if earlier else {}
    ranks = {
        p: {g: _ranked(current, p, g) for g in (None, "continent", "region")}
        for p in ("criminality", "resilience")
    }
    prev_ranks = {p: _ranked(previous, p, None) for p in ("criminality", "resilience")} if previous else {}
    records = []
    for code, entry in sorted(current.items()):
        before = previous.get(code)
        record: dict[str, Any] = {
            "key": code,
            "country": code,
            "country_name": entry["country_name"],
            "continent": entry["continent"],
            "region": entry["region"],
            "edition": edition,
            "url": f"https://ocindex.net/country/{_slug(entry)}",
        }
        for pillar in ("criminality", "resilience"):
            score = entry["pillars"][pillar]
            rank = ranks[pillar][None].get(code)
            prev_rank = prev_ranks.get(pillar, {}).get(code)
            record[pillar] = {
                "score": score,
                "rank": rank,
                "delta": _delta(score, before["pillars"][pillar]) if before else None,
                "rank_delta": (rank - prev_rank) if rank is not None and prev_rank is not None else None,
                "continent_rank": ranks[pillar]["continent"].get(code),
                "region_rank": ranks[pillar]["region"].get(code),
            }
        for pillar in ("criminal_markets", "criminal_actors"):
            score = entry["pillars"][pillar]
            record[pillar] = {
                "score": score,
                "delta": _delta(score, before["pillars"][pillar]) if before else None,
            }
        for section in ("markets", "actors", "resilience_indicators"):
            record[section] = {
                item: {"score": score, "delta": _delta(score, (before or {}).get(section, {}).get(item))}
                for item, score in entry[section].items()
            }
        records.append(record)
    return records


def _slug(entry: dict[str, Any]) -> str:
    return re.sub(r"[^a-z0-9]+", "_", entry["country_name"].lower()).strip("_")


def read_workbook(content: bytes) -> dict[int, list[dict[str, Any]]]:
    return _read_workbook(content)[0]


def _read_workbook(content: bytes) -> tuple[dict[int, list[dict[str, Any]]], datetime | None]:
    """Every edition's rows, and when the publisher last saved the workbook (its own date: a copy's
    file time says when it was copied, not when the index was published)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for bad bytes
        raise ExtractionError(f"not an OC Index workbook: {type(exc).__name__}: {exc}") from exc
    saved = book.properties.modified or book.properties.created
    saved_at = saved.replace(tzinfo=UTC) if saved and saved.tzinfo is None else saved
    editions: dict[int, list[dict[str, Any]]] = {}
    for sheet in book.worksheets:
        match = re.fullmatch(r"(\d{4})_dataset", sheet.title.strip())
        if match:
            rows = list(sheet.iter_rows(values_only=True))
            if len(rows) < 2:
                raise ExtractionError(f"sheet {sheet.title} is empty")
            editions[int(match.group(1))] = read_edition(rows)
    book.close()
    if not editions:
        raise ExtractionError("the workbook has no <year>_dataset sheet")
    return editions, saved_at


def extract_snapshot(raw: bytes, *, url: str = urls[0]) -> Extraction:
    """A snapshot's raw bytes again: the workbook (re-read), or, for snapshots stored before the
    workbook was kept, the record's own JSON (all there is to read)."""
    if raw.lstrip().startswith(b"{"):
        record = json.loads(raw)
        return Extraction(records=[Extracted(key=record["key"], record=record, raw=raw)])
    return extract(raw, url=url)


def extract(content: bytes, *, url: str = urls[0], edition: int | None = None) -> Extraction:
    """The workbook (all editions; the latest, or ``edition``) or a country page's text."""
    if not content.startswith(b"PK"):  # not a zip: a country page's text
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractionError("neither an .xlsx workbook nor a page's text") from exc
        record = extract_page_text(text, edition=edition)
        return Extraction(records=[Extracted(key=record["key"], record=record, raw=content)])
    editions, saved_at = _read_workbook(content)
    chosen = edition or max(editions)
    if chosen not in editions:
        raise ExtractionError(f"edition {chosen} is not in the workbook (has {sorted(editions)})")
    records = build_records(editions, chosen)
    # Every record's raw is the workbook itself (stored once, by hash): what a reprocess re-reads.
    out = [Extracted(key=r["key"], record=r, raw=content) for r in records]
    index_record = {
        "key": INDEX_KEY,
        "country": "",
        "country_name": "Global Organized Crime Index",
        "edition": chosen,
        "edition_label": f"{chosen} edition ({len(records)} countries)",
        "url": "https://ocindex.net/",
    }
    out.append(Extracted(key=INDEX_KEY, record=index_record, raw=content))
    return Extraction(records=out, document_time=saved_at)


# -- country page text (as in seed 002) -------------------------------------------------------

_SCORE_DELTA = re.compile(r"^(10\.\d{2}|\d\.\d{2})(-?\d{1,2}\.\d{2})$")
_RANK = re.compile(r"^(\d+)(?:st|nd|rd|th) of (\d+) countries(?: in (.+?))?\s+(-?\d+)$")


def extract_page_text(text: str, *, edition: int | None = None) -> dict[str, Any]:
    """A country page's text -> the same record shape (ranks and deltas as the page prints them)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    try:
        country_name = lines[lines.index("Profile") + 1]
    except (ValueError, IndexError) as exc:
        raise ExtractionError("no 'Profile' heading followed by a country name") from exc
    code = code_for_name(country_name)
    if code is None:
        raise ExtractionError(f"country {country_name!r} has no ISO code")
    record: dict[str, Any] = {
        "key": code,
        "country": code,
        "country_name": country_name,
        "edition": edition,
        "markets": {},
        "actors": {},
        "resilience_indicators": {},
    }
    section = None
    pending_pillar: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        match = _SCORE_DELTA.match(line)
        if match and nxt in ("Criminality score", "Resilience score"):
            pillar = "criminality" if nxt.startswith("Criminality") else "resilience"
            record[pillar] = {"score": float(match.group(1)), "delta": float(match.group(2))}
            pending_pillar, section = pillar, ("resilience_indicators" if pillar == "resilience" else None)
            i += 2
            continue
        rank = _RANK.match(line)
        if rank and pending_pillar:
            field = (
                "rank"
                if rank.group(3) is None
                else ("continent_rank" if "continent_rank" not in record[pending_pillar] else "region_rank")
            )
            record[pending_pillar][field] = int(rank.group(1))
            if field == "rank":
                record[pending_pillar]["rank_delta"] = int(rank.group(4))
            else:
                record.setdefault("_groups", {})[field] = rank.group(3)
            i += 1
            continue
        if line in ("Criminal markets", "Criminal actors") and (score := _SCORE_DELTA.match(nxt)):
            key = "criminal_markets" if line == "Criminal markets" else "criminal_actors"
            record[key] = {"score": float(score.group(1)), "delta": float(score.group(2))}
            section = "markets" if key == "criminal_markets" else "actors"
            i += 2
            continue
        after = lines[i + 2] if i + 2 < len(lines) else ""
        if (
            section
            and (score := _SCORE_DELTA.match(nxt))
            and not _SCORE_DELTA.match(line)
            and not after.endswith(" score")
        ):
            record[section][line] = {"score": float(score.group(1)), "delta": float(score.group(2))}
            i += 2
            continue
        i += 1
    groups = record.pop("_groups", {})
    record["continent"] = groups.get("continent_rank", "")
    record["region"] = groups.get("region_rank", "")
    if "criminality" not in record or "resilience" not in record:
        raise ExtractionError("the page has no criminality or resilience score")
    return record


declare(__name__, OcIndexSource)
