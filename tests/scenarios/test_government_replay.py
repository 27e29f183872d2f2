"""``advisory-watch replay --all``: every government's corpus in time order into one store.

One replay (about two minutes: 7,316 moments of five governments) serves every test here. Its alerts
must be exactly the hand-checked list ``tests/scenarios/corpus/governments_replay_alerts.txt`` (each line's
verdict quotes the government's own note), the U.S. pages' alerts the same as their own replay's,
and the consensus alerts the real 2025-2026 cases. Re-stamps (the UK's "Still current at", Canada's
daily ``update_date``) must raise nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from advisory_watch import announcements
from advisory_watch.settings import Settings
from alerts.payload import AlertPayload
from diffing.area_names import clean_area_name
from diffing.claims import SUBJECT
from models.sessions import session_for
from tests.conftest import SCREENSHOTS, SHARED
from tests.scenarios.test_witnesses import hand_read, stated
from tests.support.loopback_app import serving

GOVERNMENTS = SHARED / "fixtures" / "governments"
CHECKED = Path(__file__).parent / "corpus"
pytestmark = pytest.mark.skipif(
    not GOVERNMENTS.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('governments') / 'replay.db'}"


@pytest.fixture(scope="module")
def replayed(store_url) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "replay", "--all", str(GOVERNMENTS), "--db", store_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture(scope="module")
def server(replayed, store_url):
    """The history browser over the replayed store, on loopback."""
    with serving(Settings(database_url=store_url)) as url:
        yield url


def _line(alert: dict) -> str:
    if alert["source"] == "consensus":
        what = f"{'+'.join(alert['governments'])} {alert['severity']}"
    else:
        what = ",".join(sorted({c["kind"] for c in alert["changes"]}))
    return f"{alert['source']} | {alert['key']} | {alert['observed_at'][:10]} | {what}"


def _checked(name: str) -> list[str]:
    lines = [line for line in (CHECKED / name).read_text().splitlines() if not line.startswith("#")]
    assert all(" | genuine" in line for line in lines)
    return [" | ".join(line.split(" | ")[:4]) for line in lines]


def test_the_governments_alerts_are_the_checked_list(replayed):
    others = [a for a in replayed if not a.get("ops") and a["source"] != "state-dept-page"]
    assert [_line(a) for a in others] == _checked("governments_replay_alerts.txt")


def test_the_alerts_read_by_hand_are_stated_exactly(replayed):
    """#28: every claim of the sampled alerts (``tests/scenarios/corpus/hand_read_alerts.txt``), with its
    witnesses, as read by hand from the notes and pages."""
    sources = {"state-dept-page", "uk-fcdo", "canada-travel", "australia-smartraveller", "ireland-dfa"}
    wanted = hand_read(sources)
    got = stated([AlertPayload.from_json(a) for a in replayed])  # the printed lines, read back
    assert {key: got.get(key) for key in wanted} == wanted
    assert len(wanted) >= 40


def test_every_announcement_of_the_governments_reaches_an_alert(store_url, replayed):
    """#28: each claim a government's new note makes is stated by the alert of that version, or
    withheld for a named reason (standing advice restated; a field that says otherwise)."""
    with session_for(Settings(database_url=store_url)) as session:
        found = announcements.audit(session)
    assert found.missed == []
    for source in ("state-dept-page", "uk-fcdo", "canada-travel", "australia-smartraveller"):
        withheld = sum(n for (s, _), n in found.withheld.items() if s == source)
        assert found.announced[source] > 0
        assert found.alerted[source] + withheld == found.announced[source]
    # Measured over the corpus (bench/bench_witnesses.py): UK 44, Canada 45, Australia 21, U.S. pages 12.
    assert found.announced["uk-fcdo"] >= 40 and found.announced["canada-travel"] >= 40


def test_no_alert_states_a_garbled_area_name(replayed):
    for alert in replayed:
        for change in alert.get("changes") or []:
            if SUBJECT.get(change["kind"]) == "areas" and change["item"] and change["kind"] != "area_revised":
                assert clean_area_name(change["item"]) is not None, change


def test_every_alert_names_its_government(replayed):
    codes = {"state-dept-page": "US", "uk-fcdo": "UK", "canada-travel": "CA",
             "australia-smartraveller": "AU", "ireland-dfa": "IE"}  # fmt: skip
    for alert in replayed:
        if alert.get("ops"):
            continue
        if alert["source"] == "consensus":
            assert alert["government"] == "+".join(alert["governments"])
        else:
            assert alert["government"] == codes[alert["source"]], alert["summary"]


def test_the_us_pages_alert_as_in_their_own_replay(replayed):
    us = [
        f"state-dept-page | {a['country']} | {a['observed_at'][:10]} | {a['kind']}"
        for a in replayed
        if a["source"] == "state-dept-page" and not a.get("ops")
    ]
    expected = [
        line for line in _checked("unitedstates_replay_alerts.txt") if line.startswith("state-dept-page")
    ]
    assert us == expected


def test_consensus_alerts_are_the_real_cases(replayed):
    found = {
        (a["key"], a["observed_at"][:10], tuple(a["governments"]), a["severity"])
        for a in replayed
        if a["source"] == "consensus"
    }
    # June 2025, the Israel-Iran war: Australia, Ireland, then the UK within two days.
    assert ("IL", "2025-06-14", ("AU", "IE", "UK"), "critical") in found
    # Madagascar, Sept-Oct 2025: the UK, Canada and Ireland within seven days.
    assert ("MG", "2025-10-03", ("UK", "CA", "IE"), "critical") in found
    assert ("QA", "2025-06-18", ("CA", "AU"), "high") in found
    israel = next(a for a in replayed if a["source"] == "consensus" and a["key"] == "IL")
    assert [r["government"] for r in israel["raises"]] == ["AU", "IE"] and israel["thread_with"]
    assert israel["severity"] == "critical"  # a raise to tier 4


def test_re_stamps_raise_nothing(replayed):
    """Canada's Peru page: 60 moments, nearly all a new ``update_date`` alone; the UK's Spain: a new
    "Still current at" date at most moments. Neither raised any alert in the whole year."""
    assert not [a for a in replayed if a.get("key") == "PE" and a["source"] in ("canada-travel", "uk-fcdo")]
    assert not [a for a in replayed if a.get("key") == "ES" and a["source"] == "uk-fcdo"]
    assert len(list((GOVERNMENTS / "canada" / "Peru").iterdir())) >= 60


def test_comparison_api_csv_and_atom_carry_the_government(server):
    advice = httpx.get(f"{server}/api/governments/MG").json()
    assert [a["government"] for a in advice] == ["US", "UK", "CA", "AU", "IE"]
    by = {a["government"]: a for a in advice}
    assert by["UK"]["series"] and [s["level"] for s in by["UK"]["series"]][:3] == [1, 3, 1]
    assert by["CA"]["native_level"] == "Exercise a high degree of caution"
    changes = httpx.get(f"{server}/api/changes", params={"country": "MG"}).json()
    assert {c["government"] for c in changes} >= {"UK", "CA", "IE"}
    csv_text = httpx.get(f"{server}/export/changes.csv", params={"country": "MG"}).text
    assert csv_text.splitlines()[0].split(",")[:3] == ["id", "source", "government"]
    atom = httpx.get(f"{server}/feeds/changes.atom", params={"country": "MG"}).text
    assert 'term="government:UK"' in atom
    tiers = httpx.get(f"{server}/api/tiers").json()
    uk3 = next(t for t in tiers if (t["government"], t["tier"]) == ("UK", 3))
    assert uk3["native_level"] == "FCDO advises against all but essential travel to the whole country"
    assert len(tiers) == 20
    assert httpx.get(f"{server}/compare/ZZ").status_code == 404
    assert httpx.get(f"{server}/compare/not-a-key").status_code == 422
    assert httpx.get(f"{server}/governments", params={"basis": "nonsense"}).status_code == 422


def test_comparison_page_and_world_map_in_headless_chromium(server, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1500)
    browser.get(f"{server}/compare/MG")
    rows = browser.find_elements(By.CSS_SELECTOR, "#governments tbody tr")
    assert [r.get_attribute("data-government") for r in rows] == ["US", "UK", "CA", "AU", "IE"]
    steps = browser.find_element(By.CSS_SELECTOR, "svg.steps")
    assert steps.size["height"] > 200 and len(steps.find_elements(By.TAG_NAME, "rect")) >= 8
    browser.save_screenshot(str(SCREENSHOTS / "compare-mg.png"))
    browser.get(f"{server}/compare/IL")
    assert "Gaza" in browser.find_element(By.ID, "governments").text
    browser.save_screenshot(str(SCREENSHOTS / "compare-il.png"))

    browser.get(f"{server}/governments")
    world = browser.find_element(By.CSS_SELECTOR, "svg.worldmap")
    assert world.size["width"] >= 900
    coloured = world.find_elements(By.CSS_SELECTOR, "a[data-tier]")
    assert len(coloured) >= 120
    assert {a.get_attribute("data-tier") for a in coloured} == {"1", "2", "3", "4"}
    browser.save_screenshot(str(SCREENSHOTS / "governments.png"))
    # A country on the map is a link to its comparison page.
    peru = world.find_element(By.CSS_SELECTOR, 'a[data-key="PE"]')
    href = browser.execute_script("return arguments[0].getAttribute('href')", peru)  # an SVG link
    assert href == "/compare/PE"
    browser.get(server + href)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Peru")
    browser.get(f"{server}/governments?basis=us")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.worldmap a[data-tier]")
