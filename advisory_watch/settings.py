"""All runtime settings in one place.

Every command, DAG task and test reads settings through :func:`get_settings`, so one environment
variable changes behaviour everywhere. Airflow Variables are consulted only by the DAG layer, which
exports them into the environment before calling the core (the core never imports Airflow).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _default_home() -> Path:
    return Path.home() / ".advisory-watch"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADVISORY_WATCH_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Folder for the embedded SQLite store.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file under ADVISORY_WATCH_HOME."
    )
    url_rewrite: str = Field(
        default="", description="Comma-separated prefix=replacement pairs applied to every outgoing URL."
    )
    user_agent: str = "advisory-watch/0.1 (+https://github.com/advisory-watch; security monitoring)"
    fetch_timeout: float = 30.0
    fetch_deadline: float = Field(
        default=120.0, description="Seconds one fetch may take in all: every attempt, wait and read."
    )
    cycle_deadline: float = Field(
        default=1200.0, description="Seconds one source's cycle may take; URLs left are due next cycle."
    )
    fetch_attempts: int = 4
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_backoff_max: float = 60.0
    fetch_concurrency: int = 4
    # A past-dated Airflow run takes the latest archived capture this recent (or the schedule interval,
    # if longer); an older one means "no capture in range".
    archive_window_hours: float = 24.0

    slack_token: str | None = None
    slack_webhook_url: str | None = None
    slack_channel: str | None = None
    slack_base_url: str = "https://slack.com/api/"
    slack_signing_secret: str | None = Field(
        default=None, description="Slack app's signing secret: verifies POST /slack/interactions."
    )
    slack_app_token: str | None = Field(
        default=None, description="Slack app-level token (xapp-…) for `advisory-watch slack-socket`."
    )
    sources: str = Field(default="", description="Comma-separated sources `run` runs (default: all).")
    routing: Path | None = None
    documents: Path | None = Field(default=None, description="Watchlist YAML of the document source.")
    alerts_jsonl: Path | None = Field(
        default=None, description="Where the console sink also appends JSON lines (optional)."
    )
    failure_threshold: int = Field(default=3, description="Consecutive failures before an ops alert.")
    stale_after_intervals: float = Field(
        default=3, description="A source with no successful cycle for this many schedule intervals is stale."
    )
    fold_checkpoint_every: int = Field(
        default=100,
        ge=2,
        description="Observations between checkpoints of a source's history fold: what a backfill re-folds.",
    )
    history_base_url: str = "http://127.0.0.1:8000"
    ui_token: str | None = Field(
        default=None, description="History browser token (required beyond localhost)."
    )
    ui_allowed_hosts: str = Field(
        default="",
        description="Host names the history browser answers to besides loopback (comma-separated).",
    )
    log_level: str = Field(default="WARNING", description="Log level of the command line (DEBUG … ERROR).")
    oc_score_threshold: float = Field(default=0.25, description="OC Index: score move that alerts.")
    oc_rank_threshold: int = Field(default=5, description="OC Index: rank move (places) that alerts.")
    oc_market_threshold: float = Field(default=1.0, description="OC Index: market score move that alerts.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"not a log level; one of {', '.join(LOG_LEVELS)}")
        return level

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'advisory-watch.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Tests and the DAG layer change the environment; this makes the next read see it."""
    get_settings.cache_clear()
