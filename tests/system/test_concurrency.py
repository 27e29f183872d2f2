"""Two workers processing the same source at once end with exactly the database one worker produces."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ARCHIVE

pytestmark = pytest.mark.postgres

DAYS = ["2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
QUERIES = {
    "snapshot": "SELECT source, key, observed_at, record_hash, raw_hash, disposition FROM snapshot "
    "ORDER BY 1,2,3,4",
    "destinationstate": "SELECT s.key, c.record_hash, p.record_hash FROM destinationstate s "
    "LEFT JOIN snapshot c ON c.id = s.confirmed_snapshot_id "
    "LEFT JOIN snapshot p ON p.id = s.pending_snapshot_id ORDER BY 1",
    "change": "SELECT key, kind, item, severity, observed_at, summary FROM change ORDER BY 1,2,3,5",
    "alert": "SELECT source, key, kind, severity, status, payload::text FROM alert ORDER BY 1,2,3,6",
    "fetch": 'SELECT source, observed_at, status, content_hash FROM "fetch" ORDER BY 1,2',
    "blob": "SELECT hash, size FROM blob ORDER BY 1",
}


def dump(url: str) -> dict[str, list]:
    engine = create_engine(url)
    with engine.connect() as conn:
        # Snapshot ids differ between databases; compare alerts without them.
        result = {name: [tuple(r) for r in conn.execute(text(q))] for name, q in QUERIES.items()}
    engine.dispose()
    result["alert"] = [r[:5] + (r[5].split('"from_snapshot"')[0],) for r in result["alert"]]
    return result


def replay(folder, url) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "advisory_watch.cli", "replay", "state-dept-feed", str(folder), "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def second_postgres_url(postgres_url):
    """Another fresh database on the same server."""
    import uuid

    from tests.conftest import PG_ADMIN_URL

    name = f"aw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_two_concurrent_replays_equal_one(tmp_path, postgres_url, second_postgres_url):
    folder = tmp_path / "days"
    folder.mkdir()
    for day in DAYS:
        shutil.copy(ARCHIVE / f"{day}.xml", folder / f"{day}.xml")
    from models.db import upgrade

    upgrade(postgres_url)  # both workers start on a migrated database, as after the init service
    single = replay(folder, second_postgres_url)
    single_out, single_err = single.communicate(timeout=300)
    assert single.returncode == 0, single_err
    workers = [replay(folder, postgres_url), replay(folder, postgres_url)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [o[1][-2000:] for o in outputs]
    concurrent, alone = dump(postgres_url), dump(second_postgres_url)
    for table in QUERIES:
        for a, b in zip(concurrent[table], alone[table], strict=False):
            if a != b:
                at = next(i for i, (x, y) in enumerate(zip(str(a), str(b), strict=False)) if x != y)
                pytest.fail(f"{table}: {str(a)[at - 80 : at + 80]!r} != {str(b)[at - 80 : at + 80]!r}")
        assert concurrent[table] == alone[table], table
    assert len(alone["alert"]) == 8  # the eight genuine level changes of 03-01 .. 03-04, once
    # Between them the two workers printed each alert exactly once.
    printed = [line for out, _ in outputs for line in out.splitlines()]
    assert len(printed) == len(single_out.splitlines()) == 8
