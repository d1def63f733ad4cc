"""What every escalation checker shares: the graph, one permission evaluator and cached facts.

Checkers never read policy documents: they ask ``EscalationContext.grant``
whether every required action of a technique is allowed on the resources
they point it at, and ``grants_more`` whether a target is worth having.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.aws_iam.access_levels import expand
from cloudwarden.graph.aws_iam.evaluator import Decision, PermissionEvaluator, shared_evaluator
from cloudwarden.graph.aws_iam.matching import action_matches, has_wildcard
from cloudwarden.graph.aws_iam.principals import account_node_id, account_of
from cloudwarden.graph.escalation.catalogue import Need, Technique
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node

ALLOWING = ("allow", "conditional")
PRINCIPAL_KINDS = ("identity.user", "identity.role")
ADMIN = "admin"

# "Some resource of this kind" as a wildcard ARN, for the one-question prefilter ``may``.
ANY_OF_KIND = {
    "identity.user": "arn:{partition}:iam::{account}:user/*",
    "identity.role": "arn:{partition}:iam::{account}:role/*",
    "identity.group": "arn:{partition}:iam::{account}:group/*",
    "identity.policy": "arn:{partition}:iam::{account}:policy/*",
    "compute.instance": "arn:{partition}:ec2:{region}:{account}:instance/*",
    "compute.function": "arn:{partition}:lambda:{region}:{account}:function:*",
    "ai.notebook": "arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*",
}

# Actions that lift a permissions boundary off a user or role: without one of
# them, permissions written onto a bounded identity stay inside the boundary.
_LIFT_BOUNDARY = {
    "identity.user": ("iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary"),
    "identity.role": ("iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"),
}


@dataclass
class Grant:
    """Evidence that every required action is allowed: one entry per action, the decision that allowed it."""

    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def conditional(self) -> bool:
        """True when any action is allowed only under conditions the snapshot cannot decide."""
        return any(e["decision"] == "conditional" for e in self.evidence)

    @property
    def conditions(self) -> list[dict[str, Any]]:
        """The unresolved condition blocks, each with the action it gates."""
        return [{"action": e["action"], **c} for e in self.evidence for c in e.get("conditions", [])]

    def merged(self, other: Grant) -> Grant:
        """Both grants' evidence (an escalation needing two checks, e.g. a role and an existing function)."""
        return Grant(self.evidence + other.evidence)


@dataclass
class Escalation:
    """One way for ``principal`` to gain ``target`` (a principal, or its account's admin)."""

    principal: str
    technique: Technique
    target: str
    via: str
    grant: Grant
    to_admin: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        """The JSON-serializable evidence of this escalation (one entry of an edge's ``techniques``)."""
        out: dict[str, Any] = {
            "technique": self.technique.id,
            "title": self.technique.title,
            "actions": self.technique.actions,
            "via": self.via,
            "conditional": self.grant.conditional,
            "evidence": self.grant.evidence,
            **self.extra,
        }
        if self.grant.conditional:
            out["conditions"] = self.grant.conditions
        if self.to_admin:
            out["to"] = ADMIN
        return out


def _decision_evidence(action: str, resource: str, decision: Decision) -> dict[str, Any]:
    entry: dict[str, Any] = {"action": action, "resource": resource, "decision": decision.effect,
                             "statements": list(decision.statements)}
    if decision.effect == "conditional":
        entry["conditions"] = list(decision.conditions)
    return entry


class EscalationContext:
    """The graph, its permission evaluator, and per-run caches the checkers share."""

    def __init__(self, graph: EstateGraph, evaluator: PermissionEvaluator | None = None) -> None:
        self.graph = graph
        self.evaluator = evaluator or shared_evaluator(graph)
        self._admin: dict[str, bool] = {}
        self._accesses: dict[str, dict[str, frozenset[str]]] = {}
        self._action_sets: dict[frozenset[str], frozenset[str]] = {}
        self._items: dict[str, frozenset[tuple[str, frozenset[str]]]] = {}
        self._by_account: dict[tuple[str, ...], dict[str | None, list[Node]]] = {}
        self._assumable: dict[str, dict[str | None, list[tuple[Node, Edge]]]] = {}
        self._more: dict[tuple[str, str], bool] = {}
        self._resource_policies: dict[str, bool] = {}

    # --- principals and what they hold -------------------------------------------------------

    def principals(self) -> list[Node]:
        """Collected users and roles (references are other accounts' business), sorted by id."""
        return sorted((n for n in self.graph.nodes_of(*PRINCIPAL_KINDS) if not n.reference), key=lambda n: n.id)

    def is_admin(self, principal_id: str) -> bool:
        """Effectively every action on every resource (cached)."""
        if principal_id not in self._admin:
            self._admin[principal_id] = bool(self.evaluator.is_admin(principal_id))
        return self._admin[principal_id]

    def assumable_roles(self, principal_id: str) -> dict[str, Edge]:
        """Roles the principal can assume directly, with the can_assume edge that says so."""
        out = {}
        for edge in self.graph.out_edges(principal_id, "can_assume"):
            node = self.graph.node(edge.target)
            if node is not None and node.kind == "identity.role" and edge.target != principal_id:
                out[edge.target] = edge
        return out

    def groups_of(self, user_id: str) -> list[str]:
        """Groups the user is a member of."""
        return sorted(e.target for e in self.graph.out_edges(user_id, "member_of"))

    def boundary_of(self, identity_id: str) -> str | None:
        """The permissions boundary policy of a user or role, if any."""
        for edge in self.graph.out_edges(identity_id, "has_policy"):
            if edge.detail.get("boundary"):
                return edge.target
        node = self.graph.node(identity_id)
        return (node.props.get("permissions_boundary") if node else None) or None

    def account_node(self, node: Node) -> str:
        """The account node id of a node (``arn:<partition>:iam::<account>:root``)."""
        return account_node_id(node.id, account_of(node) or "")

    @staticmethod
    def same_account(a: Node, b: Node) -> bool:
        """Both nodes belong to one known account (a role is passed, a user taken over, within its account)."""
        account = account_of(a)
        return account is not None and account == account_of(b)

    def in_account(self, account_of_node: Node, *kinds: str) -> list[Node]:
        """Collected nodes of ``kinds`` in the account of ``account_of_node``, sorted by id.

        Checkers ask this once per principal: indexed by account once per context,
        so a thousand-account organization is not scanned per principal.
        """
        index = self._by_account.get(kinds)
        if index is None:
            index = self._by_account[kinds] = {}
            for node in sorted(self.graph.nodes_of(*kinds), key=lambda n: n.id):
                if not node.reference:
                    index.setdefault(account_of(node), []).append(node)
        account = account_of(account_of_node)
        return index.get(account, []) if account is not None else []

    def assumable_by_service(self, service: str, principal: Node) -> list[tuple[Node, Edge]]:
        """Roles of the principal's account that ``service`` may assume, with the ``can_assume`` edge."""
        index = self._assumable.get(service)
        if index is None:
            index = self._assumable[service] = {}
            for edge in self.graph.out_edges(f"service:{service}", "can_assume"):
                role = self.graph.node(edge.target)
                if role is not None and role.kind == "identity.role" and not role.reference:
                    index.setdefault(account_of(role), []).append((role, edge))
            for roles in index.values():
                roles.sort(key=lambda pair: pair[0].id)
        account = account_of(principal)
        return index.get(account, []) if account is not None else []

    # --- asking the evaluator -----------------------------------------------------------------

    def decide(self, principal_id: str, action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
        """The evaluator's decision (one place, so every checker asks the same way)."""
        return self.evaluator.decide(principal_id, action, resource, context)

    def allowed(self, principal_id: str, need: Need, resource: str,
                context: dict[str, str] | None = None) -> dict[str, Any] | None:
        """Evidence that ``need`` is allowed (or conditional) on ``resource``, else None."""
        ctx = {**dict(need.context), **(context or {})} or None
        decision = self.decide(principal_id, need.action, resource, ctx)
        return _decision_evidence(need.action, resource, decision) if decision.effect in ALLOWING else None

    def grant(self, principal: Node, needs: Iterable[Need], bindings: dict[str, str],
              context: dict[str, str] | None = None) -> Grant | None:
        """Evidence that every need is allowed on its bound resource, or None at the first refusal.

        ``bindings`` maps ``Need.on`` (target, role, compute) to a resource id;
        ``new`` needs are asked about the wildcard ARN of what they create
        (``some_resource``), since the attacker picks its name and region.
        """
        grant = Grant()
        for need in needs:
            if need.on == "new":
                found = self._best_new(principal, need, context)
            else:
                found = self.allowed(principal.id, need, bindings[need.on], context)
            if found is None:
                return None
            grant.evidence.append(found)
        return grant

    def _best_new(self, principal: Node, need: Need, context: dict[str, str] | None) -> dict[str, Any] | None:
        return self.allowed(principal.id, need, self.some_resource(principal, need.creates), context)

    def some_resource(self, principal: Node, pattern: str) -> str:
        """``pattern`` filled in for the principal's account and any region: a wildcard ARN.

        The evaluator reads a wildcard resource as "some resource of this
        form": an allow applies if it could match one, a deny refuses only if
        it covers all. So an allow scoped to a name prefix or one region counts.
        """
        partition, account = self.account_node(principal).split(":")[1:5:3]
        return pattern.format(partition=partition, region="*", account=account)

    def could_apply(self, principal: Node, technique: Technique) -> bool:
        """A cheap necessary condition for ``technique``, checked before any question is asked.

        Every required action must be named by an Allow of the principal's
        identity policies, unless the resource it acts on may grant it by its
        own policy. IAM, PassRole and "create" actions are granted only by identity
        policies; existing compute (Lambda functions) may carry a resource
        policy that grants on its own, so such needs are never skipped.
        """
        profile = self.evaluator.profile(principal.id)
        if profile is None:
            return False
        for need in technique.needs:
            if need.on in ("target", "compute") and any(self._has_resource_policies(k) for k in technique.compute):
                continue
            if not any(s.effect == "allow" for s in profile.for_action(need.action.lower()).identity):
                return False
        return True

    def may(self, principal: Node, needs: Iterable[Need], kind: str) -> bool:
        """Whether every need could be allowed on some resource of ``kind`` (a necessary condition).

        One question per need instead of one per resource: most principals
        hold none of these actions, and the checkers skip them here. Kinds
        whose resources carry their own policies (which may grant on their
        own) are never skipped.
        """
        template = ANY_OF_KIND.get(kind)
        if template is None or self._has_resource_policies(kind):
            return True
        resource = self.some_resource(principal, template)
        return all(self.allowed(principal.id, n, resource) is not None for n in needs)

    def _has_resource_policies(self, kind: str) -> bool:
        if kind not in self._resource_policies:
            self._resource_policies[kind] = any(n.props.get("policy") for n in self.graph.nodes_of(kind))
        return self._resource_policies[kind]

    def can_lift_boundary(self, principal: Node, identity: Node) -> dict[str, Any] | None:
        """Evidence that ``principal`` can remove or replace ``identity``'s permissions boundary."""
        for action in _LIFT_BOUNDARY.get(identity.kind, ()):
            found = self.allowed(principal.id, Need(action), identity.id)
            if found is not None:
                return found
        return None

    # --- is a target worth having? --------------------------------------------------------------

    def grants_more(self, principal_id: str, target_id: str) -> bool:
        """Whether becoming ``target`` gives ``principal`` something it lacks.

        True when the target is admin-equivalent, or holds an access (an
        action of a ``can_access`` edge on a resource) or a role assumption
        (``can_assume``) the principal does not. Access the graph has no edge
        for (actions on ``*`` alone) is not compared, so such a target counts
        only when it is admin.
        """
        if target_id == principal_id:
            return False
        if self.is_admin(target_id):
            return True
        key = (principal_id, target_id)
        if key not in self._more:
            self._more[key] = self._holds_more(target_id, principal_id)
        return self._more[key]

    def _holds_more(self, target_id: str, principal_id: str) -> bool:
        mine = self.accesses(principal_id)
        # Most (resource, actions) pairs are shared outright (a C-speed set difference);
        # only the rest need a pattern comparison.
        for resource, actions in self._access_items(target_id) - self._access_items(principal_id):
            held = mine.get(resource)
            if held is None or not all(_covered(action, held) for action in actions):
                return True
        return False

    def _access_items(self, principal_id: str) -> frozenset[tuple[str, frozenset[str]]]:
        if principal_id not in self._items:
            self._items[principal_id] = frozenset(self.accesses(principal_id).items())
        return self._items[principal_id]

    def accesses(self, principal_id: str) -> dict[str, frozenset[str]]:
        """Action patterns (lower-case) per resource from can_access edges, and sts:assumerole per can_assume edge.

        Equal action sets are one shared object (cheap to hash and compare in
        the set difference of ``grants_more``).
        """
        if principal_id not in self._accesses:
            found: dict[str, set[str]] = {}
            for edge in self.graph.out_edges(principal_id):  # one pass over both kinds
                if edge.kind == "can_access":
                    found.setdefault(edge.target, set()).update(access_actions(edge))
                elif edge.kind == "can_assume":
                    found.setdefault(edge.target, set()).add("sts:assumerole")
            self._accesses[principal_id] = {k: self._intern(frozenset(v)) for k, v in found.items()}
        return self._accesses[principal_id]

    def _intern(self, actions: frozenset[str]) -> frozenset[str]:
        return self._action_sets.setdefault(actions, actions)


def _covered(action: str, held: frozenset[str]) -> bool:
    """Whether the held patterns grant every action ``action`` (itself possibly a pattern like ``s3:get*``) names."""
    if action in held or "*" in held:
        return True
    named = expand(action) if has_wildcard(action) else [action]
    return bool(named) and all(any(action_matches(p, a) for p in held) for a in named)


def access_actions(edge: Edge) -> list[str]:
    """The action patterns a can_access edge grants, lower-case (``actions`` as a list, or a map by action)."""
    actions = edge.detail.get("actions") or []
    if isinstance(actions, dict):
        actions = list(actions)
    return [str(a).lower() for a in actions]


def edge_evidence(edge: Edge, action: str) -> dict[str, Any]:
    """An existing edge (a role assumption, a service's trust) as one entry of a grant's evidence."""
    conditional = bool(edge.detail.get("conditional"))
    entry: dict[str, Any] = {"action": action, "resource": edge.target, "decision": "conditional" if conditional
                             else "allow", "statements": list(edge.detail.get("statements") or []),
                             "edge": {"from": edge.source, "to": edge.target, "kind": edge.kind}}
    if conditional:
        entry["conditions"] = list(edge.detail.get("conditions") or [])
    return entry
