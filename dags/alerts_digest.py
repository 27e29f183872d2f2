"""The daily digest (alerts/digest.py): one message per digest channel; an empty day sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="alerts_digest",
    description="Daily digest of the last 24 h of changes, per digest channel",
    schedule="0 7 * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["advisory-watch", "alerts"],
    default_args={
        "execution_timeout": timedelta(minutes=15),
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
    },
    doc_md=__doc__,
)
def alerts_digest() -> None:
    @task(task_id="send_digest")
    def send_digest() -> dict:
        from advisory_watch.airflow_tasks import digest

        return digest(hours=24.0)

    send_digest()


alerts_digest()
