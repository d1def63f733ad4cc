"""Escalation by rewriting the permissions of an identity the principal already holds.

The principal holds itself, its groups (a user) and the roles it can assume
directly. Writing "allow everything" onto one of them makes it admin, unless
that identity has a permissions boundary the principal cannot lift: then the
new policy stays inside the boundary and is not counted (a conservative miss).

Edges: onto the principal itself or its groups -> the principal's account node
with ``to: admin``; onto a role it can assume -> that role with ``to: admin``.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.graph.escalation.catalogue import Technique
from cloudwarden.graph.escalation.context import Escalation, EscalationContext, Grant, edge_evidence
from cloudwarden.graph.model import Node

TARGETS = ("held-user", "held-role", "held-group", "held-policy", "group")


def escalations(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Every way ``principal`` can apply ``technique`` to an identity it holds."""
    yield from _CHECKS[technique.target](ctx, technique, principal)


def _held(ctx: EscalationContext, principal: Node) -> Iterator[tuple[Node, Grant]]:
    """The principal (no evidence needed) and each role it can assume (the assumption as evidence).

    Service-linked roles are left out: AWS refuses changes to their policies.
    """
    if not principal.props.get("service_linked"):
        yield principal, Grant()
    for role_id, edge in ctx.assumable_roles(principal.id).items():
        role = ctx.graph.node(role_id)
        if role is not None and not role.reference and not role.props.get("service_linked"):
            yield role, Grant([edge_evidence(edge, "sts:AssumeRole")])


def _unbounded(ctx: EscalationContext, principal: Node, identity: Node) -> Grant | None:
    """Empty evidence when ``identity`` has no boundary; the lifting action's evidence; None when bounded."""
    if ctx.boundary_of(identity.id) is None:
        return Grant()
    lift = ctx.can_lift_boundary(principal, identity)
    return None if lift is None else Grant([lift])


def _escalation(ctx: EscalationContext, technique: Technique, principal: Node, identity: Node, via: str,
                grant: Grant) -> Escalation | None:
    """The escalation onto ``identity`` (admin through it), if its boundary does not cap what is written."""
    unbounded = _unbounded(ctx, principal, identity)
    if unbounded is None:
        return None
    target = ctx.account_node(principal) if identity.id == principal.id else identity.id
    return Escalation(principal.id, technique, target, via, grant.merged(unbounded), to_admin=True)


def _held_user(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    if principal.kind != "identity.user":
        return
    grant = ctx.grant(principal, technique.needs, {"target": principal.id})
    if grant is not None and (found := _escalation(ctx, technique, principal, principal, principal.id, grant)):
        yield found


def _held_role(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    for identity, assumed in _held(ctx, principal):
        if identity.kind != "identity.role":
            continue
        grant = ctx.grant(principal, technique.needs, {"target": identity.id})
        if grant is not None and (found := _escalation(ctx, technique, principal, identity, identity.id,
                                                       assumed.merged(grant))):
            yield found


def _held_group(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    if principal.kind != "identity.user":
        return
    for group_id in ctx.groups_of(principal.id):
        grant = ctx.grant(principal, technique.needs, {"target": group_id})
        if grant is not None and (found := _escalation(ctx, technique, principal, principal, group_id, grant)):
            yield found
            return  # one group suffices: every one leads to the same admin


def _held_policy(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    for identity, assumed in _held(ctx, principal):
        holders = [identity.id] + (ctx.groups_of(identity.id) if identity.kind == "identity.user" else [])
        for policy in _customer_policies(ctx, holders):
            if technique.id == "iam-set-default-policy-version" and not _has_admin_version(policy):
                continue
            grant = ctx.grant(principal, technique.needs, {"target": policy.id})
            if grant is not None and (found := _escalation(ctx, technique, principal, identity, policy.id,
                                                           assumed.merged(grant))):
                yield found
                break  # one policy per held identity suffices


def _group(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Join a group that grants admin (to the account's admin) or more than the user has (to the group)."""
    if principal.kind != "identity.user":
        return
    if not ctx.may(principal, technique.needs, "identity.group"):
        return
    member_of = set(ctx.groups_of(principal.id))
    for group in sorted(ctx.graph.nodes_of("identity.group"), key=lambda n: n.id):
        if group.reference or group.id in member_of or not ctx.same_account(group, principal):
            continue
        admin = _group_is_admin(ctx, group)
        if not admin and not _group_grants_more(ctx, group, principal):
            continue
        grant = ctx.grant(principal, technique.needs, {"target": group.id})
        unbounded = _unbounded(ctx, principal, principal) if grant is not None else None
        if grant is None or unbounded is None:
            continue
        target = ctx.account_node(principal) if admin else group.id
        yield Escalation(principal.id, technique, target, group.id, grant.merged(unbounded), to_admin=admin)


def _customer_policies(ctx: EscalationContext, holders: list[str]) -> list[Node]:
    """Customer-managed policies attached (not as a boundary) to any of ``holders``."""
    found: dict[str, Node] = {}
    for holder in holders:
        for edge in ctx.graph.out_edges(holder, "has_policy"):
            policy = ctx.graph.node(edge.target)
            if (policy is not None and edge.detail.get("attached") and not edge.detail.get("inline")
                    and policy.props.get("managed_by") == "customer"):
                found[policy.id] = policy
    return [found[k] for k in sorted(found)]


def _group_is_admin(ctx: EscalationContext, group: Node) -> bool:
    """A group whose attached policies grant every action on every resource."""
    for edge in ctx.graph.out_edges(group.id, "has_policy"):
        policy = ctx.graph.node(edge.target)
        if policy is not None and edge.detail.get("attached") and policy.props.get("admin_equivalent"):
            return True
    return False


def _group_grants_more(ctx: EscalationContext, group: Node, user: Node) -> bool:
    """Joining the group brings an access the user lacks.

    Groups are not principals, so the group's accesses are read from a member
    that holds nothing else (no policy of its own, no other group): its
    ``can_access`` edges are the group's. A group without such a member is
    not counted unless it is admin (a conservative miss).
    """
    for edge in ctx.graph.in_edges(group.id, "member_of"):
        member = edge.source
        if member == user.id or ctx.groups_of(member) != [group.id]:
            continue
        if any(e.detail.get("attached") for e in ctx.graph.out_edges(member, "has_policy")):
            continue
        if ctx.grants_more(user.id, member):
            return True
    return False


def _has_admin_version(policy: Node) -> bool:
    """A non-default version of the policy allows every action on every resource without conditions.

    The evaluator judges the policies in force; a stored, inactive version is
    only data, so it is read here (the one document this module reads).
    """
    for version in policy.raw.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion"):
            continue
        for stmt in (version.get("Document") or {}).get("Statement") or []:
            if (stmt.get("Effect") == "Allow" and "*" in (stmt.get("Action") or [])
                    and "*" in (stmt.get("Resource") or []) and not stmt.get("Condition")):
                return True
    return False


_CHECKS = {
    "held-user": _held_user,
    "held-role": _held_role,
    "held-group": _held_group,
    "held-policy": _held_policy,
    "group": _group,
}
