"""The choropleth of tiers, from the kept Natural Earth outlines."""

from __future__ import annotations

from lxml import etree

from history.worldmap import outlines, world_map


def test_every_outline_is_a_country_with_a_path():
    keys = {key for key, _, path in outlines()}
    assert {"PE", "MG", "UA", "FR", "AU"} <= keys
    assert (
        "ST" not in keys
    )  # small island states are not in the 1:110m outlines: the list beside the map has them
    assert all(path.startswith("M") for _, _, path in outlines())


def test_a_country_with_a_tier_is_coloured_and_linked_the_rest_say_no_advice():
    svg = world_map({"PE": 2, "UA": 4}, {"PE": "Peru: tier 2"}, link="/country/{key}", title="Tiers")
    etree.fromstring(svg.encode())  # well-formed
    assert 'href="/country/PE" data-key="PE" data-tier="2"' in svg and "<title>Peru: tier 2</title>" in svg
    assert 'data-key="FR"' not in svg and "France: no advice recorded" in svg
