"""The production topology, for real: Airflow 3 with the CeleryExecutor as docker-compose.yml runs
it — api-server, scheduler, dag-processor, triggerer and two Celery workers as separate processes,
metadata and snapshot store on PostgreSQL, Redis as the broker — driven through the REST API v2.

1. Unpause and trigger ``state_dept_advisories`` against the fixture server: the runs succeed and
   the one real change of the two captures reaches the fake Slack exactly once.
2. SIGKILL the worker running ``fetch_and_diff`` in the middle of its fetch (the fixture server holds
   the answer): the task is retried on the other worker, and every alert is posted exactly once.
3. A backfill of six hourly runs created through the REST API completes on the PostgreSQL metadata
   database under Celery, from the fixture server's archive; its alerts are held, not posted. (Three
   days, 72 runs, as ops start them: tests/system/test_make_run.py, on make run's Airflow.)

Takes about 5½ minutes on 2 cores (docs/operations/deployment.md); everything it starts is stopped by
process group id.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from advisory_watch.fixture_server import FixtureServer
from advisory_watch.topology import Topology
from tests.conftest import ARCHIVE, FEED_0107, FEED_1008, FEED_PATH, FEED_URL, PG_ADMIN_URL, UPSTREAMS
from tests.conftest import postgres_available as _postgres_available
from tests.support.fake_slack import TOKEN, FakeSlack

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]
DAG = "state_dept_advisories"
REDIS_URL = "redis://127.0.0.1:6379/9"


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def services() -> None:
    missing = [
        name for name, up in (("PostgreSQL", _postgres_available()), ("Redis", _redis_available())) if not up
    ]
    if missing:
        reason = f"the topology needs {' and '.join(missing)} on 127.0.0.1"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the topology test, but {reason} does not answer")
        pytest.skip(reason)


def _runs(topology: Topology, **query: str) -> list[dict]:
    return topology.rest("GET", f"/api/v2/dags/{DAG}/dagRuns", params={"limit": 500, **query})["dag_runs"]


def _all_done(topology: Topology, run_type: str | None = None) -> list[dict] | None:
    runs = [r for r in _runs(topology) if run_type is None or r["run_type"] == run_type]
    if runs and all(r["state"] in {"success", "failed"} for r in runs):
        return runs
    return None


def _task(topology: Topology, run_id: str, task_id: str) -> dict:
    return topology.rest("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}")


def test_celery_topology_end_to_end(services, tmp_path):
    started = time.monotonic()
    with (
        FixtureServer(routes={FEED_PATH: FEED_0107}, wayback={FEED_URL: ARCHIVE}) as site,
        FakeSlack() as slack,
    ):
        topology = Topology(
            home=tmp_path / "topology",
            pg_admin_url=PG_ADMIN_URL,
            redis_url=REDIS_URL,
            extra_env={
                "ADVISORY_WATCH_URL_REWRITE": ",".join(f"{u}={site.url}" for u in UPSTREAMS),
                "ADVISORY_WATCH_SLACK_TOKEN": TOKEN,
                "ADVISORY_WATCH_SLACK_CHANNEL": "#travel-risk",
                "ADVISORY_WATCH_SLACK_BASE_URL": slack.base_url,
                "ADVISORY_WATCH_FETCH_ATTEMPTS": "1",
                "ADVISORY_WATCH_TASK_RETRY_DELAY_SECONDS": "2",
                "ADVISORY_WATCH_HOME": str(tmp_path / "home"),
            },
        )
        with topology:
            # The store knows the feed of 2025-10-07 (a cycle through the CLI, as after deployment).
            topology.command("advisory-watch", "run", "--source", "state-dept-feed")
            site.state.routes[FEED_PATH] = FEED_1008
            topology.wait_until(lambda: topology.rest("GET", f"/api/v2/dags/{DAG}"), 180, "the DAG parsed")

            # 1. Trigger, unpause, success, one Slack message.
            manual = topology.rest("POST", f"/api/v2/dags/{DAG}/dagRuns", json={"logical_date": None})
            topology.rest("PATCH", f"/api/v2/dags/{DAG}", json={"is_paused": False})
            runs = topology.wait_until(lambda: _all_done(topology), 300, "the first runs")
            assert {r["state"] for r in runs} == {"success"}, runs
            assert manual["dag_run_id"] in {r["dag_run_id"] for r in runs}
            posts = slack.posts()
            assert len(posts) == 1, posts
            assert "Sao Tome" in str(posts[0]["body"])
            first_phase = time.monotonic() - started

            # 2. The worker running the fetch dies (SIGKILL) while upstream holds the answer.
            site.state.routes[FEED_PATH] = ARCHIVE / "2026-02-28.xml"
            from advisory_watch.fixture_server import Fault

            site.state.faults[FEED_PATH] = [Fault(delay=60, times=1)]
            run_id = topology.rest("POST", f"/api/v2/dags/{DAG}/dagRuns", json={"logical_date": None})[
                "dag_run_id"
            ]

            def fetching_on() -> str | None:
                ti = _task(topology, run_id, "fetch_and_diff")
                fetching = any(e["path"] == FEED_PATH for e in site.state.log[-5:])
                return topology.worker_running(ti["id"]) if ti["state"] == "running" and fetching else None

            victim = topology.wait_until(fetching_on, 180, "fetch_and_diff running on a worker", every=0.5)
            topology.kill(victim)
            survivor = next(n for n in topology.processes if n.startswith("worker") and n != victim)
            done = topology.wait_until(
                lambda: (
                    (r := topology.rest("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}"))["state"]
                    in {"success", "failed"}
                    and r
                ),
                300,
                "the run after the kill",
            )
            assert done["state"] == "success", done
            fetch = _task(topology, run_id, "fetch_and_diff")
            assert fetch["try_number"] >= 2  # the killed try, then the retry
            assert topology.processes[victim].poll() is not None  # gone for good: the retry ran elsewhere
            assert topology.processes[survivor].poll() is None
            posts = slack.posts()
            texts = Counter(str(p["body"].get("text")) for p in posts)
            assert len(posts) >= 2 and max(texts.values()) == 1, texts  # new alerts, each posted once
            second_phase = time.monotonic() - started - first_phase

            # 3. A backfill of six hourly runs through the REST API, from the archive, on PostgreSQL metadata.
            posted_before = len(slack.posts())
            backfill = topology.rest(
                "POST",
                "/api/v2/backfills",
                json={
                    "dag_id": DAG,
                    "from_date": "2026-01-05T00:00:00Z",
                    "to_date": "2026-01-05T05:00:00Z",
                    "run_backwards": False,
                    "dag_run_conf": {},
                    "reprocess_behavior": "none",
                    "max_active_runs": 4,
                },
            )
            backfilled = topology.wait_until(
                lambda: (runs := _all_done(topology, "backfill")) and len(runs) >= 6 and runs,
                900,
                "the backfill",
                every=3,
            )
            assert {r["state"] for r in backfilled} == {"success"}, Counter(r["state"] for r in backfilled)
            topology.wait_until(
                lambda: topology.rest("GET", f"/api/v2/backfills/{backfill['id']}")["completed_at"],
                60,
                "the backfill marked completed",
            )
            archive_requests = [e for e in site.state.log if e["path"].startswith("/web/")]
            assert archive_requests  # the runs read the archive, not the live feed
            assert len(slack.posts()) == posted_before  # backfilled alerts are held
            third_phase = time.monotonic() - started - first_phase - second_phase
    print(
        f"\ntopology: trigger {first_phase:.0f} s, worker kill {second_phase:.0f} s, "
        f"backfill {third_phase:.0f} s, total {time.monotonic() - started:.0f} s"
    )
