"""Select findings and plan their fixes: for each, the action and the exact calls, read from live state."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.engine.findings import Finding
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.remediation import Action, ApiCall, RemediationError, Session, Target, is_destructive


@dataclass
class Fix:
    """One selected finding and what remediation would do about it."""

    target: Target
    action: Action | None
    calls: list[ApiCall] = field(default_factory=list)
    before: dict[str, Any] | None = None
    status: str = "planned"  # planned | compliant | no_action | error | refused
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The fix for the JSON plan."""
        t = self.target
        return {"finding": t.finding, "policy": t.policy, "resource": t.resource_id, "cloud": t.cloud,
                "action": self.action.id if self.action else None, "status": self.status, "reason": self.reason,
                "calls": [c.to_json() for c in self.calls], "before": self.before}


def target_of(finding: Finding) -> Target:
    """The remediation target of a finding."""
    r = finding.resource
    return Target(finding=finding.id, policy=finding.policy, resource_id=r.id, kind=r.kind, cloud=r.cloud,
                  account=r.account, region=r.region, name=r.name, evidence=dict(finding.evidence))


def select(findings: Iterable[Finding], policies: list[str], resources: list[str]) -> list[Target]:
    """Unsuppressed findings matching every given filter (policy ids and resource ids accept globs)."""
    chosen = []
    for finding in findings:
        if finding.suppressed:
            continue
        if policies and not any(fnmatch.fnmatchcase(finding.policy, p) for p in policies):
            continue
        if resources and not any(fnmatch.fnmatchcase(finding.resource.id, r) for r in resources):
            continue
        chosen.append(target_of(finding))
    return chosen


def check_safe(target: Target, action: Action, calls: list[ApiCall]) -> str | None:
    """Why the calls must not run (outside the finding's resource, or destructive), or None."""
    for call in calls:
        if call.resource != target.resource_id and not call.resource.startswith(target.resource_id + "/"):
            return f"{call.render()} changes {call.resource}, outside the finding's resource"
        if is_destructive(call.operation) and call.operation not in action.safe_removals:
            return f"{call.service}.{call.operation} is destructive"
    return None


def plan_fixes(targets: list[Target], session_for: Callable[[str], Session]) -> list[Fix]:
    """For each target: its action, current state and the calls that would fix it."""
    fixes = []
    for target in targets:
        action = action_for(target.cloud, target.policy)
        if action is None:
            fixes.append(Fix(target, None, status="no_action", reason="no safe automatic fix: left for a ticket"))
            continue
        fix = Fix(target, action)
        try:
            session = session_for(target.cloud)
            fix.before = action.state(session, target)
            fix.calls = action.plan(session, target, fix.before)
        except RemediationError as exc:
            fix.status, fix.reason = "error", str(exc)
            fixes.append(fix)
            continue
        if not fix.calls:
            fix.status, fix.reason = "compliant", "already compliant: nothing to change"
        elif (unsafe := check_safe(target, action, fix.calls)) is not None:
            fix.status, fix.reason = "refused", unsafe
        fixes.append(fix)
    return fixes
