"""The commands the README and docs/ show, run as written, and what they print held to what the docs
say they print: the loopback quick start, the CLI backfill of January 2026, a government extract.

Each command is read from the document itself, so an edit to the docs is tested as it stands.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def indented_block_after(page: Path, marker: str) -> str:
    """The first indented (four-space) code block after ``marker`` in ``page``."""
    text = page.read_text(encoding="utf-8")
    lines, block = text[text.index(marker) :].splitlines()[1:], []
    for line in lines:
        if line.startswith("    "):
            block.append(line[4:])
        elif block:
            break
    return "\n".join(block)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env["ADVISORY_WATCH_HOME"] = str(tmp_path / "home")
    env["ADVISORY_WATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'docs.db'}"
    return env


def test_the_readme_quick_start_runs_as_written(tmp_path: Path):
    block = indented_block_after(ROOT / "README.md", "With no network")
    assert "make run ONCE=1" in block and "fixture-server" in block
    script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + block
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    first, second = done.stdout.split('{"ok": true}')  # the fixture server's answer to the route change
    # "baseline: 211 destinations and 193 countries, no alert" (193 countries' scores + the index record)
    assert "state-dept-feed: ok items=211 snapshots=211 changes=0 alerts=0" in first
    assert "oc-index: ok items=194 snapshots=194 changes=0 alerts=0" in first
    # "one alert: São Tomé and Príncipe, Level 1 → Level 2 (the workbook: a 304)"
    assert "oc-index: not_modified" in second
    assert "state-dept-feed: ok items=211 snapshots=1 changes=2 alerts=1" in second
    [alert] = [json.loads(line) for line in second.splitlines() if line.startswith("{")]
    assert (alert["country"], alert["kind"], alert["old"], alert["new"]) == ("ST", "level_changed", 1, 2)


def test_the_documented_cli_backfill_prints_what_the_docs_say(tmp_path: Path):
    page = ROOT / "docs" / "operations" / "backfills.md"
    text = page.read_text(encoding="utf-8")
    server = re.search(r"`(advisory-watch fixture-server --port \d+ --wayback[^`]+)`", text).group(1)
    rewrite = re.search(r"`ADVISORY_WATCH_URL_REWRITE=([^`]+)`", text).group(1)
    block = indented_block_after(page, "for long ranges the CLI is lighter")
    command = block.splitlines()[0]
    said = " ".join(line.lstrip("# ").strip() for line in block.splitlines()[2:])
    env = _env(tmp_path) | {"ADVISORY_WATCH_URL_REWRITE": rewrite}
    words = shlex.split(server)
    fake = subprocess.Popen([str(BIN / words[0]), *words[1:]], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    try:
        port = words[words.index("--port") + 1]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        words = shlex.split(command)
        done = subprocess.run(
            [str(BIN / words[0]), *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = " ".join(done.stderr.split())
    summary = said[said.index("backfill state-dept-feed:") :]
    assert summary in printed, f"the docs say {summary!r}; the command printed {printed[-600:]!r}"


def test_the_governments_readme_extract_shows_what_it_prints():
    page = (ROOT / "scrapers" / "governments" / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^\$ (advisory-watch extract canada-travel \S+)$", page, re.M).group(1)
    words = shlex.split(command)
    done = subprocess.run([str(BIN / words[0]), *words[1:]], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [record] = json.loads(done.stdout)
    shown = " ".join(page[page.index(command) :].split())
    for field in ("key", "country_name", "government", "native_level", "updated", "update_reason"):
        assert f'"{field}": {json.dumps(record[field], ensure_ascii=False)}' in shown, field
    assert f'"level": {record["level"]}' in shown
    for area in record["areas"][:2]:
        assert json.dumps(area, ensure_ascii=False) in shown
