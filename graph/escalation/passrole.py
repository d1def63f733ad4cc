"""Escalation by passing a privileged role to a service and running code as it.

Passable roles are those the technique's service may assume: the
``service:<name>`` node's ``can_assume`` edges (made by the can_assume
analyzer from trust policies). ``iam:PassRole`` is asked with
``iam:PassedToService`` in the request context, so a PassRole grant limited
to another service does not count. Edges point at the passed role.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.graph.escalation.catalogue import Need, Technique
from cloudwarden.graph.escalation.context import Escalation, EscalationContext, Grant, edge_evidence
from cloudwarden.graph.model import Edge, Node

TARGETS = ("service-role",)

EC2 = "ec2.amazonaws.com"
# EC2 takes a role only inside an instance profile: one must carry it already,
# or the principal must be able to make one (both actions).
_PROFILE_NEEDS = (
    Need("iam:CreateInstanceProfile", on="new", creates="arn:{partition}:iam::{account}:instance-profile/*"),
    Need("iam:AddRoleToInstanceProfile", on="new", creates="arn:{partition}:iam::{account}:instance-profile/*"),
)


def escalations(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Every more privileged role ``principal`` can hand to ``technique.service`` and use."""
    service = technique.service or ""
    context = {"iam:PassedToService": service}
    fresh = ctx.grant(principal, [n for n in technique.needs if n.on == "new"], {}, context)
    if fresh is None:
        return
    existing: tuple[str, Grant] | None = None
    if any(n.on == "compute" for n in technique.needs):
        existing = _existing_compute(ctx, technique, principal)
        if existing is None:
            return
    for role, trust in _passable_roles(ctx, principal, service):
        if not ctx.grants_more(principal.id, role.id):
            continue
        passed = ctx.grant(principal, [n for n in technique.needs if n.on == "role"], {"role": role.id}, context)
        if passed is None:
            continue
        grant = Grant([edge_evidence(trust, "sts:AssumeRole")]).merged(fresh).merged(passed)
        if service == EC2:
            profile = _instance_profile(ctx, principal, role)
            if profile is None:
                continue
            grant = grant.merged(profile)
        extra = {"service": service}
        if existing is not None:
            extra["compute"] = existing[0]
            grant = grant.merged(existing[1])
        yield Escalation(principal.id, technique, role.id, role.id, grant, extra=extra)


def _passable_roles(ctx: EscalationContext, principal: Node, service: str) -> list[tuple[Node, Edge]]:
    """Roles of the principal's account that ``service`` may assume (a role can only be passed in its account)."""
    return [(role, edge) for role, edge in ctx.assumable_by_service(service, principal) if role.id != principal.id]


def _existing_compute(ctx: EscalationContext, technique: Technique, principal: Node) -> tuple[str, Grant] | None:
    """The first existing resource of the technique's kinds on which every ``compute`` need is allowed."""
    needs = [n for n in technique.needs if n.on == "compute"]
    if not any(ctx.may(principal, needs, kind) for kind in technique.compute):
        return None
    for node in ctx.in_account(principal, *technique.compute):
        grant = ctx.grant(principal, needs, {"compute": node.id})
        if grant is not None:
            return node.id, grant
    return None


def _instance_profile(ctx: EscalationContext, principal: Node, role: Node) -> Grant | None:
    """Empty evidence when the role already has an instance profile, else the evidence for making one."""
    if role.props.get("instance_profiles"):
        return Grant()
    return ctx.grant(principal, _PROFILE_NEEDS, {})
