"""DAG integrity, and `airflow dags test` end to end against the fixture server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from scrapers.registry import SOURCES
from tests.conftest import FEED_1008, FEED_PATH, ROOT

pytestmark = pytest.mark.airflow


def airflow_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        **(extra or {}),
    )
    return env


def test_every_dag_file_loads():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    for entry in SOURCES.values():
        dag = bag.dags[entry.dag_id]
        fetch = dag.get_task("fetch_batch" if entry.batch_size else "fetch_and_diff")
        assert fetch.pool == entry.pool
        assert fetch.retries == 3 and fetch.retry_exponential_backoff
        assert set(dag.params.keys()) == {"countries", "dry_run"}
        assert not dag.catchup
        if entry.batch_size:  # mapped over batches of planned URLs, not one task per country
            assert dag.get_task("plan").downstream_task_ids == {"fetch_batch"}


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=300)


def test_airflow_dags_test_produces_snapshots_and_alerts(tmp_path, feed_server):
    alerts_file = tmp_path / "alerts.jsonl"
    env = airflow_env(tmp_path / "airflow", {"ADVISORY_WATCH_ALERTS_JSONL": str(alerts_file)})
    migrate = airflow(env, "db", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    setup = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "airflow-setup"], env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    pools = airflow(env, "pools", "list", "--output", "json")
    assert "travel_state_gov" in pools.stdout

    first = airflow(env, "dags", "test", "state_dept_advisories")
    assert first.returncode == 0, first.stderr[-3000:]
    assert not alerts_file.exists()  # baseline
    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    second = airflow(env, "dags", "test", "state_dept_advisories")
    assert second.returncode == 0, second.stderr[-3000:]
    alerts = [json.loads(line) for line in alerts_file.read_text().splitlines()]
    assert [(a["kind"], a["country"], a["old"], a["new"]) for a in alerts] == [("level_changed", "ST", 1, 2)]


@pytest.mark.postgres
def test_every_dag_runs_with_airflow_metadata_on_postgres(tmp_path, feed_server, postgres_url):
    from tests.test_osac import GUID, SEED_000, FakeOsac, as_page

    osac = FakeOsac(
        {f"/Content/Report/{GUID}": (200, as_page(SEED_000.read_text(encoding="utf-8")))}
    ).__enter__()
    rewrite = os.environ["ADVISORY_WATCH_URL_REWRITE"].replace(
        f"https://www.osac.gov={feed_server.url}", f"https://www.osac.gov={osac.url}"
    )
    env = airflow_env(
        tmp_path / "airflow",
        {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres_url, "ADVISORY_WATCH_URL_REWRITE": rewrite},
    )
    migrate = airflow(env, "db", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    setup = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "airflow-setup"], env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    dag_ids = [entry.dag_id for entry in SOURCES.values()] + ["alerts_digest"]
    assert {"state_dept_advisories", "organized_crime_index", "watched_documents", "osac_reports"} <= set(
        dag_ids
    )
    for dag_id in dag_ids:
        run = airflow(env, "dags", "test", dag_id)
        assert run.returncode == 0, (dag_id, run.stderr[-3000:])
        assert "state=success" in run.stdout + run.stderr, dag_id
    osac.__exit__(None, None, None)


def test_airflow_loads_the_history_plugin(tmp_path):
    import json as _json

    result = airflow(airflow_env(tmp_path / "airflow"), "plugins", "--output", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    [plugin] = [p for p in _json.loads(result.stdout) if p["name"] == "advisory_watch"]
    assert plugin["fastapi_apps"][0]["url_prefix"] == "/advisory-watch"
    assert plugin["external_views"][0]["name"] == "Advisory history"
