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

    home: Path = Field(
        default_factory=_default_home,
        description="Folder of the embedded SQLite store: `~/.advisory-watch`, `var/` under `make`.",
    )
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL, e.g. `postgresql://user@host/db` (psycopg 3; "
        "`postgresql+psycopg2://` and `postgres://` read as the same database); unset: a SQLite file under "
        "ADVISORY_WATCH_HOME.",
    )
    url_rewrite: str = Field(
        default="", description="Comma-separated prefix=replacement pairs applied to every outgoing URL."
    )
    user_agent: str = Field(
        default="advisory-watch/0.1 (+https://github.com/advisory-watch; security monitoring)",
        description="The User-Agent of every fetch.",
    )
    fetch_timeout: float = Field(
        default=30.0, description="Seconds to connect or between bytes of one attempt."
    )
    fetch_deadline: float = Field(
        default=120.0, description="Seconds one fetch may take in all: every attempt, wait and read."
    )
    cycle_deadline: float = Field(
        default=1200.0, description="Seconds one source's cycle may take; URLs left are due next cycle."
    )
    fetch_attempts: int = Field(
        default=4, description="Attempts per fetch (backoff 0.5 s doubling, or the server's `Retry-After`)."
    )
    fetch_max_bytes: int = Field(default=20 * 1024 * 1024, description="Largest document read (bytes).")
    fetch_backoff_max: float = Field(default=60.0, description="Longest wait between two attempts (seconds).")
    fetch_concurrency: int = Field(default=4, description="Fetches in flight at once within one cycle.")
    archive_window_hours: float = Field(
        default=24.0,
        description="How far back from its logical date a past-dated Airflow run takes a Wayback capture "
        "(or the schedule interval, if longer); older means no capture in range.",
    )

    slack_token: str | None = Field(
        default=None, description="Slack bot token (`xoxb-…`, scope `chat:write`)."
    )
    slack_webhook_url: str | None = Field(
        default=None, description="A Slack incoming webhook instead of a bot."
    )
    slack_channel: str | None = Field(
        default=None, description="The bot's channel when there is no routing file (`#travel-risk`)."
    )
    slack_base_url: str = Field(
        default="https://slack.com/api/", description="Slack Web API base (the tests point it at loopback)."
    )
    slack_signing_secret: str | None = Field(
        default=None, description="Slack app's signing secret: verifies POST /slack/interactions."
    )
    slack_app_token: str | None = Field(
        default=None, description="Slack app-level token (xapp-…) for `advisory-watch slack-socket`."
    )
    sources: str = Field(default="", description="Comma-separated sources `run` runs (default: all).")
    routing: Path | None = Field(default=None, description="Routing YAML: which alerts go to which channels.")
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
    history_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of the history links in alerts."
    )
    ui_token: str | None = Field(
        default=None, description="History browser token (required beyond localhost)."
    )
    ui_allowed_hosts: str = Field(
        default="",
        description="Host names the history browser answers to besides loopback (comma-separated).",
    )
    log_level: str = Field(
        default="WARNING",
        description="Log level of the command line (DEBUG … CRITICAL); at every level Slack tokens, webhook "
        "URLs, database passwords and the UI token are masked.",
    )
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


def settings_table() -> str:
    """Every setting as a Markdown table row, from the fields' own descriptions (docs/operations/settings.md
    holds this table; a test keeps it equal), so the documentation cannot name a setting that is gone."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, info in Settings.model_fields.items():
        default = info.default
        if info.default_factory is not None:
            shown = "(see meaning)"
        else:
            shown = "unset" if default is None else "empty" if default == "" else f"`{default}`"
        rows.append(f"| `{(prefix + name).upper()}` | {shown} | {info.description or ''} |")
    return "\n".join(rows) + "\n"
