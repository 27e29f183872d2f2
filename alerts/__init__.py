"""Alerts: payloads built from typed changes, an outbox, and sinks (console/JSON lines, Slack)."""
