"""The command line's own output that the README quotes."""

from __future__ import annotations

import re

from advisory_watch.commands.admin import sources_table
from scrapers import registry
from tests.conftest import ROOT


def test_the_readme_sources_table_is_what_sources_doc_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- sources:begin[^>]*-->\n(.*?)\n<!-- sources:end -->", readme, re.S)
    assert found, "README.md has no sources table between its markers"
    stale = "README's sources table is stale: paste `advisory-watch sources --doc`"
    assert found.group(1) == sources_table(), stale


def test_every_registered_source_has_a_row_saying_what_it_declares():
    rows = {row["source"]: row for row in registry.documentation()}
    assert list(rows) == registry.names_in_order()
    assert "alerts_unnoted" in rows["ireland-dfa"]["declares"]  # Ireland writes no notes
    assert rows["uk-fcdo"]["family"] == "GovernmentAdvice" and rows["uk-fcdo"]["government"] == "UK"
    assert rows["state-dept-page"]["schedule"] == "15 3 * * *, after state-dept-feed"
    # Defaults are not declarations: the feed does not follow anything, the pages do.
    assert "follows" not in rows["state-dept-feed"]["declares"].split(", ")
    assert "follows" in rows["state-dept-page"]["declares"].split(", ")
