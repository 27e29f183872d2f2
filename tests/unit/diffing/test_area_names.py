"""An area's name as a reader is shown it, from the names the pages wrote (quoted in the module)."""

from __future__ import annotations

import pytest

from diffing.area_names import clean_area_name


@pytest.mark.parametrize(
    ("read", "shown"),
    [
        ("southeast T urkiye", "southeast Turkiye"),  # a word split by a stray space
        ("Rwanda-BurundiBorder", "Rwanda-Burundi Border"),  # glued across a lost space
        ("St. Ann 's Parish", "St. Ann's Parish"),
        ("for mainland regions along the border", "mainland regions along the border"),
        ("  Tachira   state ", "Tachira state"),
    ],
)
def test_a_place_phrase_is_mended_where_the_page_broke_it(read, shown):
    assert clean_area_name(read) == shown


@pytest.mark.parametrize(
    "read",
    ["Level: 4", "following territories", "or remain in Venezuela", "U.S. personnel must not travel", "", 7],
)
def test_what_is_not_a_place_is_not_shown(read):
    assert clean_area_name(read) is None
