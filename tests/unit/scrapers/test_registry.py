"""The one place sources are registered: every entry loads as a declared source, and governments are
known from their sources' declarations."""

from __future__ import annotations

import pytest

from scrapers import registry
from scrapers.base import Source


def test_every_registered_source_loads_as_a_declared_source():
    for name in registry.names_in_order():
        source = registry.load(name)
        assert isinstance(source, Source) and source.name == name
        assert source.allowed_hosts or name == "document"  # the watchlist's hosts come from the user


def test_an_unknown_source_is_refused():
    with pytest.raises(KeyError):
        registry.load("no-such-source")


def test_governments_are_known_from_their_sources():
    governments = registry.governments()
    assert set(governments) == {"US", "UK", "CA", "AU", "IE"}
    assert registry.government_of("uk-fcdo").code == "UK"
    assert registry.government_of("oc-index") is None
    assert set(registry.searchable()) == {"state-dept-feed", "osac-report", "document"}
