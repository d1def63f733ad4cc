"""``cloudwarden tickets sync --findings FILE --to github:OWNER/REPO | jira:PROJECT | webhook:URL``.

``add_parser(subparsers)`` adds the ``tickets`` command (action ``sync``); ``run(args)`` runs it and
returns the exit code: 0 synced (or planned, with ``--dry-run``); 2 bad input (flags, target,
findings file, missing credentials) or a tracker that refused or stayed unreachable, with one
line on stderr. Secrets come only from the environment and are redacted from every message.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudwarden.engine.findings import SEVERITY_ORDER
from cloudwarden.engine.tickets.body import one_line
from cloudwarden.engine.tickets.errors import TargetError, TicketsError, TicketsInputError
from cloudwarden.engine.tickets.model import GROUP_BY, desired_tickets, read_findings
from cloudwarden.engine.tickets.sync import ON_RESOLVED, Change, Plan, RemoteTicket, Tracker, apply_plan, make_plan
from cloudwarden.engine.tickets.transport import Redactor

EXIT_OK, EXIT_BAD_INPUT = 0, 2
SCHEMA = "cloudwarden.tickets-sync/v1"
DEFAULT_LABEL = "cloudwarden"
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,49}$")  # valid as a GitHub label, a Jira label and in JQL
VERBS = {"open": "opened", "update": "updated", "regress": "regressed", "close": "closed", "comment": "commented"}


@dataclass(frozen=True)
class Target:
    """Where tickets go: ``kind`` is github, jira or webhook."""

    kind: str
    value: str

    @property
    def display(self) -> str:
        """Printable name; a webhook shows only its scheme and host (the path may be a secret)."""
        if self.kind == "webhook":
            parts = urllib.parse.urlsplit(self.value)
            return f"webhook:{parts.scheme}://{parts.hostname}"
        return f"{self.kind}:{self.value}"


def parse_target(text: str) -> Target:
    """``github:OWNER/REPO``, ``jira:PROJECT`` or ``webhook:http(s)://...``."""
    from cloudwarden.engine.tickets.github import REPO
    from cloudwarden.engine.tickets.jira import PROJECT

    kind, _, value = text.partition(":")
    usage = "--to must be github:OWNER/REPO, jira:PROJECT or webhook:URL"
    if kind == "github" and REPO.match(value):
        return Target(kind, value)
    if kind == "jira" and PROJECT.match(value):
        return Target(kind, value)
    if kind == "webhook":
        parts = urllib.parse.urlsplit(value)
        if parts.scheme in ("http", "https") and parts.hostname:
            return Target(kind, value)
        raise TargetError(f"{usage}; the webhook URL must be http(s)://HOST/...")
    shown = text.split("://")[0][:40] if kind == "webhook" else text[:60]
    raise TargetError(f"{usage}, got {shown!r}")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``tickets sync`` to the CLI's subparsers; returns the ``tickets`` parser."""
    tickets = subparsers.add_parser("tickets", help="open, update and close tickets for findings")
    actions = tickets.add_subparsers(dest="tickets_action", required=True, metavar="ACTION")
    sync = actions.add_parser(
        "sync", help="reconcile tickets with a findings file (one per fingerprint, or per policy)",
        description="Open a ticket per new finding, update changed ones, reopen regressions and close (or comment "
        "on) resolved ones; a second run with the same findings changes nothing. Credentials come from the "
        "environment: GITHUB_TOKEN or GH_TOKEN; JIRA_URL with JIRA_EMAIL + JIRA_API_TOKEN or JIRA_TOKEN; "
        "CLOUDWARDEN_WEBHOOK_SECRET signs webhook events. Exit 0 on success, 2 on bad input or a tracker failure.")
    sync.add_argument("--findings", required=True, metavar="FILE", help="findings file (scan --format json)")
    sync.add_argument("--to", required=True, metavar="TARGET", help="github:OWNER/REPO, jira:PROJECT or webhook:URL")
    sync.add_argument("--group-by", choices=GROUP_BY, default="finding",
                      help="one ticket per finding fingerprint (default) or per policy, listing its resources")
    sync.add_argument("--on-resolved", choices=ON_RESOLVED, default="close",
                      help="when a finding is gone or suppressed: close its ticket (default) or only comment")
    sync.add_argument("--min-severity", choices=list(SEVERITY_ORDER), metavar="SEVERITY",
                      help="ticket only findings at or above this severity (others count as resolved)")
    sync.add_argument("--label", action="append", default=[], metavar="LABEL",
                      help=f"extra label on every managed ticket, narrowing the sync's scope to tickets with it "
                      f"(repeatable; {DEFAULT_LABEL!r} is always set): one per estate when several share a tracker")
    sync.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    sync.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    sync.add_argument("--api-url", metavar="URL",
                      help="API base URL (default: $GITHUB_API_URL or https://api.github.com; $JIRA_URL)")
    sync.add_argument("--jira-api", choices=["3", "2"], default="3",
                      help="Jira REST version: 3 for Jira Cloud (default), 2 for Data Center / Server")
    sync.add_argument("--issue-type", default="Task", metavar="NAME", help="Jira issue type (default Task)")
    sync.add_argument("--state", metavar="PATH", help="webhook state file (default: in the user data directory)")
    sync.add_argument("--max-wait", type=float, default=600.0, metavar="SECONDS",
                      help="longest wait for one rate limit before giving up (default 600)")
    sync.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    sync.add_argument("--write-interval", type=float, metavar="SECONDS",
                      help="pause between writes (default 1 for GitHub, as its rate-limit guidance asks; else 0)")
    return tickets


def build_tracker(target: Target, args: argparse.Namespace, env: Mapping[str, str], redactor: Redactor) -> Tracker:
    """The tracker for ``target``, with credentials from ``env``."""
    options: dict[str, Any] = {"timeout": args.timeout, "max_wait": args.max_wait}
    if args.write_interval is not None:
        options["write_interval"] = args.write_interval
    labels = tuple(dict.fromkeys((DEFAULT_LABEL, *args.label)))
    if target.kind == "github":
        from cloudwarden.engine.tickets.github import GitHubTracker, github_client

        return GitHubTracker(target.value, github_client(env, args.api_url, redactor, **options), labels)
    if target.kind == "jira":
        from cloudwarden.engine.tickets.jira import JiraTracker, jira_client

        return JiraTracker(target.value, jira_client(env, args.api_url, redactor, **options), labels,
                           api_version=args.jira_api, issue_type=args.issue_type)
    from cloudwarden.engine.tickets.webhook import WebhookTracker, default_state_path, webhook_client

    client, path = webhook_client(target.value, redactor, **options)
    state = Path(args.state) if args.state else default_state_path(target.value)
    return WebhookTracker(target.value, client, path, state, env)


def _check(args: argparse.Namespace) -> None:
    for label in args.label:
        if not LABEL.match(label):
            raise TicketsInputError(f"--label {label[:60]!r}: use letters, digits and _.:/- (no spaces or commas)")
    if args.max_wait < 0 or args.timeout <= 0 or (args.write_interval or 0) < 0:
        raise TicketsInputError("--max-wait and --write-interval must be 0 or more, --timeout more than 0")
    if not args.issue_type.strip():
        raise TicketsInputError("--issue-type must not be empty")


def _row(change: Change, ticket: RemoteTicket | None) -> dict[str, Any]:
    return {"action": change.action, "key": change.key, "ref": ticket.ref if ticket else None,
            "url": ticket.url if ticket else None, "title": change.title, "reason": change.reason or None}


def _line(verb: str, row: dict[str, Any]) -> str:
    reason = f" ({row['reason']})" if row["reason"] else ""
    return f"{verb:<10} {row['ref'] or '-':<10} {row['key']}  {one_line(row['title'], 120)}{reason}"


def _summary(target: Target, rows: list[dict[str, Any]], plan: Plan, dry_run: bool) -> str:
    counts = {verb: sum(1 for r in rows if r["action"] == action) for action, verb in VERBS.items()}
    text = ", ".join(f"{n} {('to be ' if dry_run else '') + verb}" for verb, n in counts.items() if n)
    text = f"{target.display}: {text or 'no change'}; {plan.unchanged} unchanged"
    if plan.duplicates:
        text += f"; duplicate tickets left alone: {', '.join(t.ref for t in plan.duplicates)}"
    return text


def sync(args: argparse.Namespace, env: Mapping[str, str], redactor: Redactor) -> int:
    """Plan (and unless ``--dry-run``, apply) the sync; raises ``TicketsError`` on any failure."""
    _check(args)
    target = parse_target(args.to)
    desired = desired_tickets(read_findings(args.findings), args.group_by, args.min_severity)
    tracker = build_tracker(target, args, env, redactor)
    plan = make_plan(desired, tracker.existing(), args.on_resolved)
    rows: list[dict[str, Any]] = []
    complete = False

    def report(change: Change, ticket: RemoteTicket | None) -> None:
        rows.append(_row(change, ticket))
        if args.format == "text":
            print(redactor(_line(VERBS[change.action], rows[-1])), flush=True)

    try:
        if args.dry_run:
            for change in plan.changes:
                rows.append(_row(change, change.ticket))
                if args.format == "text":
                    print(redactor(_line(f"plan:{change.action}", rows[-1])))
        else:
            apply_plan(plan, tracker, report)
        complete = True
    finally:
        if args.format == "json":
            doc = {"schema": SCHEMA, "target": target.display, "dry_run": args.dry_run, "complete": complete,
                   "changes": rows, "unchanged": plan.unchanged, "duplicates": [t.ref for t in plan.duplicates]}
            sys.stdout.write(redactor(json.dumps(doc, indent=2)) + "\n")
        elif complete:
            print(redactor(_summary(target, rows, plan, args.dry_run)))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run ``tickets sync``: the exit code, every ``TicketsError`` as one redacted line on stderr."""
    redactor = Redactor()
    try:
        return sync(args, os.environ, redactor)
    except TicketsError as exc:
        print(f"cloudwarden: error: {one_line(redactor(str(exc)), 500)}", file=sys.stderr)
        return EXIT_BAD_INPUT
