"""OSAC reports: extraction from seed 000 (text and page markup), typed changes, discovery, cross-check."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from advisory_watch.ingest import ingest
from advisory_watch.pipeline import run_source
from advisory_watch.settings import reset_settings_cache
from models.sessions import session_for
from scrapers.osac import osac_report
from scrapers.us_state import state_dept_feed
from tests.conftest import FEED_1008, SHARED
from tests.support.osac_pages import as_page

SEED_000 = next((SHARED / "seeds").glob("000_*.txt"))
GUID = "15cfa519-f9ce-4169-969a-1cb10cb09f42"
REPORT_URL = f"https://www.osac.gov/Content/Report/{GUID}"
CRIME_HIGH = "assessed Lima as being a HIGH-threat location for crime"
KIDNAP_SENTENCE = "The U.S. Department of State has included a Kidnapping \u201cK\u201d Indicator"


def _ingest_versions(*versions: bytes):
    t0 = datetime(2025, 10, 8, tzinfo=UTC)
    with session_for() as session:
        return [
            ingest(session, osac_report, v, url=REPORT_URL, observed_at=t0 + timedelta(days=i))
            for i, v in enumerate(versions)
        ]


def test_an_edited_edition_gives_exactly_the_two_typed_changes():
    text = SEED_000.read_text(encoding="utf-8")
    sentence_start = text.index(KIDNAP_SENTENCE)
    edited = (text[:sentence_start] + text[text.index("\n", sentence_start) :]).replace(
        CRIME_HIGH, CRIME_HIGH.replace("HIGH", "CRITICAL")
    )
    first, second = _ingest_versions(text.encode(), edited.encode())
    assert first.alerts == []
    [alert] = second.alerts
    typed = {(c["kind"], c["item"], c["severity"]) for c in alert.changes if c["kind"] != "section_changed"}
    assert typed == {("threat_rating_changed", "Lima crime", "high"), ("indicator_dropped", "K", "info")}
    assert alert.kind == "threat_rating_changed" and alert.severity == "high"


def test_a_reordered_report_is_no_change():
    text = SEED_000.read_text(encoding="utf-8")
    crime = text.index("\nCrime\n")
    kidnapping = text.index("\nKidnapping Threat\n")
    terrorism = text.index("\nTerrorism\n")
    reordered = text[:crime] + text[kidnapping:terrorism] + text[crime:kidnapping] + text[terrorism:]
    assert reordered != text
    _, second = _ingest_versions(text.encode(), reordered.encode())
    assert second.alerts == [] and second.changes == 0


def test_a_page_without_ratings_or_indicators_raises_no_removals():
    text = SEED_000.read_text(encoding="utf-8")
    stripped = "\n".join(
        ln for ln in text.splitlines() if "threat location" not in ln and "Indicator" not in ln
    )
    _, second = _ingest_versions(text.encode(), stripped.encode())
    kinds = {c["kind"] for a in second.alerts for c in a.changes}
    assert kinds <= {"section_changed"}


class FakeOsac:
    """osac.gov on loopback: Browse (token + cookie), Search (JSON viewHTML), report pages."""

    def __init__(self, reports: dict[str, tuple[int, bytes]]):
        self.reports = reports
        self.searches: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _send(self, status, body, ctype="text/html", headers=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                if self.path.startswith("/Content/Browse/Report"):
                    page = (
                        b"<html><form><input name='__RequestVerificationToken' value='tok-123'></form></html>"
                    )
                    return self._send(
                        200, page, headers=[("Set-Cookie", "__RequestVerificationToken=ck-456; Path=/")]
                    )
                status, body = outer.reports.get(self.path, (404, b"not found"))
                return self._send(status, body)

            def do_POST(self):  # noqa: N802
                form = {
                    k: v[0]
                    for k, v in parse_qs(
                        self.rfile.read(int(self.headers["Content-Length"])).decode()
                    ).items()
                }
                outer.searches.append({"form": form, "cookie": self.headers.get("Cookie")})
                if form.get("__RequestVerificationToken") != "tok-123" or "ck-456" not in (
                    self.headers.get("Cookie") or ""
                ):
                    return self._send(500, b"anti-forgery check failed")
                items = "".join(
                    f"<div class='mss-content-item-details'><a href='{path}'>Report</a> "
                    "10/07/2025 | Country Security Report</div>"
                    for path in outer.reports
                )
                return self._send(200, json.dumps({"viewHTML": items}).encode(), "application/json")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()


def test_discovery_and_a_run_with_member_only_and_failing_reports(monkeypatch):
    text = SEED_000.read_text(encoding="utf-8")
    reports = {
        f"/Content/Report/{GUID}": (200, as_page(text)),
        "/Content/Report/00000000-0000-0000-0000-000000000001": (
            200,
            b"<html><body><p>This content is available only to OSAC constituents. "
            b"Log in to view.</p></body></html>",
        ),
        "/Content/Report/00000000-0000-0000-0000-000000000002": (500, b"server error"),
    }
    with FakeOsac(reports) as fake, session_for() as session:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://www.osac.gov={fake.url}")
        monkeypatch.setenv("ADVISORY_WATCH_FETCH_ATTEMPTS", "1")
        reset_settings_cache()
        # The feed of 2025-10-08 links Peru's report as /Country/Peru/Detail: discovery finds it too.
        ingest(session, state_dept_feed, FEED_1008.read_bytes(), url=state_dept_feed.urls[0])
        results = run_source("osac-report")
    assert fake.searches and fake.searches[0]["form"]["pageNumber"] == "1"
    by_status = sorted(r.status for r in results)
    # Peru's page (ok), the member-only page (ok, rejected), the 500 and the feed's /Country/*/Detail
    # links the fake does not serve (fetch_failed): no alert from any of them.
    assert by_status.count("ok") == 2
    # Only ops alerts (fetch_failed / source_recovered about the failing pages), never a change alert.
    assert all(a.ops for r in results for a in r.alerts)
    peru = next(r for r in results if r.status == "ok" and r.rejected == 0)
    assert peru.items == 1
    member = next(r for r in results if r.status == "ok" and r.rejected == 1)
    assert member.items == 1


def test_a_cycle_that_read_no_report_is_judged_failed(monkeypatch):
    """#29: the DAG's tasks on a real fake osac.gov. Every report 500s: the cycle itself returns (each
    failure recorded), and judge_run, the run's last task, fails the run. One report read: it passes."""
    from advisory_watch.airflow_tasks import judge_run, run_cycle

    failing = {
        f"/Content/Report/{GUID}": (500, b"server error"),
        "/Content/Report/00000000-0000-0000-0000-000000000002": (500, b"server error"),
    }
    with FakeOsac(failing) as fake:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://www.osac.gov={fake.url}")
        monkeypatch.setenv("ADVISORY_WATCH_FETCH_ATTEMPTS", "1")
        reset_settings_cache()
        summary = run_cycle("osac-report")
        assert summary["fetched"] == 0 and summary["failed"] >= 1
        with pytest.raises(RuntimeError, match="nothing was read in this run"):
            judge_run("osac-report", summary)
        fake.reports[f"/Content/Report/{GUID}"] = (200, as_page(SEED_000.read_text(encoding="utf-8")))
        read = run_cycle("osac-report")
    assert read["fetched"] == 1 and read["failed"] == 1
    assert judge_run("osac-report", read) == {"source": "osac-report", "fetched": 1, "failed": 1}
    # The mapped batches of a page source arrive as a list: one batch that read something is enough.
    assert judge_run("state-dept-page", [summary, read])["fetched"] == 1
    assert judge_run("osac-report", None) == {"source": "osac-report", "verdict": "no live fetch in this run"}
