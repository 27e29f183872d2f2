"""Reprocess a source's history from the Airflow UI (Trigger, choose the source): the current
extractors over the stored snapshots, no network; records, decisions and changes re-derived, so an
extractor fix repairs history. Same as `advisory-watch reprocess --source S [--since DATE]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from scrapers.registry import SOURCES


@dag(
    dag_id="reprocess_history",
    description="Re-run the current extractors over stored snapshots and re-derive the history",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["advisory-watch", "maintenance"],
    # A re-derivation of years of history is long, but never unbounded.
    default_args={"execution_timeout": timedelta(hours=2)},
    params={
        "source": Param("state-dept-feed", enum=sorted(SOURCES), description="The source to reprocess."),
        "since": Param(
            "",
            type="string",
            description="Only snapshots observed from this date (YYYY-MM-DD) on; empty means all.",
        ),
    },
    doc_md=__doc__,
)
def reprocess_history() -> None:
    @task(task_id="reprocess")
    def reprocess(params: dict | None = None) -> dict:
        from advisory_watch.airflow_tasks import reprocess_source

        params = params or {}
        return reprocess_source(params["source"], since=params.get("since") or None)

    reprocess()


reprocess_history()
