"""Escalation by taking over another user or role: access keys, console passwords, trust policies.

A target is useful only when it grants more than the principal already has
(``EscalationContext.grants_more``). Edges point at the identity taken over.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.graph.escalation.catalogue import Technique
from cloudwarden.graph.escalation.context import Escalation, EscalationContext
from cloudwarden.graph.model import Node

TARGETS = ("other-user", "other-role")

# A console sign-in as another user works only if the password step is the
# whole of it: an MFA device on the user stops it. The profile must be absent
# to create one and present to reset it (None = unknown: both stay possible).
_CONSOLE_PRECONDITION = {
    "iam-create-login-profile": lambda user: user.props.get("console_access") is not True,
    "iam-update-login-profile": lambda user: user.props.get("console_access") is not False,
}


def escalations(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Every more privileged user or role ``principal`` can take over with ``technique``."""
    kind = "identity.user" if technique.target == "other-user" else "identity.role"
    if not ctx.may(principal, technique.needs, kind):
        return
    precondition = _CONSOLE_PRECONDITION.get(technique.id)
    for target in _candidates(ctx, principal, kind):
        if precondition is not None and (target.props.get("mfa") is True or not precondition(target)):
            continue
        if kind == "identity.role" and (target.props.get("service_linked") or _assume_denied(ctx, principal, target)):
            continue
        if not ctx.grants_more(principal.id, target.id):
            continue
        grant = ctx.grant(principal, technique.needs, {"target": target.id})
        if grant is not None:
            yield Escalation(principal.id, technique, target.id, target.id, grant)


def _candidates(ctx: EscalationContext, principal: Node, kind: str) -> list[Node]:
    """Collected identities of ``kind`` in the principal's account, other than the principal."""
    return [n for n in ctx.in_account(principal, kind) if n.id != principal.id]


def _assume_denied(ctx: EscalationContext, principal: Node, role: Node) -> bool:
    """An explicit deny (identity policy, SCP) on sts:AssumeRole makes a rewritten trust policy useless."""
    return ctx.decide(principal.id, "sts:AssumeRole", role.id).effect == "deny"
