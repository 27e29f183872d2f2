"""Acting on alerts from Slack (issue #19): signed interaction payloads posted to the real endpoint
(uvicorn on loopback), the fake Slack Web API recording the chat.update calls and thread replies, the
audit trail in /api, CSV and the history browser, the CLI, escalation on a fake clock, Socket Mode over
a loopback WebSocket."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from sqlmodel import select

from advisory_watch.settings import get_settings, reset_settings_cache
from alerts.escalation import queue_escalations
from alerts.outbox import flush
from alerts.routing import parse
from alerts.slack import SlackWebTransport
from models.sessions import session_for
from models.tables import Alert, AlertAction, Snooze
from tests.conftest import FEED_1008, FEED_PATH, run_cli
from tests.support.fake_slack import TOKEN

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def endpoint(slack, monkeypatch):
    """The history browser (with /slack/interactions mounted) served by uvicorn on loopback."""
    from history.app import create_app

    monkeypatch.setenv("ADVISORY_WATCH_SLACK_SIGNING_SECRET", SECRET)
    reset_settings_cache()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(get_settings()), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def _signed(body: str, *, at: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _click(message: dict, action_id: str, user: str = "U0MARIA", name: str = "maria", **extra) -> dict:
    """The block_actions payload Slack sends when ``user`` uses a control of ``message``."""
    [controls] = [b for b in message["blocks"] if b["type"] == "actions"]
    action = {
        "action_id": action_id,
        "block_id": controls["block_id"],
        "action_ts": f"{time.time():.6f}",
        **extra,
    }
    return {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name},
        "container": {"type": "message", "channel_id": message["channel"], "message_ts": message["ts"]},
        "channel": {"id": message["channel"]},
        "actions": [action],
    }


def _body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _wait_for(slack, method: str, count: int, timeout: float = 8.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = slack.calls(method)
        if len(calls) >= count:
            return calls
        time.sleep(0.05)
    return slack.calls(method)


def _thread_replies(slack, ts: str) -> list[dict]:
    return [r for r in slack.calls("chat.postMessage") if r["body"].get("thread_ts") == ts]


def _actions(alert_id: int) -> list[AlertAction]:
    with session_for() as session:
        return list(session.exec(select(AlertAction).where(AlertAction.alert_id == alert_id)).all())


def test_buttons_acknowledge_assign_and_snooze_from_slack(feed_server, slack, endpoint):
    # A real alert: the feed of 2025-10-08 raises Sao Tome and Principe to Level 2.
    assert run_cli("run").returncode == 0
    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    assert run_cli("run").returncode == 0
    [message] = slack.state.messages
    [controls] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in controls["elements"]] == [
        "aw_acknowledge",
        "aw_assign",
        "aw_snooze",
        "aw_history",
    ]
    alert_id = int(controls["block_id"].removeprefix("aw:"))
    url = f"{endpoint}/slack/interactions"

    # Badly signed, stale, unsigned: 401, nothing recorded, nothing sent to Slack.
    ack = _body(_click(message, "aw_acknowledge", value=str(alert_id)))
    assert httpx.post(url, content=ack, headers=_signed(ack, secret="not-the-secret")).status_code == 401
    stale = _signed(ack, at=int(time.time()) - 600)
    assert httpx.post(url, content=ack, headers=stale).status_code == 401
    assert (
        httpx.post(
            url, content=ack, headers={"Content-Type": "application/x-www-form-urlencoded"}
        ).status_code
        == 401
    )
    time.sleep(0.3)
    assert _actions(alert_id) == [] and slack.calls("chat.update") == []

    # Acknowledge: answered at once, the message updated in place, one reply in its thread.
    started = time.monotonic()
    headers = _signed(ack)
    assert httpx.post(url, content=ack, headers=headers).status_code == 200
    assert time.monotonic() - started < 3
    [update] = _wait_for(slack, "chat.update", 1)
    assert (update["body"]["channel"], update["body"]["ts"]) == (message["channel"], message["ts"])
    shown = json.dumps(update["body"]["blocks"])
    assert "Acknowledged by <@U0MARIA> at " in shown and "aw_acknowledge" not in shown
    assert "Sao Tome and Principe" in shown  # the alert itself is still the message
    [reply] = _wait_for(slack, "chat.postMessage", 2)[1:]
    assert reply["body"]["thread_ts"] == message["ts"]
    assert reply["body"]["text"].startswith("Acknowledged by <@U0MARIA> at ")

    # Slack's retry of that request, and a double click (another action_ts): still one acknowledgement.
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert httpx.post(url, content=ack, headers=retry).status_code == 200
    again = _body(_click(message, "aw_acknowledge", value=str(alert_id)))
    assert httpx.post(url, content=again, headers=_signed(again)).status_code == 200
    time.sleep(0.5)
    assert len(slack.calls("chat.update")) == 1 and len(_thread_replies(slack, message["ts"])) == 1
    assert [a.kind for a in _actions(alert_id)] == ["acknowledge"]

    # Assign to Omar, then snooze the destination for a day.
    assign = _body(_click(message, "aw_assign", selected_user="U0OMAR"))
    assert httpx.post(url, content=assign, headers=_signed(assign)).status_code == 200
    updates = _wait_for(slack, "chat.update", 2)
    assert "Assigned to <@U0OMAR>" in json.dumps(updates[-1]["body"]["blocks"])
    snooze = _body(_click(message, "aw_snooze", selected_option={"value": "1d"}))
    assert httpx.post(url, content=snooze, headers=_signed(snooze)).status_code == 200
    updates = _wait_for(slack, "chat.update", 3)
    assert "Destination snoozed until" in json.dumps(updates[-1]["body"]["blocks"])
    replies = [r["body"]["text"] for r in _thread_replies(slack, message["ts"])]
    assert replies[1] == "Assigned to <@U0OMAR> by <@U0MARIA>"
    assert replies[2].startswith("<@U0MARIA> snoozed ST for 1 day: its alerts go to the digest until ")
    assert [a.kind for a in _actions(alert_id)] == ["acknowledge", "assign", "snooze"]

    # While snoozed, a new alert for the destination waits for the digest instead of the channel.
    with session_for() as session:
        [snoozed] = session.exec(select(Snooze)).all()
        assert snoozed.country == "ST"
        original = session.get(Alert, alert_id)
        session.add(
            Alert(
                dedupe_key="later-st",
                source=original.source,
                key=original.key,
                country="ST",
                kind=original.kind,
                severity=original.severity,
                payload=original.payload,
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    posted = len(slack.state.messages)
    assert run_cli("alerts", "flush").returncode == 0
    assert len(slack.state.messages) == posted
    with session_for() as session:
        assert session.exec(select(Alert).where(Alert.dedupe_key == "later-st")).one().status == "digest"

    # The audit trail: /api/alerts, the CSV export and the alert's page.
    [api] = [a for a in httpx.get(f"{endpoint}/api/alerts").json() if a["id"] == alert_id]
    assert [(a["kind"], a["actor"], a["actor_name"], a["via"]) for a in api["actions"]] == [
        ("acknowledge", "U0MARIA", "maria", "slack"),
        ("assign", "U0MARIA", "maria", "slack"),
        ("snooze", "U0MARIA", "maria", "slack"),
    ]
    assert api["actions"][0]["message_ts"] == message["ts"]
    csv_text = httpx.get(f"{endpoint}/export/alerts.csv").text
    assert csv_text.count(f"\r\n{alert_id},") == 3 and "assigned to U0OMAR" in csv_text
    page = httpx.get(f"{endpoint}/alert/{alert_id}").text
    assert "Audit trail" in page and "maria" in page and "assigned to U0OMAR" in page
    assert slack.state.violations == []


def _high_alert(session, key: str, created: datetime) -> Alert:
    payload = {
        "source": "state-dept-feed",
        "country": key,
        "key": key,
        "country_name": f"Place {key}",
        "kind": "level_changed",
        "severity": "high",
        "observed_at": created.isoformat(),
        "summary": f"Place {key} — Level 2 → Level 3",
        "changes": [
            {"kind": "level_changed", "severity": "high", "summary": f"Place {key} — Level 2 → Level 3"}
        ],
        "history_url": "http://127.0.0.1:8000/diff/1/2",
    }
    alert = Alert(
        dedupe_key=f"high:{key}",
        source="state-dept-feed",
        key=key,
        country=key,
        kind="level_changed",
        severity=3,
        payload=payload,
        created_at=created,
    )
    session.add(alert)
    session.commit()
    return alert


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, monkeypatch):
    """The embedded store, and PostgreSQL (the production path) where a server answers."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", url)
        reset_settings_cache()
    return request.param


def test_unacknowledged_high_alerts_escalate_once_and_close_when_acknowledged(slack, store_url):
    slack.state.channels["security-escalations"] = "C0ESCAL"
    routing = parse(
        {
            "default_channel": "#travel-risk",
            "ops_channel": "#ops",
            "escalation_channel": "#security-escalations",
            "escalate_after_minutes": 30,
        }
    )
    transport = SlackWebTransport(TOKEN, slack.base_url, timeout=2)
    t0 = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    with session_for() as session:
        late = _high_alert(session, "QA", t0)
        prompt = _high_alert(session, "KW", t0)
        assert flush(session, transport, routing, now=t0).sent == 2
        by_country = {m["blocks"][0]["text"]["text"].split(" — ")[0]: m for m in slack.state.messages}
        # Kuwait's alert is acknowledged (from the CLI's code path) before the limit: never escalated.
        from alerts.actions import Actor, act

        act(session, prompt.id, "acknowledge", Actor("omar", "omar", "cli"), now=t0 + timedelta(minutes=10))

        assert flush(session, transport, routing, now=t0 + timedelta(minutes=29)).sent == 0
        report = flush(session, transport, routing, now=t0 + timedelta(minutes=31))
        assert report.sent == 1
        escalated = slack.state.messages[-1]
        assert escalated["channel"] == "C0ESCAL"
        assert escalated["blocks"][0]["text"]["text"] == "Escalated: Place QA — Level 2 → Level 3"
        assert "Not acknowledged within 30 minutes.* Notified: #travel-risk." in json.dumps(
            escalated["blocks"]
        )
        # Retries of the delivery DAG: still one escalation.
        for minutes in (32, 45, 90):
            assert queue_escalations(session, routing, now=t0 + timedelta(minutes=minutes)) == 0
            flush(session, transport, routing, now=t0 + timedelta(minutes=minutes))
        assert sum(m["channel"] == "C0ESCAL" for m in slack.state.messages) == 1
        assert [a.kind for a in _actions(late.id)] == ["escalate"]
        assert [a.kind for a in _actions(prompt.id)] == ["acknowledge"]
        updates_before = len(slack.calls("chat.update"))

    # Acknowledged later, from the CLI: the alert's message and the escalation are both updated.
    done = run_cli("alerts", "ack", str(late.id))
    assert done.returncode == 0, done.stderr
    assert "Acknowledged by " in done.stdout and "(cli)" in done.stdout
    updated = {(u["body"]["channel"], u["body"]["ts"]) for u in slack.calls("chat.update")[updates_before:]}
    original = by_country["Place QA"]
    assert updated == {(original["channel"], original["ts"]), (escalated["channel"], escalated["ts"])}
    last = {(u["body"]["channel"], u["body"]["ts"]): u for u in slack.calls("chat.update")}
    assert "Acknowledged by " in json.dumps(last[(escalated["channel"], escalated["ts"])]["body"]["blocks"])
    assert [
        r["body"]["thread_ts"] for r in slack.calls("chat.postMessage") if r["body"].get("thread_ts")
    ] == [original["ts"]]
    assert run_cli("alerts", "ack", str(late.id)).returncode == 0  # again: nothing changes
    assert len(slack.calls("chat.update")) == updates_before + 2
    assert run_cli("alerts", "snooze", str(late.id), "--for", "1w").returncode == 0
    assert run_cli("alerts", "assign", "999999", "--to", "U0X").returncode == 2  # no such alert
    assert slack.state.violations == []


def test_socket_mode_receives_a_click_acknowledges_it_and_acts(slack, monkeypatch):
    from websockets.sync.server import serve

    from alerts.socket_mode import run

    transport = SlackWebTransport(TOKEN, slack.base_url, timeout=2)
    routing = parse({"default_channel": "#travel-risk"})
    with session_for() as session:
        alert = _high_alert(session, "QA", datetime.now(UTC))
        flush(session, transport, routing)
    [message] = slack.state.messages
    click = _click(message, "aw_acknowledge", user="U0SOCK", name="sock", value=str(alert.id))
    acknowledged: list[dict] = []

    def session_handler(connection) -> None:  # noqa: ANN001
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(
            json.dumps(
                {
                    "envelope_id": "env-1",
                    "type": "interactive",
                    "payload": click,
                    "accepts_response_payload": False,
                }
            )
        )
        for frame in connection:
            acknowledged.append(json.loads(frame))
            break

    with serve(session_handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slack.state.socket_url = f"ws://127.0.0.1:{port}/link"
        monkeypatch.setenv("ADVISORY_WATCH_SLACK_APP_TOKEN", "xapp-1-test")
        reset_settings_cache()
        finished: list[int] = []
        worker = threading.Thread(target=lambda: finished.append(run(get_settings(), once=True)), daemon=True)
        worker.start()
        worker.join(20)
        server.shutdown()
    assert finished == [0]
    assert acknowledged == [{"envelope_id": "env-1"}]
    assert [(a.kind, a.actor) for a in _actions(alert.id)] == [("acknowledge", "U0SOCK")]
    [update] = slack.calls("chat.update")
    assert "Acknowledged by <@U0SOCK>" in json.dumps(update["body"]["blocks"])
