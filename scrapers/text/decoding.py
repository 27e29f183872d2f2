"""Bytes of fetched HTML as text, for every extractor that parses HTML."""

from __future__ import annotations

import re


def decode_html(content: bytes) -> str:
    """UTF-8 unless the page declares another charset (lxml alone assumes Latin-1 without a declaration)."""
    declared = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", content[:4096])
    encoding = declared.group(1).decode() if declared else "utf-8"
    try:
        return content.decode(encoding, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")
