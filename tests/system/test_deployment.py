"""The deployment files (no Docker engine here: parsed and checked) and migrations from each revision."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from sqlalchemy import JSON, bindparam, create_engine, text

from models.db import upgrade
from tests.conftest import ROOT

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_share_one_image_one_secret_and_settings(compose):
    services = compose["services"]
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis", "history-ui", "slack-socket"}
    images = {services[name]["image"] for name in AIRFLOW_SERVICES}
    assert images == {"advisory-watch-airflow:3.3.2"}
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET"), name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        # Airflow's metadata and the snapshot store are separate databases on the same server.
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres/airflow"), name
        assert env["ADVISORY_WATCH_DATABASE_URL"].endswith("@postgres/advisory_watch"), name
        assert services[name]["env_file"] == [".env"], name
        assert "airflow-logs:/opt/airflow/logs" in services[name]["volumes"], name
    assert {"postgres-db", "airflow-logs"} <= set(compose["volumes"])


def test_compose_commands_healthchecks_and_scaling(compose):
    services = compose["services"]
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    init = "\n".join(commands["airflow-init"])
    for step in ("airflow db migrate", "advisory-watch db upgrade", "advisory-watch airflow-setup"):
        assert step in init
    for name in AIRFLOW_SERVICES - {"airflow-init"} | {"postgres", "redis"}:
        assert services[name]["healthcheck"]["test"], name
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker  # `--scale airflow-worker=N` works
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert "postgres-init.sql" in str(services["postgres"]["volumes"])
    assert (ROOT / "deploy" / "postgres-init.sql").read_text().count("CREATE DATABASE advisory_watch") == 1


def test_history_ui_is_a_service_of_the_same_image_and_store(compose):
    ui = compose["services"]["history-ui"]
    assert ui["image"] == "advisory-watch-airflow:3.3.2"
    assert ui["entrypoint"][:2] == ["advisory-watch", "serve"] and "0.0.0.0" in ui["entrypoint"]
    assert ui["environment"]["ADVISORY_WATCH_DATABASE_URL"].endswith("@postgres/advisory_watch")
    assert "ADVISORY_WATCH_UI_TOKEN" in str(ui["healthcheck"]["test"]) and ui["ports"] == ["8000:8000"]
    assert re.search(r"^ADVISORY_WATCH_UI_TOKEN=", (ROOT / ".env.example").read_text(), re.M)


def test_socket_mode_is_an_opt_in_service_of_the_same_image(compose):
    socket = compose["services"]["slack-socket"]
    assert socket["image"] == "advisory-watch-airflow:3.3.2" and socket["profiles"] == ["socket-mode"]
    assert socket["entrypoint"] == ["advisory-watch", "slack-socket"]
    assert re.search(r"^ADVISORY_WATCH_SLACK_APP_TOKEN=", (ROOT / ".env.example").read_text(), re.M)


def test_image_pins_airflow_to_the_base_image_version():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"ARG AIRFLOW_VERSION=(\S+)", dockerfile).group(1)
    assert "FROM apache/airflow:${AIRFLOW_VERSION}" in dockerfile
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in dockerfile
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"apache-airflow=={base}" in project["project"]["optional-dependencies"]["airflow"]
    example = (ROOT / ".env.example").read_text()
    for key in (
        "AIRFLOW_JWT_SECRET",
        "ADVISORY_WATCH_SLACK_TOKEN",
        "ADVISORY_WATCH_SLACK_CHANNEL",
        "ADVISORY_WATCH_SLACK_WEBHOOK_URL",
        "ADVISORY_WATCH_ROUTING",
    ):
        assert re.search(rf"^{key}=", example, re.M), key


def _upgrade_from_previous(url: str) -> None:
    """Data written under revision 0001 survives the upgrade to head; new columns get their defaults."""
    upgrade(url, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO alert (dedupe_key, source, key, country, kind, severity, payload, created_at, "
                "status, attempts) VALUES (:k, 'state-dept-feed', 'ST', 'ST', 'level_changed', 2, :p, "
                "'2025-10-08 17:36:06', 'pending', 0)"
            ).bindparams(bindparam("k", "k1"), bindparam("p", {"kind": "level_changed"}, type_=JSON))
        )
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT dedupe_key, status, routed FROM alert")).one()
        assert (row[0], row[1], bool(row[2])) == ("k1", "pending", False)
        assert conn.execute(text("SELECT count(*) FROM delivery")).scalar() == 0
    engine.dispose()


def test_migrations_upgrade_from_previous_on_sqlite(tmp_path):
    _upgrade_from_previous(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_migrations_upgrade_from_previous_on_postgres(postgres_url):
    _upgrade_from_previous(postgres_url)
