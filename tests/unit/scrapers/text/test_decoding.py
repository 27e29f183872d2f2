"""Pages decoded as their bytes say: a declared charset wins, UTF-8 otherwise."""

from __future__ import annotations

from scrapers.text.decoding import decode_html


def test_a_declared_legacy_charset_is_honoured():
    page = '<meta charset="windows-1252"><p>São Tomé</p>'.encode("cp1252")
    assert decode_html(page).endswith("<p>São Tomé</p>")


def test_utf8_without_a_declaration():
    assert decode_html("<p>São Tomé</p>".encode()) == "<p>São Tomé</p>"
