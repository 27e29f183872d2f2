"""The canonical record and its hash: equal records, equal hashes, whatever the key order."""

from __future__ import annotations

from diffing.records import canonical_bytes, canonical_json, record_hash


def test_key_order_and_spacing_do_not_matter():
    a = {"key": "ST", "level": 2, "areas": [], "country_name": "São Tomé and Príncipe"}
    b = {"country_name": "São Tomé and Príncipe", "areas": [], "level": 2, "key": "ST"}
    assert canonical_json(a) == canonical_json(b)
    assert canonical_json(a) == '{"areas":[],"country_name":"São Tomé and Príncipe","key":"ST","level":2}'
    assert record_hash(a) == record_hash(b)


def test_any_value_change_changes_the_hash():
    assert record_hash({"level": 1}) != record_hash({"level": 2})
    assert record_hash({"indicators": ["C", "T"]}) != record_hash({"indicators": ["T", "C"]})  # order is data


def test_the_hash_is_sha256_of_the_canonical_bytes():
    import hashlib

    record = {"key": "PE", "level": 3}
    assert canonical_bytes(record) == b'{"key":"PE","level":3}'
    assert record_hash(record) == hashlib.sha256(b'{"key":"PE","level":3}').hexdigest()
