"""One DAG per registered source (scrapers/registry.py): wiring only.

Adding a source adds its DAG here without edits. Heavy imports live inside the tasks so this file
parses in milliseconds. Each DAG: fetch+diff in the source's pool (created by `make run` /
`advisory-watch airflow-setup`), then deliver the outbox. Params let a manual run narrow the
destinations or skip alerts; nothing depends on a logical date, so runs without one work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from scrapers.registry import SOURCES, SourceEntry


def build_dag(entry: SourceEntry):  # noqa: ANN201 - returns an Airflow DAG
    @dag(
        dag_id=entry.dag_id,
        description=entry.description,
        schedule=entry.schedule,
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        tags=["advisory-watch", entry.name],
        default_args={
            "retries": 3,
            "retry_delay": timedelta(minutes=1),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
        },
        params={
            "countries": Param(
                [],
                type="array",
                items={"type": "string"},
                description="Destination keys (ISO 3166 alpha-2) to consider; empty means all.",
            ),
            "dry_run": Param(False, type="boolean", description="Record alerts as held; deliver nothing."),
        },
        doc_md=__doc__,
    )
    def source_dag() -> None:
        @task(pool=entry.pool, task_id="fetch_and_diff")
        def fetch_and_diff(params: dict | None = None) -> dict:
            from advisory_watch.airflow_tasks import run_cycle

            params = params or {}
            return run_cycle(
                entry.name, countries=params.get("countries"), dry_run=bool(params.get("dry_run"))
            )

        @task(task_id="deliver_alerts")
        def deliver_alerts(summary: dict, params: dict | None = None) -> dict:
            from advisory_watch.airflow_tasks import deliver

            return {**deliver(dry_run=bool((params or {}).get("dry_run"))), "cycle": summary}

        if entry.batch_size:
            # Sources that follow the feed (advisory pages): plan the due URLs, then one mapped task per
            # batch of them, in the host's pool, instead of one task per country.
            @task(task_id="plan")
            def plan() -> list[list[str]]:
                from advisory_watch.pipeline import planned_batches

                return planned_batches(entry.name, entry.batch_size)

            @task(pool=entry.pool, task_id="fetch_batch")
            def fetch_batch(urls: list[str], params: dict | None = None) -> dict:
                from advisory_watch.airflow_tasks import run_cycle

                params = params or {}
                return run_cycle(entry.name, planned=urls, dry_run=bool(params.get("dry_run")))

            @task(task_id="deliver_alerts")
            def deliver_batches(summaries: list, params: dict | None = None) -> dict:
                from advisory_watch.airflow_tasks import deliver

                return {
                    **deliver(dry_run=bool((params or {}).get("dry_run"))),
                    "batches": len(list(summaries)),
                }

            deliver_batches(fetch_batch.expand(urls=plan()))
        else:
            deliver_alerts(fetch_and_diff())

    return source_dag()


for _entry in SOURCES.values():
    globals()[_entry.dag_id] = build_dag(_entry)
