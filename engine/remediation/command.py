"""``cloudwarden remediate``: plan by default, ``--apply`` to change, always within the selected findings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_dir

from cloudwarden.engine.findings import Finding
from cloudwarden.engine.remediation.apply import apply_fixes
from cloudwarden.engine.remediation.audit import AuditLog
from cloudwarden.engine.remediation.plan import Fix, plan_fixes, select
from cloudwarden.engine.remediation.registry import provider_module
from cloudwarden.providers.remediation import RemediationError, Session

SCHEMA = "cloudwarden.remediation/v1"
FAILED = frozenset({"failed", "unverified", "error"})


def default_audit_log() -> Path:
    """``CLOUDWARDEN_AUDIT_LOG``, else ``remediation-audit.jsonl`` in the user's data directory."""
    env = os.environ.get("CLOUDWARDEN_AUDIT_LOG")
    return Path(env) if env else Path(user_data_dir("cloudwarden")) / "remediation-audit.jsonl"


def add_options(parser: argparse.ArgumentParser, default: object) -> None:
    """Selection and mode options (``default`` SUPPRESS on cloud subcommands, as for ``scan``)."""

    def value(real: object) -> object:
        return real if default is None else default

    parser.add_argument("--findings", metavar="FILE", default=value(None), help="findings file (scan --format json)")
    parser.add_argument("--snapshot", metavar="FILE", default=value(None),
                        help="evaluate this snapshot with the built-in pack")
    parser.add_argument("--policy", action="append", default=value([]), metavar="ID",
                        help="only findings of these policies (repeatable; globs)")
    parser.add_argument("--resource", action="append", default=value([]), metavar="ID",
                        help="only findings on these resources (repeatable; globs)")
    parser.add_argument("--apply", action="store_true", default=value(False),
                        help="make the changes (default: print the plan only)")
    parser.add_argument("--max-changes", type=int, default=value(None), metavar="N",
                        help="change at most N resources, then stop")
    parser.add_argument("--audit-log", metavar="PATH", default=value(None),
                        help="JSON-lines audit log (default: $CLOUDWARDEN_AUDIT_LOG or the user data directory)")
    parser.add_argument("--format", choices=["table", "json"], default=value("table"))
    parser.add_argument("-o", "--output", metavar="FILE", default=value(None), help="write the plan/result here")


def sessions(connect_options: dict[str, object], args: argparse.Namespace | None = None) -> Callable[[str], Session]:
    """A per-cloud session opener, each cloud connected once, on first use.

    The cloud named on the command line (``remediate gcp --key-file ...``)
    connects with its flags; other clouds with ``connect_options`` or their
    defaults (environment, default credential chains).
    """
    opened: dict[str, Session] = {}

    def session_for(cloud: str) -> Session:
        if cloud not in opened:
            module = provider_module(cloud)
            if module is None:
                raise RemediationError(f"no remediation support installed for {cloud}")
            if args is not None and getattr(args, "cloud", None) == cloud:
                opened[cloud] = module.connect_from_args(args)
            else:
                opened[cloud] = module.connect(**connect_options.get(cloud, {}))  # type: ignore[union-attr]
        return opened[cloud]

    return session_for


def remediate(findings: list[Finding], args: argparse.Namespace, session_for: Callable[[str], Session]) -> int:
    """Plan (and with ``--apply``, apply) fixes for the selected findings; returns the exit code."""
    if args.max_changes is not None and args.max_changes < 0:
        raise RemediationError("--max-changes must be 0 or more")
    targets = select(findings, args.policy, args.resource)
    fixes = plan_fixes(targets, session_for)
    if args.apply:
        audit = AuditLog(Path(args.audit_log) if args.audit_log else default_audit_log())
        try:
            apply_fixes(fixes, session_for, audit, args.max_changes)
        finally:
            audit.close()
    report = render_json(fixes, args.apply) if args.format == "json" else render_table(fixes, args.apply)
    if args.output:
        from cloudwarden.graph.snapshot import atomic_write_bytes

        atomic_write_bytes(Path(args.output), report.encode())
    else:
        sys.stdout.write(report)
    return 1 if any(f.status in FAILED for f in fixes) else 0


def render_json(fixes: list[Fix], applied: bool) -> str:
    """The plan or result as ``cloudwarden.remediation/v1`` JSON."""
    counts: dict[str, int] = {}
    for fix in fixes:
        counts[fix.status] = counts.get(fix.status, 0) + 1
    doc = {"schema": SCHEMA, "mode": "apply" if applied else "plan", "summary": counts,
           "fixes": [f.to_json() for f in fixes]}
    return json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n"


def render_table(fixes: list[Fix], applied: bool) -> str:
    """The plan or result for a terminal: each fix with its exact calls."""
    lines = [f"{'Applied' if applied else 'Plan'}: {len(fixes)} selected finding(s)"]
    for fix in fixes:
        t = fix.target
        action = fix.action.id if fix.action else "-"
        lines.append(f"- [{fix.status}] {t.policy} on {t.resource_id} ({action})")
        if fix.reason:
            lines.append(f"    {fix.reason}")
        lines += [f"    {call.render()}" for call in fix.calls if fix.status not in ("compliant", "no_action")]
    if not applied and any(f.status == "planned" for f in fixes):
        lines.append("Nothing was changed. Run again with --apply to make these changes.")
    return "\n".join(lines) + "\n"
