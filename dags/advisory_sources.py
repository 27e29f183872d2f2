"""One DAG per registered source (scrapers/registry.py): wiring only.

Adding a source adds its DAG here without edits. Heavy imports live inside the tasks so this file
parses in milliseconds. Each DAG: choose live or archive, fetch+diff in the source's pool (created by
`make run` / `advisory-watch airflow-setup`), then deliver the outbox. Params let a manual run narrow
the destinations or skip alerts; runs without a logical date are live.

A backfill (Trigger → Backfill in the UI), or a manual run dated more than a schedule interval ago,
takes the archive branch: the source as the Wayback Machine captured it then, in the
`web_archive_org` pool. Its alerts go where its `notify` Param says (held by default), and only the
live branch declares the source's asset, so backfills emit no asset events for consumers downstream.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, AssetAlias, AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from scrapers.registry import ARCHIVE_POOL, SOURCES, SourceEntry

ONE_SUCCESS = "none_failed_min_one_success"
# The first retry's delay (then exponential): a minute in production; the topology test shortens it
# so a task lost with its worker is retried within the test's time.
RETRY_DELAY = timedelta(seconds=float(os.environ.get("ADVISORY_WATCH_TASK_RETRY_DELAY_SECONDS", "60")))


def source_asset(name: str) -> Asset:
    """What a source's live cycle announces when it stored something new."""
    return Asset(f"advisory-watch://{name}")


def schedule_of(entry: SourceEntry):  # noqa: ANN201 - a cron string or an Airflow timetable
    """The entry's schedule; a source that follows another runs on that source's asset events, with
    its own schedule as the fallback timer (a backfill walks the timer's dates)."""
    if entry.after is None:
        return entry.schedule
    return AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(entry.schedule, timezone="UTC"), assets=source_asset(entry.after)
    )


def build_dag(entry: SourceEntry):  # noqa: ANN201 - returns an Airflow DAG
    # Live cycles announce the source's asset only when they stored something new (through an alias:
    # an unchanged cycle adds no event), so followers run when the source changed, not every hour.
    changed = AssetAlias(f"advisory-watch://{entry.name}/changed")

    def announce(summary: dict, outlet_events) -> dict:  # noqa: ANN001 - Airflow's accessor
        if summary.get("snapshots"):
            outlet_events[changed].add(source_asset(entry.name), extra={"snapshots": summary["snapshots"]})
        return summary

    @dag(
        dag_id=entry.dag_id,
        description=entry.description,
        schedule=schedule_of(entry),
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        # A run that cannot finish gives way to the next one instead of blocking the schedule.
        dagrun_timeout=timedelta(minutes=4 * entry.task_timeout_minutes),
        tags=["advisory-watch", entry.name],
        default_args={
            "execution_timeout": timedelta(minutes=entry.task_timeout_minutes),
            "retries": 3,
            "retry_delay": RETRY_DELAY,
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
        },
        params={
            "countries": Param(
                [],
                type="array",
                items={"type": "string"},
                description="Destinations to consider: ISO 3166 alpha-2 codes (any case) or names; "
                "empty means all.",
            ),
            "dry_run": Param(False, type="boolean", description="Record alerts as held; deliver nothing."),
            "notify": Param(
                "none",
                enum=["none", "digest", "live"],
                description="Backfills and past-dated runs only: hold their alerts (none), put them in "
                "the next digest, or send them to the live channels.",
            ),
        },
        doc_md=__doc__,
    )
    def source_dag() -> None:
        live_task = "plan" if entry.batch_size else "fetch_and_diff"

        @task.branch(task_id="choose_source")
        def choose_source(**context) -> str:  # noqa: ANN003 - Airflow's task context
            from advisory_watch.airflow_tasks import archive_moment

            return live_task if archive_moment(context) is None else "fetch_archive"

        @task(pool=ARCHIVE_POOL, task_id="fetch_archive")
        def fetch_archive(**context) -> dict:  # noqa: ANN003 - Airflow's task context
            from advisory_watch.airflow_tasks import run_archive

            return run_archive(entry.name, context)

        @task(task_id="deliver_alerts", trigger_rule=ONE_SUCCESS)
        def deliver_alerts(**context) -> dict:  # noqa: ANN003 - Airflow's task context
            from advisory_watch.airflow_tasks import deliver_for_run

            return deliver_for_run(context)

        @task(pool=entry.pool, task_id="fetch_and_diff", outlets=[changed])
        def fetch_and_diff(params: dict | None = None, outlet_events=None) -> dict:  # noqa: ANN001
            from advisory_watch.airflow_tasks import run_cycle

            params = params or {}
            summary = run_cycle(
                entry.name, countries=params.get("countries"), dry_run=bool(params.get("dry_run"))
            )
            return announce(summary, outlet_events)

        if entry.batch_size:
            # Sources that follow the feed (advisory pages): plan the due URLs, then one mapped task per
            # batch of them, in the host's pool, instead of one task per country.
            @task(task_id="plan")
            def plan() -> list[list[str]]:
                from advisory_watch.pipeline import planned_batches

                return planned_batches(entry.name, entry.batch_size)

            @task(pool=entry.pool, task_id="fetch_batch", outlets=[changed])
            def fetch_batch(urls: list[str], params: dict | None = None, outlet_events=None) -> dict:  # noqa: ANN001
                from advisory_watch.airflow_tasks import run_cycle

                params = params or {}
                summary = run_cycle(entry.name, planned=urls, dry_run=bool(params.get("dry_run")))
                return announce(summary, outlet_events)

            planned = plan()
            fetched = fetch_batch.expand(urls=planned)
            first_live = planned
        else:
            fetched = first_live = fetch_and_diff()

        # After delivery (so the ops alert is out): a live run that read nothing is a failed run.
        @task(task_id="judge_run", retries=0)
        def judge_run(summaries) -> dict:  # noqa: ANN001 - one summary, or the mapped batches' list
            from advisory_watch.airflow_tasks import judge_run as verdict

            return verdict(entry.name, summaries)

        archived = fetch_archive()
        choose_source() >> [first_live, archived]
        delivered = deliver_alerts()
        [fetched, archived] >> delivered
        delivered >> judge_run(fetched)

    return source_dag()


for _entry in SOURCES.values():
    globals()[_entry.dag_id] = build_dag(_entry)
