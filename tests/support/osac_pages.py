"""OSAC's report page, rebuilt around a report's text (the seeds hold the text only)."""

from __future__ import annotations

import html


def as_page(text: str) -> bytes:
    """Seed 000 wrapped in OSAC's report-page markup (title, date box, body items, volatile widgets)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = next(ln for ln in lines if ln.endswith("Country Security Report"))
    body = lines[lines.index(title) + 2 :]
    items = "".join(
        f"<li>{html.escape(ln[1:].strip())}</li>" if ln.startswith("\u2022") else f"<p>{html.escape(ln)}</p>"
        for ln in body
        if ln != "Related Content"
    )
    return (
        f"<html><body><div class='mss-view-count'>5277 all time - 51 last 7 days</div>"
        f"<h1 class='mss-page-title'>{html.escape(title)}</h1>"
        f"<div class='mss-content-datetype-container'>10/07/2025 | Country Security Report</div>"
        f"<div class='mss-content-listitem'>{items}</div>"
        f"<div class='related'>Related Content</div><div>Error processing!</div></body></html>"
    ).encode()
