"""The governments' live paths against loopback servers: the GOV.UK Content API and HTML pages,
conditional GETs, a failed index, a page whose layout changed; and the consensus alert threaded with
the governments' own alerts in a (fake) Slack.

No capture of these live formats exists here, so the served documents are the shared corpus's real
text in the live shapes: the Content API item is the documented schema (``details.parts[].body``
HTML, ``public_updated_at``, ``details.change_description``) with the "Warnings and insurance" part's
text as its body, and the HTML pages are the archive's Markdown rendered back to HTML. That the same
record comes out of both shapes is checked on every destination's latest moment.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from markdown_it import MarkdownIt

from advisory_watch.delivery import flush_configured
from advisory_watch.ingest import ingest
from advisory_watch.pipeline import run_source
from advisory_watch.results import FetchInfo
from advisory_watch.settings import get_settings, reset_settings_cache
from models.sessions import session_for
from scrapers import registry
from scrapers.text.corpus_moment import bundle_bytes, destinations, moment_time
from tests.conftest import SHARED, UPSTREAMS

GOVERNMENTS = SHARED / "fixtures" / "governments"
UK = GOVERNMENTS / "unitedkingdom"
pytestmark = pytest.mark.skipif(
    not UK.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)
_HTML = MarkdownIt("commonmark")
FOLDERS = {
    "uk-fcdo": "unitedkingdom",
    "canada-travel": "canada",
    "australia-smartraveller": "australia",
    "ireland-dfa": "ireland",
}


def _content_item(destination: str, moment: str) -> dict:
    """A GOV.UK Content API travel-advice item holding the moment's "Warnings and insurance" text."""
    bundle = json.loads(bundle_bytes(UK / destination, moment, registry.load("uk-fcdo").corpus_roles))
    page, info = bundle["files"]["page"], json.loads(bundle["files"]["info"])
    body = page[page.index("Your travel insurance") :]  # the part's body; its dates are the item's fields
    return {
        "base_path": f"/foreign-travel-advice/{destination.lower()}",
        "title": f"{destination} travel advice",
        "document_type": "travel_advice",
        "schema_name": "travel_advice",
        "public_updated_at": info["update_date"],
        "details": {
            "country": {"name": destination, "slug": destination.lower()},
            "change_description": info["update_reason"],
            "parts": [
                {
                    "slug": "warnings-and-insurance",
                    "title": "Warnings and insurance",
                    "body": _HTML.render(body),
                }
            ],
        },
    }


def serve_one_destination_each(server, folder: Path) -> None:
    """One real destination per government on ``server`` at its live address, each government's
    index listing it: what a DAG's cycle needs to discover and read a page (Peru, its latest moment)."""

    def route(path: str, name: str, text: str) -> None:
        _serve(server, path, text, folder, name)

    def page_of(source: str, corpus: str) -> str:
        destination = GOVERNMENTS / corpus / "Peru"
        latest = max(p.name for p in destination.iterdir() if moment_time(p.name))
        markdown = json.loads(bundle_bytes(destination, latest, registry.load(source).corpus_roles))["files"][
            "page"
        ]
        return f"<html><body><main>{_HTML.render(markdown)}</main></body></html>"

    index = {"links": {"children": [{"base_path": "/foreign-travel-advice/peru"}]}}
    route("/api/content/foreign-travel-advice", "uk-index.json", json.dumps(index))
    route(
        "/api/content/foreign-travel-advice/peru",
        "uk-peru.json",
        json.dumps(_content_item("Peru", "2025-12-11T062209Z")),
    )
    route(
        "/travelling/advisories",
        "ca-index.html",
        '<html><body><a href="/destinations/peru">Peru</a></body></html>',
    )
    # travel.gc.ca labels the name, date and note by element id (the archive's info.json came from them)
    info = json.loads((GOVERNMENTS / "canada" / "Peru" / "2026-02-27T072159Z" / "info.json").read_text())
    labels = (
        f'<p><span id="nameLbl">{info["name"]}</span> Last updated: <span id="lastUpdateDateLbl">'
        f"February 26, 2026 14:02</span> ET</p>"
        f'<p>Latest updates: <span id="lastUpdateTextLbl">{info["update_reason"]}</span></p>'
    )
    route(
        "/destinations/peru",
        "ca-peru.html",
        page_of("canada-travel", "canada").replace("<main>", "<main>" + labels),
    )
    route(
        "/destinations",
        "au-index.html",
        '<html><body><a href="/destinations/americas/peru">Peru</a></body></html>',
    )
    route("/destinations/americas/peru", "au-peru.html", page_of("australia-smartraveller", "australia"))
    advice = "/en/dfa/overseas-travel/advice/"
    route(advice, "ie-index.html", f'<html><body><a href="{advice}peru/">Peru</a></body></html>')
    route(f"{advice}peru/", "ie-peru.html", page_of("ireland-dfa", "ireland"))


@pytest.fixture
def upstream(tmp_path, monkeypatch):
    from advisory_watch.fixture_server import FixtureServer

    index = tmp_path / "index.json"
    index.write_text(json.dumps({"links": {"children": [{"base_path": "/foreign-travel-advice/israel"}]}}))
    with FixtureServer(routes={"/api/content/foreign-travel-advice": index}) as server:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", ",".join(f"{u}={server.url}" for u in UPSTREAMS))
        monkeypatch.setenv("ADVISORY_WATCH_FETCH_ATTEMPTS", "1")
        reset_settings_cache()
        yield server


def _serve(server, path: str, document: dict | str, tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_text(document if isinstance(document, str) else json.dumps(document))
    httpx.post(f"{server.url}/__fixture/route", json={"path": path, "file": str(file)}).raise_for_status()


def test_uk_content_api_cycles_raise_once_then_304(upstream, tmp_path):
    page = "/api/content/foreign-travel-advice/israel"
    # 13 June 2025: "FCDO now advises against all but essential travel to Israel and the OPTs"
    _serve(upstream, page, _content_item("Israel", "2025-06-14T061239Z"), tmp_path, "il-0614.json")
    first = run_source("uk-fcdo", settings=get_settings())
    assert [r.status for r in first] == ["ok"] and not any(r.alerts for r in first)
    # 15 June 2025: "FCDO currently advises against all travel to Israel and the OPTs"
    _serve(upstream, page, _content_item("Israel", "2025-06-16T061445Z"), tmp_path, "il-0616.json")
    second = run_source("uk-fcdo", settings=get_settings())
    (alert,) = [a for r in second for a in r.alerts]
    assert (alert.government, alert.key, alert.kind, alert.old, alert.new) == (
        "UK", "IL", "tier_raised", 3, 4
    )  # fmt: skip
    assert alert.severity == "critical" and alert.url.endswith("/foreign-travel-advice/israel")
    third = run_source("uk-fcdo", settings=get_settings())
    assert [r.status for r in third] == ["not_modified"]
    log = [r for r in httpx.get(f"{upstream.url}/__fixture/log").json() if r["path"] == page]
    assert "If-None-Match" in log[-1]["headers"]


def test_every_government_discovers_and_reads_its_pages(upstream, tmp_path):
    """Each government's cycle reads its index, then its destination page (Peru), as HTML or JSON."""
    serve_one_destination_each(upstream, tmp_path)
    expected = {"uk-fcdo": 2, "canada-travel": 2, "australia-smartraveller": 2, "ireland-dfa": 2}
    for source_name in expected:
        results = run_source(source_name, settings=get_settings())
        assert [r.status for r in results] == ["ok"], (source_name, [r.problems for r in results])
    from models import store

    with session_for() as session:
        for source_name, level in expected.items():
            assert store.confirmed_records(session, source_name)["PE"]["level"] == level, source_name
        canada = store.confirmed_records(session, "canada-travel")["PE"]
    assert canada["updated"] == "2026-02-26"
    assert canada["update_reason"].startswith("Natural disasters and climate")


def test_a_failed_index_and_a_changed_layout_are_ops_alerts_and_lose_nothing(upstream, tmp_path):
    page = "/api/content/foreign-travel-advice/israel"
    _serve(upstream, page, _content_item("Israel", "2025-06-14T061239Z"), tmp_path, "il.json")
    run_source("uk-fcdo", settings=get_settings())
    httpx.post(
        f"{upstream.url}/__fixture/fault", json={"path": "/api/content/foreign-travel-advice", "status": 503}
    )
    failed = run_source("uk-fcdo", settings=get_settings())
    assert [r.status for r in failed] == ["fetch_failed"]
    # The layout moved on: the item no longer has parts. Extraction fails, the last good record stays.
    _serve(upstream, page, {"title": "Israel travel advice", "details": {}}, tmp_path, "il-broken.json")
    broken = run_source("uk-fcdo", settings=get_settings())
    assert [r.status for r in broken] == ["extraction_failed"]
    assert any(a.kind == "extraction_failed" for r in broken for a in r.alerts)
    from models import store

    with session_for() as session:
        assert store.confirmed_records(session, "uk-fcdo")["IL"]["level"] == 3


@pytest.mark.parametrize(
    "source_name", ["uk-fcdo", "canada-travel", "australia-smartraveller", "ireland-dfa"]
)
def test_live_html_and_the_archive_give_the_same_record(source_name):
    """Every destination's latest moment, read as the archive's Markdown and as that Markdown
    rendered to an HTML page: the same tier, native level, areas and dates."""
    source = registry.load(source_name)
    folder = GOVERNMENTS / FOLDERS[source_name]
    compared = 0
    for destination in destinations(folder):
        latest = max(p.name for p in destination.iterdir() if moment_time(p.name))
        content = bundle_bytes(destination, latest, source.corpus_roles)
        if content is None:
            continue  # the destination's folder never held this source's page
        bundle = json.loads(content)
        markdown = bundle["files"]["page"]
        bundle["files"]["page"] = f"<html><body><main>{_HTML.render(markdown)}</main></body></html>"
        as_html = source.extract(json.dumps(bundle).encode(), url="").records[0].record
        as_markdown = (
            source.extract(bundle_bytes(destination, latest, source.corpus_roles), url="").records[0].record
        )
        for field in ("key", "level", "native_level", "updated"):
            assert as_html[field] == as_markdown[field], (destination.name, field)
        compared += 1
        if any(line.startswith("+ ") for line in markdown.splitlines()):
            continue  # the archive flattened nested lists ("+ …" after a blank line): no faithful HTML
        assert [(a["name"], a["level"]) for a in as_html["areas"]] == [
            (a["name"], a["level"]) for a in as_markdown["areas"]
        ], destination.name
    assert compared >= 115


# Madagascar, September-October 2025: the UK (27 Sept), Canada (30 Sept) and Ireland (3 Oct) raise it.
MADAGASCAR = [
    ("uk-fcdo", "unitedkingdom", ["2025-09-26T061303Z", "2025-09-27T061038Z"]),
    ("canada-travel", "canada", ["2025-09-24T070939Z", "2025-09-30T070842Z"]),
    ("ireland-dfa", "ireland", ["2025-09-27T050725Z", "2025-10-03T050817Z"]),
]


def _madagascar_moments() -> list[tuple[datetime, str, Path, str]]:
    found = []
    for source_name, folder, wanted in MADAGASCAR:
        destination = GOVERNMENTS / folder / "Madagascar"
        names = sorted(p.name for p in destination.iterdir() if moment_time(p.name))
        # The moment at or before each wanted time: the state the government's page was in then.
        for want in wanted:
            moment = max(n for n in names if n <= want)
            found.append((moment_time(want), source_name, destination, moment))
    return sorted(found)


def test_governments_raising_together_make_one_consensus_alert_threaded_in_slack(slack):
    settings = get_settings()
    with session_for(settings) as session:
        for when, source_name, destination, moment in _madagascar_moments():
            source = registry.load(source_name)
            ingest(
                session,
                source,
                bundle_bytes(destination, moment, source.corpus_roles),
                url=(destination / moment).as_uri(),
                observed_at=when,
                info=FetchInfo(provenance="replay"),
                notify=True,
                settings=settings,
            )
        report = flush_configured(session, settings)
    assert report.failed == 0 and report.rejected == 0
    messages = slack.state.messages
    headers = [m["blocks"][0]["text"]["text"] for m in messages]
    raises = [m for m, h in zip(messages, headers, strict=True) if "tier" in h and "governments" not in h]
    together = [m for m, h in zip(messages, headers, strict=True) if "governments raised" in h]
    assert len(raises) == 3  # UK 1 → 3, Canada 2 → 3, Ireland 2 → 3
    assert len(together) == 2  # two governments (high), then three (critical)
    first = raises[0]
    assert "UK" in headers[messages.index(first)]
    # Both consensus alerts reply in the thread of the first government's alert, and are broadcast.
    assert all(m["thread_ts"] == first["ts"] and m["reply_broadcast"] for m in together)
    text = json.dumps(together[-1]["blocks"])
    assert "Governments moving together" in text and "CRITICAL" in text
    assert all(code in text for code in ("UK", "CA", "IE"))
