"""Outgoing URLs rewritten to loopback (how every test reaches its fake upstream), and the server's
Retry-After read as seconds or as a date."""

from __future__ import annotations

import pytest

from scrapers.fetch.http import parse_retry_after
from scrapers.fetch.url_rewrite import UrlRewriter


def test_url_rewrite_and_retry_after_parsing():
    rewriter = UrlRewriter.parse("https://travel.state.gov=http://127.0.0.1:8801, https://a.b/c=http://x/y")
    assert (
        rewriter.rewrite("https://travel.state.gov/_res/rss/TAsTWs.xml")
        == "http://127.0.0.1:8801/_res/rss/TAsTWs.xml"
    )
    assert rewriter.rewrite("https://a.b/c/d") == "http://x/y/d"
    assert rewriter.unrewrite("http://127.0.0.1:8801/x") == "https://travel.state.gov/x"
    assert rewriter.rewrite("https://other.org/") == "https://other.org/"
    with pytest.raises(ValueError):
        UrlRewriter.parse("no-equals-sign")
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
