"""Apply planned fixes: at most ``max_changes``, each verified by re-reading, each audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.engine.remediation.audit import AuditLog
from cloudwarden.engine.remediation.plan import Fix, check_safe
from cloudwarden.providers.remediation import RemediationError, Session


def _record(audit: AuditLog, fix: Fix, event: str, actor: str | None, **extra: Any) -> None:
    t = fix.target
    audit.write(event, actor=actor, finding=t.finding, policy=t.policy, resource=t.resource_id, cloud=t.cloud,
                action=fix.action.id if fix.action else None, calls=[c.to_json() for c in fix.calls],
                before=fix.before, **extra)


def apply_fixes(fixes: list[Fix], session_for: Callable[[str], Session], audit: AuditLog,
                max_changes: int | None = None) -> list[Fix]:
    """Run the planned calls of each fix; sets each fix's status to its outcome and returns the fixes.

    Outcomes: ``applied`` (verified), ``unverified`` (calls ran, the re-read
    still needs changes), ``failed`` (a call failed; later calls of that fix
    are not run), ``skipped`` (``max_changes`` reached), and the plan's own
    ``compliant`` / ``no_action`` / ``refused`` / ``error``. The state is
    re-read right before applying so a fix planned earlier is not replayed
    on a resource that changed meanwhile.
    """
    changed = 0
    for fix in fixes:
        if fix.status != "planned" or fix.action is None:
            if fix.action is not None:
                _record(audit, fix, fix.status, _actor(session_for, fix.target.cloud), reason=fix.reason)
            continue
        session = session_for(fix.target.cloud)
        actor = session.actor()
        try:
            fix.before = fix.action.state(session, fix.target)
            fix.calls = fix.action.plan(session, fix.target, fix.before)
        except RemediationError as exc:
            fix.status, fix.reason = "failed", f"cannot read current state: {exc}"
            _record(audit, fix, "failed", actor, reason=fix.reason)
            continue
        if not fix.calls:
            fix.status, fix.reason = "compliant", "already compliant: nothing to change"
            _record(audit, fix, "already_compliant", actor)
            continue
        if (unsafe := check_safe(fix.target, fix.action, fix.calls)) is not None:
            fix.status, fix.reason = "refused", unsafe
            _record(audit, fix, "refused", actor, reason=unsafe)
            continue
        if max_changes is not None and changed >= max_changes:
            fix.status, fix.reason = "skipped", f"--max-changes {max_changes} reached"
            _record(audit, fix, "skipped", actor, reason=fix.reason)
            continue
        changed += 1
        _record(audit, fix, "started", actor)
        done = []
        try:
            for call in fix.calls:
                session.execute(call)
                done.append(call.render())
        except RemediationError as exc:
            fix.status, fix.reason = "failed", str(exc)
            _record(audit, fix, "failed", actor, reason=str(exc), completed_calls=done, after=_reread(fix, session))
            continue
        after = _reread(fix, session)
        remaining = fix.action.plan(session, fix.target, after) if after is not None else None
        fix.status = "applied" if remaining == [] else "unverified"
        fix.reason = "" if fix.status == "applied" else "the resource still needs changes after the calls"
        _record(audit, fix, fix.status, actor, completed_calls=done, after=after, verified=fix.status == "applied")
    return fixes


def _actor(session_for: Callable[[str], Session], cloud: str) -> str | None:
    """Who would have made the change; None when the cloud cannot even be reached (the reason says why)."""
    try:
        return session_for(cloud).actor()
    except RemediationError:
        return None


def _reread(fix: Fix, session: Session) -> dict[str, Any] | None:
    try:
        return fix.action.state(session, fix.target) if fix.action else None
    except RemediationError:
        return None
