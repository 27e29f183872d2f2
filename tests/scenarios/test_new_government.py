"""A sixth government is one class and one registry entry: nothing else in the tree changes.

The class is defined here, in the test. It has no pages of its own (no sixth government's advice is
in ../shared), so it reads real pages: Ireland's, for three destinations whose advice moved, under
its own folder, name, code and host. Replayed beside Ireland (``replay --all``'s path), it must raise
the same alerts as Ireland for the same pages, under its own government; the catalogue, the
comparison pages and consensus must know it from its declaration alone.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from advisory_watch.replay import government_folders, replay_governments
from advisory_watch.settings import Settings
from alerts.payload import AlertPayload
from diffing.tiers import IE, Government
from scrapers import registry
from scrapers.base import Extraction
from scrapers.governments import ireland_dfa
from scrapers.governments.government_advice import GovernmentAdvice
from tests.conftest import SHARED

IRELAND = SHARED / "fixtures" / "governments" / "ireland"
DESTINATIONS = ("Pakistan", "Madagascar", "Vanuatu")
SIXTH = Government("ZZ", "A sixth government (test)", IE.levels, IE.synonyms)
MODULE = "tests.sixth_government_source"

pytestmark = pytest.mark.skipif(
    not IRELAND.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


class SixthGovernment(GovernmentAdvice):
    """The whole source: who it is, where its corpus lies, which host it may fetch, how it reads a page.
    Fields, acceptance, notes, findings and health floors come from the family."""

    name = "sixth-government"
    title = "A sixth government's travel advice (test)"
    government = SIXTH
    corpus_folder = "sixthgovernment"
    corpus_roles = ireland_dfa.corpus_roles
    allowed_hosts = frozenset({"advice.sixth.invalid"})
    extractor_version = "sixth-government/1"
    alerts_unnoted = staticmethod(ireland_dfa.alerts_unnoted)

    def extract(self, content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
        read = ireland_dfa.extract(content, url=url, country=country)
        return replace(
            read,
            records=[
                replace(item, record={**item.record, "government": SIXTH.code}) for item in read.records
            ],
        )


@pytest.fixture
def sixth_registered(monkeypatch) -> None:
    """The registry entry: the one line a new government adds beside its class."""
    monkeypatch.setitem(sys.modules, MODULE, SixthGovernment(MODULE))
    entries = dict(registry.SOURCES)
    entries["sixth-government"] = registry.SourceEntry(
        name="sixth-government",
        module=MODULE,
        dag_id="sixth_government_travel_advice",
        schedule="@daily",
        pool="advice_sixth_invalid",
        pool_slots=1,
        description="A sixth government's travel advice (test)",
    )
    monkeypatch.setattr(registry, "SOURCES", entries)


def _corpus(tmp_path: Path) -> Path:
    """Ireland's folders for the three destinations, once as Ireland's and once as the sixth's."""
    corpus = tmp_path / "corpus"
    for folder in ("ireland", SixthGovernment.corpus_folder):
        (corpus / folder).mkdir(parents=True)
        for destination in DESTINATIONS:
            (corpus / folder / destination).symlink_to(IRELAND / destination, target_is_directory=True)
    return corpus


def _comparable(payload: AlertPayload, code: str) -> str:
    """An alert with what names its source and store rows set aside, its government's code in the
    summaries ("ZZ: Pakistan — tier 2 → 3 …") made a placeholder."""
    drop = {"source", "government", "from_snapshot", "to_snapshot", "history_url"}
    kept = {k: v for k, v in payload.to_json().items() if k not in drop}
    return json.dumps(kept, ensure_ascii=False).replace(f'"{code}: ', '"<government>: ')


def test_a_sixth_government_is_one_class_and_a_registry_entry(sixth_registered, tmp_path):
    # The catalogue, the replay folders and the tier table know it from its declaration alone.
    catalogue = registry.governments()
    assert list(catalogue) == ["US", "UK", "CA", "AU", "IE", "ZZ"]
    assert catalogue["ZZ"].sources == ("sixth-government",)
    assert registry.government_of("sixth-government") is SIXTH
    assert government_folders()[SixthGovernment.corpus_folder] == "sixth-government"

    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}")
    results = list(replay_governments(_corpus(tmp_path), settings=settings))
    alerts = [a for r in results for a in r.alerts]
    by_source: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        by_source.setdefault(alert.source, []).append(alert)

    ireland, sixth = by_source.pop("ireland-dfa"), by_source.pop("sixth-government")
    # Ireland's replay of these pages alone (../shared's `replay --all` raises these, read by hand
    # from its output and the pages): Pakistan raised then lowered, areas added; Madagascar raised
    # then lowered; Vanuatu lowered.
    assert sorted((a.country_name, a.kind) for a in ireland) == sorted(
        [
            ("Madagascar", "tier_lowered"),
            ("Madagascar", "tier_raised"),
            ("Pakistan", "area_added"),
            ("Pakistan", "area_added"),
            ("Pakistan", "tier_lowered"),
            ("Pakistan", "tier_raised"),
            ("Vanuatu", "tier_lowered"),
        ]
    )
    assert {a.government for a in ireland} == {"IE"}
    assert {a.government for a in sixth} == {"ZZ"}
    assert [_comparable(a, "ZZ") for a in sixth] == [_comparable(a, "IE") for a in ireland]

    # Consensus counts it: two governments raising the same destination together is one alert.
    together = by_source.pop("consensus", [])
    assert together, json.dumps(alerts, indent=1)[:2000]
    assert all(set(a.governments) == {"IE", "ZZ"} for a in together)
    assert {a.key for a in together} <= {"PK", "MG"}
    assert not by_source  # nothing else alerted


def test_the_comparison_pages_show_the_sixth_government(sixth_registered, tmp_path):
    from fastapi.testclient import TestClient

    from history.app import create_app

    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}")
    list(replay_governments(_corpus(tmp_path), settings=settings))
    client = TestClient(create_app(settings))
    tiers = client.get("/api/tiers").json()
    assert [t["native_level"] for t in tiers if t["government"] == "ZZ"] == list(IE.levels)
    compared = {a["government"]: a for a in client.get("/api/governments/PK").json()}
    assert compared["ZZ"]["level"] == compared["IE"]["level"]
    assert "<th>ZZ</th>" in client.get("/governments").text
