"""The records read by hand (records_read_by_hand.yaml) and the moments they were read from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from diffing import tiers
from scrapers import registry
from scrapers.text.corpus_moment import bundle_bytes
from tests.conftest import SHARED

GOVERNMENTS = SHARED / "fixtures" / "governments"
CASES = yaml.safe_load((Path(__file__).parent / "records_read_by_hand.yaml").read_text(encoding="utf-8"))
needs_corpus = pytest.mark.skipif(
    not GOVERNMENTS.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


def record(source_name: str, destination: str, moment: str) -> dict[str, Any]:
    """The record the source reads from one moment of its corpus (the moment's files as they stood)."""
    source = registry.load(source_name)
    folder = GOVERNMENTS / (source.corpus_folder or "") / destination
    content = bundle_bytes(folder, moment, source.corpus_roles)
    assert content is not None, (destination, moment)
    return source.extract(content, url=(folder / moment).as_uri()).records[0].record


def cases(source_name: str) -> list[Any]:
    return [
        pytest.param(case, id=f"{case['destination']}-{case['moment'][:10]}") for case in CASES[source_name]
    ]


def check(source_name: str, case: dict[str, Any]) -> None:
    """The record holds what was read by hand: key, tier, the government's own wording of it, the
    page's date, and every listed area at its tier."""
    found = record(source_name, case["destination"], case["moment"])
    assert (found["key"], found["level"]) == (case["key"], case["level"])
    government = registry.load(source_name).government
    assert government is not None
    if source_name == "uk-fcdo" and case["level"] == 2:
        assert found["native_level"].startswith(
            "FCDO advises against"
        )  # "… all travel to parts" or "… all but …"
    else:
        assert found["native_level"] == tiers.native(government, case["level"])
    if case["updated"]:
        assert found["updated"] == case["updated"]
    areas = {a["name"]: a["level"] for a in found["areas"]}
    for name, level in (case.get("areas") or {}).items():
        assert areas.get(name) == level, (name, areas)
