"""The outbox: pending alerts, delivery, the digest, a test alert, and acting on alerts."""

from __future__ import annotations

import argparse
import sys

from advisory_watch.commands import print_flush, print_json_line


def cmd_alerts_pending(args: argparse.Namespace) -> int:
    from alerts.outbox import pending
    from models.sessions import session_for

    with session_for(args.settings) as session:
        for alert in pending(session):
            print_json_line(
                {
                    "id": alert.id,
                    "status": alert.status,
                    "attempts": alert.attempts,
                    "last_error": alert.last_error,
                    **alert.payload,
                }
            )
    return 0


def cmd_alerts_flush(args: argparse.Namespace) -> int:
    from advisory_watch.delivery import flush_configured
    from models.sessions import session_for

    settings = args.settings
    with session_for(settings) as session:
        report = flush_configured(session, settings)
    print_flush(report)
    return 0 if report.pending == 0 else 1


def cmd_alerts_act(args: argparse.Namespace) -> int:
    """``alerts ack|assign|snooze``: the Slack buttons' actions, recorded as the CLI user."""
    import getpass

    from alerts import actions
    from alerts.configured import configured_transport
    from alerts.interactions import tell_slack
    from models.sessions import session_for

    kind = {"ack": "acknowledge", "assign": "assign", "snooze": "snooze"}[args.alerts_command]
    value = getattr(args, "to", None) or getattr(args, "for_", None)
    user = getpass.getuser()
    settings = args.settings
    with session_for(settings) as session:
        try:
            acted = actions.act(session, args.alert_id, kind, actions.Actor(user, user, "cli"), value=value)
        except actions.ActionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if acted.action is None:
            print(f"alert {args.alert_id}: already done, nothing changed", file=sys.stderr)
            return 0
        tell_slack(session, configured_transport(settings), acted, None)
    print(acted.reply.replace("<@", "@").replace(">", ""))
    return 0


def cmd_slack_socket(args: argparse.Namespace) -> int:
    from alerts.socket_mode import run

    return run(args.settings, once=args.once)


def cmd_alerts_digest(args: argparse.Namespace) -> int:
    from advisory_watch.delivery import flush
    from alerts.configured import configured_routing, configured_transport
    from alerts.digest import queue_digests
    from models.sessions import session_for

    settings = args.settings
    transport = configured_transport(settings)
    routing = configured_routing(settings, transport)
    with session_for(settings) as session:
        queued = queue_digests(session, routing, hours=args.hours)
        print(f"{len(queued)} digest(s) queued", file=sys.stderr)
        report = flush(session, transport, routing)
    print_flush(report)
    return 0 if report.pending == 0 else 1


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send a sample alert (a real level change from the 2025-10-08 capture) through the configured path."""
    from datetime import UTC, datetime

    from advisory_watch.delivery import flush
    from alerts.configured import configured_routing, configured_transport
    from alerts.routing import Routing
    from models.sessions import session_for
    from models.tables import Alert

    settings = args.settings
    now = datetime.now(UTC)
    payload = {
        "source": "state-dept-feed",
        "country": "ST",
        "key": "ST",
        "country_name": "Sao Tome and Principe",
        "kind": "level_changed",
        "field": "level",
        "item": None,
        "old": 1,
        "new": 2,
        "severity": "medium",
        "observed_at": now.isoformat(),
        "summary": "Sao Tome and Principe — Level 1 → Level 2 (TEST)",
        "url": "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories/"
        "sao-tome-and-principe-travel-advisory.html",
        "change_note": "advisory-watch test message",
        "changes": [
            {
                "kind": "level_changed",
                "summary": "Sao Tome and Principe — Level 1 → Level 2",
                "severity": "medium",
                "field": "level",
                "old": 1,
                "new": 2,
                "item": None,
                "details": {},
            }
        ],
        "diff": "",
        "test": True,
    }
    transport = configured_transport(settings)
    routing = configured_routing(settings, transport)
    if args.channel:
        routing = Routing(default_channel=args.channel, ops_channel=args.channel)
    with session_for(settings) as session:
        session.add(
            Alert(
                dedupe_key=f"test:{now.isoformat()}",
                source="test",
                key="",
                kind="level_changed",
                severity=2,
                payload=payload,
                created_at=now,
                status="pending",
            )
        )
        session.commit()
        report = flush(session, transport, routing)
    print_flush(report)
    return 0 if report.pending == 0 else 1
