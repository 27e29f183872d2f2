"""The console sink: one JSON line per alert on the stream, and in the JSON-lines file when set."""

from __future__ import annotations

import io
import json

from alerts.sinks import ConsoleTransport


def test_each_alert_is_one_json_line_on_the_stream_and_in_the_file(tmp_path):
    stream, path = io.StringIO(), tmp_path / "out" / "alerts.jsonl"
    console = ConsoleTransport(stream=stream, jsonl_path=path)
    for n in (1, 2):
        posted = console.post("#travel-risk", {}, {"n": n, "country_name": "São Tomé"}, marker=f"m{n}")
        assert posted.channel_id == "#travel-risk"
    assert [json.loads(line) for line in stream.getvalue().splitlines()] == [
        {"n": 1, "country_name": "São Tomé"},
        {"n": 2, "country_name": "São Tomé"},
    ]
    assert path.read_text(encoding="utf-8") == stream.getvalue()
    assert console.find("#travel-risk", "m1", since=None) is None  # nothing to verify on a console
