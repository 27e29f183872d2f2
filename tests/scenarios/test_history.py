"""The history browser: routes on a real database filled from the captures, exports, feeds, security."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from history.app import create_app
from history.security import token_guard
from models.sessions import session_for
from models.tables import Snapshot
from tests.support.history_fixture import INJECTED, build


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("history"))
    return settings, TestClient(create_app(settings))


def sao_tome_snapshots(settings) -> tuple[int, int]:
    """The 2025-10-07 and 2025-10-08 snapshots of São Tomé's advisory."""
    with session_for(settings) as session:
        rows = session.exec(
            select(Snapshot)
            .where(Snapshot.source == "state-dept-feed", Snapshot.key == "ST")
            .order_by(Snapshot.observed_at)
        ).all()
    return rows[0].id, rows[1].id


def test_index_shows_the_cross_source_view(history):
    _, client = history
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "Peru" in text and "HIGH" in text  # OSAC Lima crime rating beside the level
    assert "6.62" in text and "4.46" in text  # OC Index criminality / resilience
    level4 = client.get("/?level=4&sort=criminality").text
    assert "Afghanistan" in level4 and "Peru" not in level4
    south_america = client.get("/?region=South+America").text
    assert "Peru" in south_america and "France" not in south_america
    recent = client.get("/?days=10000&sort=changed").text
    assert "São Tomé" in recent or "Sao Tome" in recent


def test_sao_tome_timeline_and_diff(history):
    settings, client = history
    page = client.get("/country/ST")
    assert page.status_code == 200
    assert (
        "<svg" in page.text
        and "Level 3 from 2026-04-10" in page.text
        and "Level 2 from 2025-10-08" in page.text
    )
    assert "Level 1 → Level 2" in page.text and "Level 2 → Level 3" in page.text
    a, b = sao_tome_snapshots(settings)
    diff = client.get(f"/diff/{a}/{b}")
    assert diff.status_code == 200
    assert "<ins>" in diff.text and "<del>" in diff.text and 'id="change-1"' in diff.text
    assert "health risks" in diff.text  # the rewritten text of 2025-10-08
    assert client.get("/country/ZZ").status_code == 404


def test_exports_and_feeds_list_the_same_changes_as_replay(history, tmp_path):
    import shutil

    from tests.conftest import ARCHIVE, FEED_0107, FEED_1008
    from tests.scenarios.test_replay import replay

    _, client = history
    folder = tmp_path / "all"
    folder.mkdir()
    shutil.copy(FEED_0107, folder / "0-a.xml")
    shutil.copy(FEED_1008, folder / "0-b.xml")
    for day in sorted(ARCHIVE.glob("*.xml")):
        shutil.copy(day, folder / f"1-{day.name}")
    replayed = sorted(
        (a["observed_at"], a["country"], a["kind"], json.dumps(a["old"]), json.dumps(a["new"]))
        for a in replay(folder)
        if not a.get("ops")  # ops messages (drift on 2026-02-11) are not changes
    )
    assert ("2025-10-08T17:36:06+00:00", "ST", "level_changed", "1", "2") in replayed
    api = all_pages(client, "/api/changes", {"source": "state-dept-feed"})
    alerted = {(a[0], a[1]) for a in replayed}
    # Every alert replay printed is a change the API lists, with the same values.
    listed = {
        (c["observed_at"], c["country"], c["kind"], json.dumps(c["old"]), json.dumps(c["new"])) for c in api
    }
    assert set(replayed) <= listed
    level_api = sorted((c["observed_at"], c["country"]) for c in api if c["kind"] == "level_changed")
    assert level_api == sorted(a[:2] for a in replayed if a[2] == "level_changed")
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/export/changes.csv", params={"source": "state-dept-feed"}).text)
        )
    )
    assert sorted((r["observed_at"], r["country"]) for r in rows if r["kind"] == "level_changed") == level_api
    assert alerted <= {(r["observed_at"], r["country"]) for r in rows}
    atom = ET.fromstring(
        client.get("/feeds/changes.atom", params={"country": "ST", "severity": "high"}).content
    )
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert any("Level 2 → Level 3" in t for t in titles) and not any("Level 1 → Level 2" in t for t in titles)
    assert client.get("/api/snapshots", params={"country": "ST"}).json()
    assert client.get("/export/snapshots.csv").text.startswith("id,source,key")
    assert "/api/changes" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def all_pages(client, path: str, params: dict) -> list[dict]:
    """Every row of a paged list, following its next links."""
    response = client.get(path, params=params)
    rows = response.json()
    while "next" in response.links:
        response = client.get(response.links["next"]["url"])
        rows += response.json()
    return rows


def test_every_list_is_a_page_with_a_link_to_the_next(history):
    """No answer is unbounded: 200 rows by default, at most 1000; the next page is linked, and the
    pages together are the whole list, each row once, newest first."""
    _, client = history
    whole = all_pages(client, "/api/changes", {"limit": 1000})
    assert len(whole) > 200  # 120 days of the feed: several pages at the default size
    first = client.get("/api/changes")
    assert len(first.json()) == 200 and first.json() == whole[:200]
    paged = all_pages(client, "/api/changes", {"limit": 7})
    assert paged == whole and len({c["id"] for c in paged}) == len(paged)
    assert [c["observed_at"] for c in paged] == sorted((c["observed_at"] for c in paged), reverse=True)
    # The filters stay on the next link; the last page has none.
    st = client.get("/api/changes", params={"country": "ST", "limit": 1})
    nxt = client.get(st.links["next"]["url"])
    assert {c["country"] for c in st.json() + nxt.json()} == {"ST"}
    snapshots = all_pages(client, "/api/snapshots", {"country": "ST", "limit": 3})
    assert len(snapshots) == len({s["id"] for s in snapshots}) > 3
    last = client.get("/api/snapshots", params={"country": "ST", "limit": 1000})
    assert "next" not in last.links and last.json() == snapshots
    # The exports stream every row, past any page size.
    rows = list(csv.DictReader(io.StringIO(client.get("/export/changes.csv").text)))
    assert [r["id"] for r in rows] == [str(c["id"]) for c in whole]
    # A page starts at any moment and id: the one after the 7th row of the whole list.
    seventh = whole[6]
    after = client.get(
        "/api/changes", params={"limit": 3, "before": seventh["observed_at"], "before_id": seventh["id"]}
    )
    assert after.json() == whole[7:10]
    for bad in ({"limit": 1001}, {"limit": 0}, {"before": "not-a-date"}, {"before_id": 2**63}):
        assert client.get("/api/changes", params=bad).status_code == 422


def test_scraped_script_renders_inert(history):
    settings, client = history
    with session_for(settings) as session:
        osac = session.exec(select(Snapshot).where(Snapshot.source == "osac-report")).one()
    page = client.get(f"/snapshot/{osac.id}").text
    assert INJECTED not in page
    assert "&lt;script&gt;alert(&#39;injected&#39;)&lt;/script&gt;" in page
    found = client.get("/search", params={"q": "alert('injected')"}).text
    assert "<script>alert" not in found and "Peru" in found
    a, b = sao_tome_snapshots(settings)
    snapshot_page = client.get(f"/snapshot/{b}").text
    assert "<script" not in snapshot_page.split("</style>")[1]


def test_search_finds_current_text(history):
    _, client = history
    page = client.get("/search", params={"q": "Shining Path"}).text
    assert "Peru" in page


def test_token_required_beyond_localhost(history):
    settings, _ = history
    from fastapi import Depends

    guarded = TestClient(create_app(settings, dependencies=[Depends(token_guard("s3cret"))]))
    assert guarded.get("/").status_code == 401
    assert guarded.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert guarded.get("/api/changes", auth=("analyst", "s3cret")).status_code == 200
    refused = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and "ADVISORY_WATCH_UI_TOKEN" in refused.stderr


def test_pages_render_fast(history):
    settings, client = history
    a, b = sao_tome_snapshots(settings)
    for path in (
        "/",
        "/country/ST",
        f"/diff/{a}/{b}",
        f"/snapshot/{b}",
        "/api/changes",
        "/feeds/changes.atom",
    ):
        client.get(path)  # warm
        start = time.perf_counter()
        assert client.get(path).status_code == 200
        assert time.perf_counter() - start < 1.0, path  # generous bound here; bench/ measures the figures


def test_airflow_plugin_requires_an_airflow_user():
    from history.airflow_plugin import URL_PREFIX, AdvisoryWatchPlugin

    assert AdvisoryWatchPlugin.fastapi_apps[0]["url_prefix"] == URL_PREFIX
    assert AdvisoryWatchPlugin.external_views[0]["href"] == "advisory-watch/"
    app = AdvisoryWatchPlugin.fastapi_apps[0]["app"]
    assert TestClient(app).get("/").status_code == 401
    assert json.dumps(AdvisoryWatchPlugin.external_views)  # serialisable for the UI
