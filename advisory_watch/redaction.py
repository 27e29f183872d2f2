"""Secrets never reach a log line: Slack tokens, webhook URLs, database passwords, the UI token.

slack_sdk logs its requests at DEBUG (headers with the bearer token, the webhook URL whose path is
the secret), SQLAlchemy and Alembic log URLs. A filter on some loggers would miss records from their
children, so redaction happens where every record is made: the log record factory. Known patterns
are masked, and so is every configured secret value verbatim.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy.engine import make_url

MASK = "***"
_PATTERNS = (
    (re.compile(r"xox[abposre]-[A-Za-z0-9-]+"), MASK),  # Slack tokens
    (re.compile(r"https://hooks\.slack\.com/\S+"), MASK),  # incoming webhooks: the path is the secret
    (re.compile(r"(://[^:/@\s]+):[^@\s]+@"), rf"\1:{MASK}@"),  # user:password@ in any URL
    (re.compile(r"(?i)(authorization['\"]?:\s*['\"]?bearer\s+)[^'\"\s,}]+"), rf"\1{MASK}"),
)

_secrets: list[str] = []
_installed = False


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _values(settings: object) -> Iterable[str]:
    for name in ("slack_token", "slack_webhook_url", "ui_token", "slack_signing_secret", "slack_app_token"):
        value = getattr(settings, name, None)
        if value:
            yield value
    url = getattr(settings, "database_url", None)
    if url:
        try:
            password = make_url(url).password
        except Exception:  # noqa: BLE001 - an unparsable URL has nothing to extract
            password = None
        if password:
            yield str(password)


def install(settings: object) -> None:
    """Mask the settings' secrets (and every known secret pattern) in every log record from now on."""
    global _installed
    _secrets[:] = sorted({v for v in _values(settings) if len(v) >= 4}, key=len, reverse=True)
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:  # noqa: ANN002, ANN003
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's problem, not ours
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True
