"""A record's canonical form and its hash: the identity every layer compares records by.

Extraction hashes a record to tell an unchanged one at once; storage keys the record's blob by the
same hash. One function for both, here at the bottom, so the two can never disagree.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept: equal records give equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_bytes(record: dict[str, Any]) -> bytes:
    return canonical_json(record).encode()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()
