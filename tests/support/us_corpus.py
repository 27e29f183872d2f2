"""The U.S. pages of ../shared/fixtures/governments/unitedstates, read as their sources read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED

US = SHARED / "fixtures" / "governments" / "unitedstates"
needs_corpus = pytest.mark.skipif(
    not US.is_dir(), reason="../shared/fixtures/governments is not beside the project"
)


def extract(source: Any, path: Path) -> dict[str, Any]:
    """The one record a page gives (the page's address is its file's, a hint to the destination)."""
    return source.extract(path.read_bytes(), url=path.resolve().as_uri()).records[0].record
