"""The UK, Canadian, Australian and Irish extractors over every moment of the shared corpus.

``../shared/fixtures/governments/{unitedkingdom,canada,australia,ireland}``: 6,908 moments of 563
destinations, March 2025 - February 2026, as the archive's Markdown plus its ``info.json``. Each
moment is read as its source reads it (the moment's bundle: every file as it stood then). Every
document extracts or fails with a named error. The records read by hand (the level statements, the
area headings or lists, the "Updated" / ``update_date`` / ``last_updated`` dates) are checked per
government in tests/unit/scrapers/governments/ from records_read_by_hand.yaml.
"""

from __future__ import annotations

import json

import pytest

from diffing import tiers
from scrapers import registry
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from scrapers.text.corpus_moment import bundle_bytes, moments
from tests.conftest import SHARED

GOVERNMENTS = SHARED / "fixtures" / "governments"
FOLDERS = {
    "uk-fcdo": "unitedkingdom",
    "canada-travel": "canada",
    "australia-smartraveller": "australia",
    "ireland-dfa": "ireland",
}
# Moments in the shared corpus; a source must read every one of them.
FLOORS = {"uk-fcdo": 1161, "canada-travel": 4501, "australia-smartraveller": 365, "ireland-dfa": 881}
NAMED_ERRORS = (LayoutNotRecognised, DestinationNotRecognised, FieldMissing)
pytestmark = pytest.mark.skipif(
    not GOVERNMENTS.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


@pytest.mark.parametrize("source_name", sorted(FOLDERS))
def test_every_moment_extracts_or_fails_with_a_named_error(source_name):
    source = registry.load(source_name)
    seen, refused = 0, {}
    for _, destination, moment in moments(GOVERNMENTS / FOLDERS[source_name], source.corpus_roles):
        content = bundle_bytes(destination, moment, source.corpus_roles)
        if content is None:
            continue
        seen += 1
        try:
            record = source.extract(content, url=(destination / moment).as_uri()).records[0].record
        except NAMED_ERRORS as exc:  # anything else is a crash and fails the test
            refused[f"{destination.name}/{moment}"] = f"{type(exc).__name__}: {exc}"
            continue
        assert record["level"] in (1, 2, 3, 4)
        assert record["native_level"] and record["government"] == source.government.code
        assert all(a["level"] in (1, 2, 3, 4) and a["name"] for a in record["areas"])
    assert seen >= FLOORS[source_name]
    # None of the corpus is refused today; this lists any that are, with the reason.
    assert refused == {}, refused


def test_australia_levels_agree_with_the_archives_own_reading():
    """info.json's ``advisory_level`` is the archive's own reading of each Smartraveller page."""
    source = registry.load("australia-smartraveller")
    checked = 0
    for _, destination, moment in moments(GOVERNMENTS / "australia", source.corpus_roles):
        content = bundle_bytes(destination, moment, source.corpus_roles)
        info = json.loads(json.loads(content)["files"]["info"])
        record = source.extract(content, url="").records[0].record
        assert record["level"] == tiers.tier_for(tiers.AU, info["advisory_level"]), (destination.name, moment)
        checked += 1
    assert checked >= 365
