"""Block Kit messages within Slack's limits, with user text escaped."""

from __future__ import annotations

from alerts import blocks
from alerts.payload import AlertPayload


def test_block_kit_limits_and_escaping():
    long_text = "<b>&</b> " * 2000
    payload = AlertPayload.from_json(
        {
            "source": "s",
            "country_name": "X" * 300,
            "kind": "level_changed",
            "severity": "critical",
            "observed_at": "2026-01-01T00:00:00+00:00",
            "summary": "X" * 300,
            "change_note": long_text,
            "diff": "[+" + long_text + "+]",
            "error": long_text,
            "changes": [
                {"kind": "k", "summary": f"X — change {i} <@U123>", "severity": "high"} for i in range(400)
            ],
            "from_snapshot": 1,
            "to_snapshot": 2,
            "history_url": "http://127.0.0.1:8000/diff/1/2",
            "url": "https://travel.state.gov/",
        }
    )
    message = blocks.render(payload)
    assert len(message["blocks"]) <= 50
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert "<b>" not in block["text"]["text"] and "<@U123>" not in block["text"]["text"]
    assert "Full diff in the history view" in str(message)
