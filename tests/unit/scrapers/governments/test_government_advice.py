"""What the four governments share (scrapers/governments/government_advice.py): a page that is not
travel advice is refused with a named error by every one of them."""

from __future__ import annotations

import pytest

from scrapers import registry
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from tests.conftest import SHARED

FOLDERS = ("uk-fcdo", "canada-travel", "australia-smartraveller", "ireland-dfa")
NAMED_ERRORS = (LayoutNotRecognised, DestinationNotRecognised, FieldMissing)


def test_a_page_that_is_not_travel_advice_is_refused_with_a_named_error():
    not_advice = SHARED / "seeds"
    page = next(p for p in sorted(not_advice.iterdir()) if p.is_file())
    for source_name in FOLDERS:
        with pytest.raises(NAMED_ERRORS):
            registry.load(source_name).extract(page.read_bytes(), url=page.as_uri())
    with pytest.raises(LayoutNotRecognised):
        registry.load("uk-fcdo").extract(b"", url="")
