"""Slack delivery with the real slack-sdk client against a fake Slack Web API on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select

from alerts.outbox import flush
from alerts.routing import Routing, parse
from alerts.slack import SlackWebTransport
from models.sessions import session_for
from models.tables import Alert, Delivery
from tests.conftest import FEED_1008, FEED_PATH, run_cli
from tests.support.fake_slack import TOKEN


def test_two_runs_post_exactly_one_message_even_after_a_429(feed_server, slack):
    assert run_cli("run").returncode == 0
    assert slack.posts() == []
    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    slack.inject("chat.postMessage", {"status": 429, "retry_after": 1})
    started = datetime.now(UTC)
    second = run_cli("run")
    assert second.returncode == 0, second.stderr
    assert (datetime.now(UTC) - started) >= timedelta(seconds=1)  # Retry-After was honoured
    assert len(slack.posts()) == 2  # the 429, then the post
    assert len(slack.state.messages) == 1 and slack.state.violations == []
    message = slack.state.messages[0]
    assert message["channel"] == "C0TRAVEL"
    header = message["blocks"][0]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "emoji": True, "text": "Sao Tome and Principe — Level 1 → Level 2"},
    }
    assert "+H Health" in str(message["blocks"])
    assert message["text"].startswith("[MEDIUM] Sao Tome and Principe — Level 1 → Level 2")
    with session_for() as session:
        [alert] = session.exec(select(Alert)).all()
        assert (alert.status, alert.channel, alert.slack_ts) == ("sent", "C0TRAVEL", message["ts"])
    assert run_cli("run").returncode == 0 and len(slack.state.messages) == 1


def _alerts(session, count: int, keys: int) -> None:
    now = datetime.now(UTC)
    for i in range(count):
        key = f"K{i % keys:02d}"
        severity = ["medium", "high", "critical", "info"][i % 4]
        payload = {
            "source": "state-dept-feed",
            "country": key,
            "key": key,
            "country_name": f"Place {key}",
            "kind": "level_changed",
            "old": 1,
            "new": 2,
            "severity": severity,
            "observed_at": now.isoformat(),
            "summary": f"Place {key} — Level 1 → Level 2 <!channel> & <https://evil.example|click>",
            "url": "https://travel.state.gov/x",
            "changes": [
                {
                    "kind": "level_changed",
                    "severity": severity,
                    "summary": f"Place {key} — Level 1 → Level 2 <!channel> & <https://evil.example|x>",
                }
            ],
            "diff": "[-old-] [+new+]",
        }
        session.add(
            Alert(
                dedupe_key=f"t:{i}",
                source="state-dept-feed",
                key=key,
                country=key,
                kind="level_changed",
                severity=2,
                payload=payload,
                created_at=now + timedelta(microseconds=i),
                status="pending",
            )
        )
    session.commit()


class Crash(BaseException):
    """A process dying between Slack's answer and our commit."""


def test_exactly_once_over_200_alerts_under_faults(slack):
    transport = SlackWebTransport(TOKEN, slack.base_url, timeout=1)
    routing = Routing(default_channel="#travel-risk", ops_channel="#ops")
    slack.inject(
        "chat.postMessage",
        {"status": 429, "retry_after": 0},
        {"status": 500},
        *({"delay": 1.6, "post": True} for _ in range(3)),  # posted, but the answer comes too late
        {"status": 503},
        {"status": 429, "retry_after": 1},
    )
    crashed = {"n": 0}
    real_post = transport.post

    def post_then_crash(*args, **kwargs):
        posted = real_post(*args, **kwargs)
        if crashed["n"] < 2 and len(slack.state.messages) in (50, 120):
            crashed["n"] += 1
            raise Crash()
        return posted

    transport.post = post_then_crash  # type: ignore[method-assign]
    with session_for() as session:
        _alerts(session, 200, keys=40)
        rounds = 0
        while True:
            rounds += 1
            assert rounds < 10
            try:
                # lease=0: a crashed claim is immediately reclaimable (instead of waiting five minutes)
                report = flush(session, transport, routing, lease=timedelta(0))
            except Crash:
                session.rollback()
                continue
            if (
                report.pending == 0
                and not session.exec(select(Delivery).where(Delivery.status != "sent")).first()
            ):
                break
        deliveries = session.exec(select(Delivery)).all()
        alerts = session.exec(select(Alert)).all()
    assert crashed["n"] == 2
    markers = [m["metadata"]["event_payload"]["marker"] for m in slack.state.messages]
    assert len(markers) == 200 and len(set(markers)) == 200  # every alert once, none twice
    assert slack.state.violations == []
    assert all(a.status == "sent" for a in alerts) and len(deliveries) == 200
    # Threads: per destination, the first message is the root, the four others are replies in its thread.
    by_key: dict[str, list[Delivery]] = {}
    for d in sorted(deliveries, key=lambda d: d.sent_at):
        by_key.setdefault(d.key, []).append(d)
    for rows in by_key.values():
        root = rows[0]
        assert root.thread_ts == root.ts
        assert all(r.thread_ts == root.ts and r.ts != root.ts for r in rows[1:])
    replies = [m for m in slack.state.messages if m["thread_ts"]]
    assert len(replies) == 160
    assert all(m["reply_broadcast"] == ("HIGH" in m["text"] or "CRITICAL" in m["text"]) for m in replies)
    # Scraped text cannot mention or link: in every mrkdwn text <, > and & arrive escaped.
    message = slack.state.messages[0]
    mrkdwn = [
        e["text"]
        for b in message["blocks"]
        for e in [b.get("text") or {}, *b.get("elements", [])]
        if e.get("type") == "mrkdwn"
    ]
    assert any("&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;" in t for t in mrkdwn)
    assert not any("<!channel>" in t or "<https://evil" in t for t in mrkdwn)
    assert "&lt;!channel&gt;" in message["text"]  # the notification fallback too


def test_refusals_keep_alerts_pending_and_tell_ops_once(slack):
    transport = SlackWebTransport(TOKEN, slack.base_url)
    routing = Routing(default_channel="#missing-channel", ops_channel="#ops")
    with session_for() as session:
        _alerts(session, 3, keys=3)
        first = flush(session, transport, routing)
        assert (first.sent, first.rejected) == (1, 3)  # three refusals, then the ops alert got through
        assert [m["channel"] for m in slack.state.messages] == ["C0OPS"]
        assert "channel_not_found" in str(slack.state.messages[0]["blocks"])
        flush(session, transport, routing)
        assert len(slack.state.messages) == 1  # still refused, and no second ops alert
        slack.state.channels["missing-channel"] = "C0NEW"
        third = flush(session, transport, routing)
        assert third.sent == 3
        assert sorted(m["channel"] for m in slack.state.messages) == ["C0NEW", "C0NEW", "C0NEW", "C0OPS"]


def test_daily_digest_groups_changes_and_skips_empty_days(slack):
    from advisory_watch.replay import replay_files
    from alerts.digest import queue_digests
    from tests.conftest import ARCHIVE

    list(replay_files("state-dept-feed", [ARCHIVE / f"2026-03-0{d}.xml" for d in (1, 2, 3, 4)]))
    transport = SlackWebTransport(TOKEN, slack.base_url)
    routing = parse({"default_channel": "#travel-risk", "routes": [{"channel": "#ops", "digest": True}]})
    day_end = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    with session_for() as session:
        assert queue_digests(session, routing, now=day_end - timedelta(days=30)) == []  # an empty day
        [payload] = queue_digests(session, routing, now=day_end)
        assert queue_digests(session, routing, now=day_end) == []  # queued once
        report = flush(session, transport, routing)
    assert report.sent == 1
    [message] = slack.state.messages
    assert message["channel"] == "C0OPS" and slack.state.violations == []
    text = str(message["blocks"])
    # The window is 2026-03-03 12:00 .. 2026-03-04 12:00: the 03-04 feed's level changes (Cyprus, Oman,
    # Saudi Arabia) and its quiet indicator changes (Kuwait, Qatar, Bahrain) are in it; the 03-03 feed's
    # (UAE, Jordan) are not.
    for place in ("Cyprus", "Oman", "Saudi Arabia", "Kuwait", "Qatar", "Bahrain"):
        assert place in text
    assert "United Arab Emirates" not in text and "Jordan" not in text
    severities = [b["text"]["text"].split("\n")[0] for b in message["blocks"] if b["type"] == "section"]
    assert severities[0].startswith(":large_orange_circle: *HIGH*")
    assert {i.severity for i in payload.items} >= {"high"}


def test_webhook_and_alerts_test_command(monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(
            "ADVISORY_WATCH_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/hook"
        )
        result = run_cli("alerts", "test")
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    [body] = received
    assert body["blocks"][0]["text"]["text"].startswith("Sao Tome and Principe — Level 1 → Level 2")
    assert body["text"].startswith("[MEDIUM]")
