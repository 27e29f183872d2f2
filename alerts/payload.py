"""The alert payload: one JSON object per alert, the same for every source and every sink.

Shape (also what ``advisory-watch replay`` prints): source, country, key, country_name, kind, old,
new, severity, observed_at (ISO 8601), summary, url, change_note, diff (word-level excerpt, with
[-removed-] and [+added+] marks), from_snapshot, to_snapshot, history_url.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from diffing.changes import Change, Severity
from diffing.textdiff import excerpt, iter_line_then_word_diff, render_markup
from diffing.tiers import Government

# A destination's own level moving: what an alert leads with (the U.S. level; another government's tier).
LEVEL_KINDS = frozenset({"level_changed", "tier_raised", "tier_lowered"})


def primary_change(changes: list[Change]) -> Change:
    """The change that names the alert: a level change if there is one, else the most severe."""
    return next((c for c in changes if c.kind in LEVEL_KINDS), None) or max(
        changes, key=lambda c: int(c.severity)
    )


def change_payload(
    *,
    source: str,
    changes: list[Change],
    old_record: dict[str, Any] | None,
    new_record: dict[str, Any],
    observed_at: datetime,
    from_snapshot: int | None,
    to_snapshot: int,
    history_base_url: str = "",
    alerting: list[Change] | None = None,
    note_by: str | None = None,
    government: Government | None = None,
) -> dict[str, Any]:
    """One alert for one update of one destination, listing every typed change in it.

    ``alerting``: the changes that raised the alert (default: all). The headline and the severity
    come from them; the other changes ride along as context (an unconfirmed area change must not
    make a confirmed indicator change look critical). Each change names its witnesses
    (``diffing.witness``); ``note`` quotes the government's own note where a claim rests on it and
    ``note_by`` says whose note it is."""
    deciding = alerting or changes
    primary = primary_change(deciding)
    ordered = [primary] + [c for c in changes if c is not primary]
    diff_text = ""
    if old_record is not None:
        # Lines first, words inside changed lines: an advisory rewritten end to end stays cheap.
        old_text, new_text = old_record.get("text") or "", new_record.get("text") or ""
        if old_text != new_text:  # texts that differ always diff to some change
            diff_text = render_markup(excerpt(iter_line_then_word_diff(old_text, new_text)))
    history_url = ""
    if history_base_url and from_snapshot is not None:
        history_url = f"{history_base_url.rstrip('/')}/diff/{from_snapshot}/{to_snapshot}"
    summary = primary.summary
    if len(ordered) > 1:
        summary += "; " + "; ".join(c.summary.split(" — ", 1)[-1] for c in ordered[1:])
    return {
        "source": source,
        **({"government": government.code} if government else {}),
        "country": new_record.get("country") or "",
        "key": new_record.get("key") or "",
        "country_name": new_record.get("country_name") or "",
        "kind": primary.kind,
        "field": primary.field,
        "item": primary.item,
        "old": primary.old,
        "new": primary.new,
        "severity": max(deciding, key=lambda c: int(c.severity)).severity.label,
        "observed_at": observed_at.isoformat(),
        "summary": summary,
        "url": new_record.get("url") or "",
        "change_note": new_record.get("change_note"),
        **_note(ordered, note_by),
        "changes": [c.as_dict() for c in ordered],
        "diff": diff_text,
        "from_snapshot": from_snapshot,
        "to_snapshot": to_snapshot,
        "history_url": history_url,
    }


def _note(changes: list[Change], note_by: str | None) -> dict[str, Any]:
    """The note the alert quotes: the words of the government's note its claims rest on."""
    quoted = next(
        (c.details.get("note") for c in changes if "note" in c.witnesses and c.details.get("note")), None
    )
    return {"note": quoted, "note_by": note_by or "the government's note"} if quoted else {}


def ops_payload(
    *,
    source: str,
    kind: str,
    summary: str,
    observed_at: datetime,
    url: str = "",
    error: str = "",
    severity: Severity = Severity.HIGH,
    government: Government | None = None,
) -> dict[str, Any]:
    return {
        "source": source,
        **({"government": government.code} if government else {}),
        "country": "",
        "key": "",
        "country_name": "",
        "kind": kind,
        "field": None,
        "item": None,
        "old": None,
        "new": None,
        "severity": severity.label,
        "observed_at": observed_at.isoformat(),
        "summary": summary,
        "url": url,
        "change_note": None,
        "diff": "",
        "error": error,
        "ops": True,
    }
