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
from tests.conftest import FEED_1008, FEED_PATH, ROOT, SHARED

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
        assert set(dag.params.keys()) == {"countries", "dry_run", "notify"}
        assert not dag.catchup
        # Backfills: routed to the archive task, in the archive's pool, which declares no asset (so
        # backfilled runs emit no asset events); the live fetch declares the source's asset.
        archive = dag.get_task("fetch_archive")
        assert archive.pool == "web_archive_org" and not archive.outlets
        assert [a.name for a in fetch.outlets] == [f"advisory-watch://{entry.name}/changed"]
        assert dag.get_task("choose_source").downstream_task_ids == {
            "plan" if entry.batch_size else "fetch_and_diff",
            "fetch_archive",
        }
        assert dag.get_task("deliver_alerts").trigger_rule == "none_failed_min_one_success"
        # The run's verdict comes last (after delivery, so ops hear first) and is never retried.
        judge = dag.get_task("judge_run")
        assert judge.upstream_task_ids == {
            "deliver_alerts",
            "fetch_batch" if entry.batch_size else "fetch_and_diff",
        }
        assert judge.retries == 0 and not judge.downstream_task_ids
        if entry.batch_size:  # mapped over batches of planned URLs, not one task per country
            assert dag.get_task("plan").downstream_task_ids == {"fetch_batch"}
    # The advisory pages follow the feed: they run on its asset events (the feed changed), with a
    # daily timer as the fallback for pages not fetched for a week.
    pages = bag.dags["state_dept_pages"]
    assert pages.timetable.asset_condition.name == "advisory-watch://state-dept-feed"
    assert pages.timetable.timetable.expression == "15 3 * * *"
    # No task may run unbounded: with max_active_runs=1 one stuck run would block every later one.
    from datetime import timedelta

    for dag in bag.dags.values():
        for task in dag.tasks:
            assert task.execution_timeout is not None, (dag.dag_id, task.task_id)
            assert task.execution_timeout <= timedelta(hours=2)
        if dag.dag_id in {e.dag_id for e in SOURCES.values()}:
            assert dag.dagrun_timeout is not None
    assert bag.dags["state_dept_advisories"].get_task("fetch_and_diff").execution_timeout == timedelta(
        minutes=15
    )
    reprocess = bag.dags["reprocess_history"]
    assert set(reprocess.params.keys()) == {"source", "since"}
    assert [t.task_id for t in reprocess.tasks] == ["reprocess"]


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
    third = airflow(env, "dags", "test", "state_dept_advisories")  # the same feed again: nothing new
    assert third.returncode == 0, third.stderr[-3000:]
    # Live runs that stored something announce the source's asset (the baseline and the change, not
    # the unchanged third run; backfilled runs never do: see below), which starts the pages DAG.
    import sqlite3

    with sqlite3.connect(tmp_path / "airflow" / "airflow.db") as metadata:
        events = metadata.execute(
            "SELECT asset.uri FROM asset_event JOIN asset ON asset.id = asset_event.asset_id"
        ).fetchall()
    assert {uri for (uri,) in events} == {"advisory-watch://state-dept-feed/"} and len(events) == 2


US_PERU = SHARED / "fixtures" / "governments" / "unitedstates" / "Peru"
PERU_ADVISORY = "/content/travel/en/traveladvisories/traveladvisories/peru-travel-advisory.html"
PERU_COUNTRY_PAGE = (
    "/content/travel/en/international-travel/International-Travel-Country-Information-Pages/Peru.html"
)


def serve_peru_state_pages(server) -> None:
    """Peru's advisory and country-information pages (their latest captures) at their live addresses."""
    server.state.routes[PERU_ADVISORY] = sorted(US_PERU.glob("*/Advisory.md"))[-1]
    server.state.routes[PERU_COUNTRY_PAGE] = sorted(US_PERU.glob("*/Safety and Security.md"))[-1]


def test_a_live_run_that_read_nothing_is_red_and_tells_ops_once(tmp_path, feed_server):
    """#29: every advisory page 404s, so the pages run read nothing: Airflow must show it failed (its
    last task, judge_run), ops hear once; with one page served the next run is green again."""
    alerts_file = tmp_path / "alerts.jsonl"
    env = airflow_env(tmp_path / "airflow", {"ADVISORY_WATCH_ALERTS_JSONL": str(alerts_file)})
    assert airflow(env, "db", "migrate").returncode == 0
    setup = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "airflow-setup"], env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    feed = airflow(env, "dags", "test", "state_dept_advisories")  # the feed plans the pages
    assert feed.returncode == 0, feed.stderr[-3000:]

    nothing = airflow(env, "dags", "test", "state_dept_pages")
    log = nothing.stdout + nothing.stderr
    assert nothing.returncode != 0 and "state=failed" in log
    assert "nothing was read in this run" in log
    ops = [json.loads(line) for line in alerts_file.read_text().splitlines()]
    page_ops = [a for a in ops if a.get("source") == "state-dept-page"]
    assert [a["kind"] for a in page_ops] == ["fetch_failed"], page_ops

    serve_peru_state_pages(feed_server)
    some = airflow(env, "dags", "test", "state_dept_pages")
    assert some.returncode == 0, some.stderr[-3000:]
    assert "state=success" in some.stdout + some.stderr


@pytest.mark.postgres
def test_every_dag_runs_with_airflow_metadata_on_postgres(tmp_path, feed_server, postgres_url):
    from tests.scenarios.test_government_live import serve_one_destination_each
    from tests.scenarios.test_osac import GUID, SEED_000, FakeOsac, as_page

    osac = FakeOsac(
        {f"/Content/Report/{GUID}": (200, as_page(SEED_000.read_text(encoding="utf-8")))}
    ).__enter__()
    serve_one_destination_each(feed_server, tmp_path)  # the four governments' DAGs need a page each
    serve_peru_state_pages(feed_server)  # and the U.S. pages' DAGs: a run that read nothing is red
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


BACKFILL_JANUARY = """
import sys
from datetime import datetime, timedelta, timezone

from airflow.dag_processing.dagbag import DagBag
from airflow.models.asset import AssetEvent
from airflow.utils.session import create_session

dag = DagBag(dag_folder=sys.argv[1]).dags["state_dept_advisories"]
day = datetime(2026, 1, 1, 23, 59, 59, tzinfo=timezone.utc)
while day.month == 1:
    run = dag.test(logical_date=day, run_conf={"notify": "none"})
    print("RUN", day.date(), run.state, flush=True)
    day += timedelta(days=1)
with create_session() as session:
    print("ASSET_EVENTS", session.query(AssetEvent).count())
reprocess = DagBag(dag_folder=sys.argv[1]).dags["reprocess_history"]
print("REPROCESS", reprocess.test(run_conf={"source": "state-dept-feed", "since": ""}).state)
"""


def test_backfilling_january_run_by_run_matches_replay_and_posts_nothing(tmp_path, wayback_server, slack):
    """The done-when of issue 7: `dags test` per logical date over January against the fake archive,
    then the reprocess DAG; the history equals the replay's."""
    from tests.scenarios.test_backfill import JANUARY, history, ingest_in_order, settings_for

    env = airflow_env(tmp_path / "airflow")
    migrate = airflow(env, "db", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    done = subprocess.run(
        [sys.executable, "-c", BACKFILL_JANUARY, str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    runs = [line.split() for line in done.stdout.splitlines() if line.startswith("RUN ")]
    assert done.returncode == 0 and len(runs) == 31, done.stderr[-3000:]
    assert {state for _, _, state in runs} == {"success"}
    assert "ASSET_EVENTS 0" in done.stdout  # nothing downstream hears of a backfilled run
    assert "REPROCESS success" in done.stdout  # then the reprocess DAG over what they stored

    from sqlmodel import select

    from advisory_watch.settings import get_settings
    from models.sessions import session_for
    from models.tables import Alert, Fetch, Snapshot

    with session_for() as session:
        query = select(Fetch).where(Fetch.provenance == "archive", Fetch.status == "ok")
        archived = session.exec(query).all()
        assert sorted(f.observed_at.date().isoformat() for f in archived) == [p.stem for p in JANUARY]
        snapshot_days = {s.observed_at.date().isoformat() for s in session.exec(select(Snapshot)).all()}
        assert snapshot_days == {p.stem for p in JANUARY}  # a snapshot set for each captured day
        assert {a.status for a in session.exec(select(Alert)).all()} == {"held"}
    replayed = settings_for(tmp_path, "replayed")
    ingest_in_order(JANUARY, replayed)
    assert history(get_settings())[0] == history(replayed)[0]
    assert slack.posts() == []


def test_task_settings_take_slack_and_routing_from_airflow_without_exporting_them(monkeypatch, tmp_path):
    """A DAG task's settings: the environment's, with the Slack connection and the routing Variable
    filling what it leaves unset; handed to the core, never written into the environment."""
    from advisory_watch.airflow_tasks import airflow_settings
    from advisory_watch.settings import reset_settings_cache

    connection = {"conn_type": "slack", "password": "xoxb-from-airflow", "extra": {"channel": "#risk"}}
    monkeypatch.setenv("AIRFLOW_CONN_SLACK_DEFAULT", json.dumps(connection))
    monkeypatch.setenv("AIRFLOW_VAR_ADVISORY_WATCH_ROUTING", str(tmp_path / "routing.yaml"))
    settings = airflow_settings()
    assert (settings.slack_token, settings.slack_channel, settings.routing) == (
        "xoxb-from-airflow",
        "#risk",
        tmp_path / "routing.yaml",
    )
    assert "ADVISORY_WATCH_SLACK_TOKEN" not in os.environ and "ADVISORY_WATCH_ROUTING" not in os.environ
    monkeypatch.setenv("ADVISORY_WATCH_SLACK_TOKEN", "xoxb-from-the-environment")  # the environment wins
    reset_settings_cache()
    assert airflow_settings().slack_token == "xoxb-from-the-environment"
