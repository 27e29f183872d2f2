"""Block Kit rendering of an alert payload, within Slack's limits, with scraped text escaped.

Limits respected: at most 50 blocks, header text at most 150 characters, section text at most 3000.
Scraped text is escaped for mrkdwn (&, <, >) so a page cannot inject mentions or links.
"""

from __future__ import annotations

import re
from typing import Any

SEVERITY_BADGE = {
    "critical": ":red_circle: CRITICAL",
    "high": ":large_orange_circle: HIGH",
    "medium": ":large_yellow_circle: MEDIUM",
    "low": ":large_blue_circle: LOW",
    "info": ":white_circle: INFO",
}
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000


def escape_mrkdwn(text: Any) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int, suffix: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(suffix)] + suffix


def _header_text(payload: dict[str, Any]) -> str:
    place = payload.get("country_name") or payload.get("source")
    summary = payload.get("summary") or payload.get("kind")
    # Summaries start with the place already ("Peru — Level 2 → Level 3").
    return summary if str(summary).startswith(str(place)) else f"{place} — {summary}"


def _diff_mrkdwn(diff: str) -> str:
    text = escape_mrkdwn(diff)
    text = re.sub(
        r"\[-(.*?)-\]", lambda m: f"~{m.group(1).strip()}~" if m.group(1).strip() else "", text, flags=re.S
    )
    return re.sub(
        r"\[\+(.*?)\+\]", lambda m: f"*{m.group(1).strip()}*" if m.group(1).strip() else "", text, flags=re.S
    )


def fallback_text(payload: dict[str, Any]) -> str:
    badge = (payload.get("severity") or "info").upper()
    return escape_mrkdwn(f"[{badge}] {_header_text(payload)}")


def render(payload: dict[str, Any]) -> dict[str, Any]:
    """{'text': …, 'blocks': […]} for chat.postMessage or an incoming webhook."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(_header_text(payload), MAX_HEADER), "emoji": True},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": SEVERITY_BADGE.get(payload.get("severity") or "info", "")},
                {
                    "type": "mrkdwn",
                    "text": f"`{escape_mrkdwn(payload.get('kind'))}` · "
                    f"{escape_mrkdwn(payload.get('source'))} · "
                    f"{escape_mrkdwn(payload.get('observed_at'))}",
                },
            ],
        },
    ]
    if payload.get("change_note"):
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut("*Change note:* " + escape_mrkdwn(payload["change_note"]), MAX_SECTION),
                },
            }
        )
    if payload.get("error"):
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut("*Error:* ```" + escape_mrkdwn(payload["error"]) + "```", MAX_SECTION),
                },
            }
        )
    if payload.get("diff"):
        more = f" <{payload['history_url']}|full diff>" if payload.get("history_url") else ""
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(
                        "*What changed in the text:*\n" + _diff_mrkdwn(payload["diff"]),
                        MAX_SECTION - len(more) - 1,
                    )
                    + more,
                },
            }
        )
    links = []
    if payload.get("url"):
        links.append(f"<{payload['url']}|Source page>")
    if payload.get("history_url"):
        links.append(f"<{payload['history_url']}|History>")
    if links:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    return {"text": fallback_text(payload), "blocks": blocks[:MAX_BLOCKS]}
