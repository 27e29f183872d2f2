"""No secret reaches a log line, whatever logger writes it."""

from __future__ import annotations

import logging

from advisory_watch import redaction
from advisory_watch.settings import Settings


def test_known_secret_shapes_are_masked():
    assert redaction.redact("token xoxb-1234-abcd used") == "token *** used"
    assert redaction.redact("POST https://hooks.slack.com/services/T0/B0/xyz ok") == "POST *** ok"
    assert redaction.redact("postgresql://aw:s3cret@db/aw") == "postgresql://aw:***@db/aw"
    assert redaction.redact("{'Authorization': 'Bearer abc.def'}") == "{'Authorization': 'Bearer ***'}"


def test_configured_secrets_are_masked_in_every_record(caplog):
    settings = Settings(ui_token="correct-horse-battery", database_url="postgresql://aw:pa55word@db/aw")
    redaction.install(settings)
    try:
        with caplog.at_level(logging.INFO, logger="any.child.logger"):
            logging.getLogger("any.child.logger").info(
                "ui token %s, password %s", "correct-horse-battery", "pa55word"
            )
        assert "correct-horse-battery" not in caplog.text and "pa55word" not in caplog.text
        assert "ui token ***, password ***" in caplog.text
    finally:
        redaction.install(Settings())
