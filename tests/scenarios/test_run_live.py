"""`advisory-watch run` end to end against the loopback fixture server, as a user would run it."""

from __future__ import annotations

import json

import httpx

from tests.conftest import FEED_1008, FEED_PATH, run_cli


def test_two_cycles_then_an_unchanged_one(feed_server):
    first = run_cli("run", "--source", "state-dept-feed")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # the baseline raises nothing
    assert "state-dept-feed: ok items=211" in first.stderr

    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    second = run_cli("run")
    assert second.returncode == 0, second.stderr
    alerts = [json.loads(line) for line in second.stdout.splitlines()]
    assert [(a["kind"], a["country"], a["old"], a["new"]) for a in alerts] == [("level_changed", "ST", 1, 2)]
    assert "delivered 1 alert(s)" in second.stderr

    third = run_cli("run")
    assert third.returncode == 0 and third.stdout == ""
    assert "state-dept-feed: not_modified" in third.stderr
    log = [r for r in httpx.get(f"{feed_server.url}/__fixture/log").json() if r["path"] == FEED_PATH]
    assert len(log) == 3 and "If-None-Match" in log[2]["headers"]


def test_dry_run_holds_alerts_and_countries_narrow_the_run(feed_server):
    assert run_cli("run").returncode == 0
    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    narrowed = run_cli("run", "--countries", "PE,FR")
    assert narrowed.returncode == 0 and narrowed.stdout == ""  # São Tomé was not in the requested set
    dry = run_cli("run", "--dry-run")  # not a 304: the narrowed fetch's validators are not reused
    assert dry.returncode == 0 and dry.stdout == ""
    assert "changes=2 alerts=1" in dry.stderr
    assert run_cli("alerts", "pending").stdout == ""  # held, not pending: a dry run delivers nothing

    from sqlmodel import select

    from models.sessions import session_for
    from models.tables import Alert

    with session_for() as session:
        held = session.exec(select(Alert)).all()
    assert [(a.status, a.country, a.kind) for a in held] == [("held", "ST", "level_changed")]


def test_upstream_outage_is_an_ops_alert_after_three_failures(feed_server, monkeypatch):
    monkeypatch.setenv("ADVISORY_WATCH_FETCH_ATTEMPTS", "1")
    httpx.post(f"{feed_server.url}/__fixture/fault", json={"path": FEED_PATH, "status": 503, "times": 3})
    outputs = [run_cli("run") for _ in range(3)]
    assert [o.returncode for o in outputs] == [1, 1, 1]
    assert outputs[0].stdout == "" and outputs[1].stdout == ""
    ops = [json.loads(line) for line in outputs[2].stdout.splitlines()]
    assert [a["kind"] for a in ops] == ["fetch_failed"]
    recovered = run_cli("run")
    assert [json.loads(line)["kind"] for line in recovered.stdout.splitlines()] == ["source_recovered"]
