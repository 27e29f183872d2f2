"""Block Kit rendering of alerts and digests, within Slack's limits, with scraped text escaped.

Limits respected: at most 50 blocks, header text at most 150 characters, section text at most 3000.
Scraped text is escaped for mrkdwn (&, <, >) so a page cannot inject mentions, channels or links;
long diffs are cut with a link to the full view in the history UI.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from alerts.payload import AlertPayload, DigestItem
from diffing.claims import FIELD, NOTE, READING, witness_label

WITNESSES = (FIELD, NOTE, READING)

if TYPE_CHECKING:
    from alerts.actions import Standing

SEVERITY_BADGE = {
    "critical": ":red_circle: *CRITICAL*",
    "high": ":large_orange_circle: *HIGH*",
    "medium": ":large_yellow_circle: *MEDIUM*",
    "low": ":large_blue_circle: *LOW*",
    "info": ":white_circle: *INFO*",
}
SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
DIFF_CHARS = 1200


def escape_mrkdwn(text: Any) -> str:
    return (
        str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def cut(text: str, limit: int, suffix: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(suffix)] + suffix


def _mark_runs(text: str, pattern: str, mark: str) -> str:
    """Slack marks do not span lines: mark each line of a run separately."""

    def repl(match: re.Match[str]) -> str:
        return "\n".join(
            f"{mark}{line.strip()}{mark}" if line.strip() else "" for line in match.group(1).split("\n")
        )

    return re.sub(pattern, repl, text, flags=re.S)


def diff_mrkdwn(diff: str) -> str:
    text = escape_mrkdwn(diff)
    text = _mark_runs(text, r"\[-(.*?)-\]", "~")
    text = _mark_runs(text, r"\[\+(.*?)\+\]", "*")
    # Slack needs a boundary between a removed and an added run to format both.
    return text.replace("~*", "~ *").replace("*~", "* ~")


def witness_words(change: Mapping[str, Any], note_by: str | None) -> str:
    """Who says so, in words: "stated as data", "State's change note", "read from the text"."""
    said = [witness_label(w, note_by) for w in change.get("witnesses") or [] if w in WITNESSES]
    return " + ".join(said)


def _change_lines(payload: AlertPayload) -> list[str]:
    lines = []
    for change in payload.changes or ():
        what = str(change.get("summary") or change.get("kind"))
        what = what.split(" — ", 1)[-1] if " — " in what else what
        who = witness_words(change, payload.note_by)
        who = f" · {escape_mrkdwn(who)}" if who else ""
        lines.append(f"• {escape_mrkdwn(what)}  _({escape_mrkdwn(change.get('severity'))}{who})_")
    return lines


def fallback_text(payload: AlertPayload) -> str:
    badge = str(payload.severity or "info").upper()
    return escape_mrkdwn(f"[{badge}] {payload.headline}")


def render(payload: AlertPayload, standing: Standing | None = None) -> dict[str, Any]:
    """{'text': …, 'blocks': […]} for chat.postMessage or an incoming webhook; with ``standing`` (a
    bot-token delivery) also where the alert stands and its buttons."""
    escalation = payload.escalation or {}
    title = payload.headline
    if escalation:
        title = "Escalated: " + title
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": cut(title, MAX_HEADER), "emoji": True},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": SEVERITY_BADGE.get(str(payload.severity), "")},
                {
                    "type": "mrkdwn",
                    "text": " · ".join(
                        [
                            f"`{escape_mrkdwn(payload.kind)}`",
                            escape_mrkdwn(payload.source)
                            + (f" ({escape_mrkdwn(payload.government)})" if payload.government else ""),
                            f"observed {escape_mrkdwn(payload.observed_at)}",
                        ]
                    ),
                },
            ],
        },
    ]
    if escalation:
        notified = ", ".join(escape_mrkdwn(c) for c in escalation.get("notified") or []) or "nobody"
        text = f"*Not acknowledged within {escalation.get('after_minutes'):g} minutes.* Notified: {notified}."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}})
    if payload.raises:
        moves = "\n".join(
            f"• *{escape_mrkdwn(r.get('government'))}* tier {escape_mrkdwn(r.get('old'))} → "
            f"{escape_mrkdwn(r.get('new'))} ({escape_mrkdwn(str(r.get('observed_at'))[:10])}): "
            f"{escape_mrkdwn(r.get('summary'))}"
            for r in payload.raises
        )
        text = cut("*Governments moving together*\n" + moves, MAX_SECTION)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    lines = _change_lines(payload)
    if lines:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": cut("*What changed*\n" + "\n".join(lines), MAX_SECTION)},
            }
        )
    quoted = payload.note or payload.change_note
    if quoted:
        whose = payload.note_by or "The advisory's own note"
        note = f"*{escape_mrkdwn(whose[:1].upper() + whose[1:])}:*\n>{escape_mrkdwn(quoted)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(note, MAX_SECTION)}})
    if payload.error:
        error = "*Error:*\n```" + cut(escape_mrkdwn(payload.error), MAX_SECTION - 20) + "```"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": error}})
    if payload.diff:
        diff = payload.diff
        more = ""
        if len(diff) > DIFF_CHARS:
            diff = diff[:DIFF_CHARS] + "…"
            if payload.history_url:
                more = f"\n<{payload.history_url}|Full diff in the history view>"
        text = "*Text changes* (~removed~, *added*)\n" + diff_mrkdwn(diff)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION - len(more)) + more}}
        )
    links = []
    if payload.url:
        links.append(f"<{payload.url}|Source page>")
    if payload.history_url:
        links.append(f"<{payload.history_url}|History of this change>")
    if links:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    text = fallback_text(payload)
    if escalation:
        text = "Escalated: " + text
    if standing is None:
        return {"text": text, "blocks": blocks[:MAX_BLOCKS]}
    tail = controls(standing, payload.history_url)
    return {"text": text, "blocks": blocks[: MAX_BLOCKS - len(tail)] + tail}


ACKNOWLEDGE, ASSIGN, SNOOZE, HISTORY = "aw_acknowledge", "aw_assign", "aw_snooze", "aw_history"


def controls(standing: Standing, history_url: str | None) -> list[dict[str, Any]]:
    """Where the alert stands (acknowledged, assigned, snoozed, escalated) and its buttons; the
    actions block's id names the alert, so every element's action finds it."""
    out: list[dict[str, Any]] = []
    lines = standing.lines()
    if lines:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(lines)}]})
    elements: list[dict[str, Any]] = []
    if not standing.acknowledged:
        elements.append(
            {
                "type": "button",
                "action_id": ACKNOWLEDGE,
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "style": "primary",
                "value": str(standing.alert_id),
            }
        )
    elements.append(
        {
            "type": "users_select",
            "action_id": ASSIGN,
            "placeholder": {"type": "plain_text", "text": "Assign to…"},
        }
    )
    elements.append(
        {
            "type": "static_select",
            "action_id": SNOOZE,
            "placeholder": {"type": "plain_text", "text": "Snooze this destination"},
            "options": [
                {"text": {"type": "plain_text", "text": label}, "value": value}
                for value, label in (("1d", "1 day"), ("1w", "1 week"))
            ],
        }
    )
    if history_url:
        elements.append(
            {
                "type": "button",
                "action_id": HISTORY,
                "text": {"type": "plain_text", "text": "Open history"},
                "url": history_url,
            }
        )
    out.append({"type": "actions", "block_id": f"aw:{standing.alert_id}", "elements": elements})
    return out


def render_digest(title: str, payloads: Sequence[DigestItem]) -> dict[str, Any]:
    """One digest message: changes grouped by severity, then by destination."""
    grouped: dict[str, dict[str, list[DigestItem]]] = defaultdict(lambda: defaultdict(list))
    for payload in payloads:
        grouped[str(payload.severity or "info")][payload.place].append(payload)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(title, MAX_HEADER), "emoji": True}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{len(payloads)} change(s)"}]},
    ]
    for severity in SEVERITY_ORDER:
        if severity not in grouped:
            continue
        lines = []
        for place in sorted(grouped[severity]):
            summaries = "; ".join(
                escape_mrkdwn(p.headline.split(" — ", 1)[-1]) for p in grouped[severity][place]
            )
            lines.append(f"• *{escape_mrkdwn(place)}*: {summaries}")
        text = SEVERITY_BADGE[severity] + "\n" + "\n".join(lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}})
        if len(blocks) >= MAX_BLOCKS - 1:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "… more in the history view"}]}
            )
            break
    return {"text": escape_mrkdwn(f"{title}: {len(payloads)} change(s)"), "blocks": blocks[:MAX_BLOCKS]}
