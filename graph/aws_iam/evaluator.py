"""The one AWS permission evaluator every analyzer asks: "can P do A on R?".

Evaluation follows AWS's documented order, three-valued (allow, deny, or
conditional when the snapshot cannot decide a condition or variable):

1. An explicit Deny that applies (identity, boundary, SCP or the resource's
   policy) wins. A Deny whose conditions are undecided makes the answer
   conditional, never a silent allow.
2. SCPs: every level from the organization root to the account must allow
   (see ``principals.PolicyLibrary``: not applied, with a note, when the tree is
   unknown; never to the management account or service-linked roles).
3. Same account: the resource policy naming the principal (or ``*``) grants on
   its own (for a role, still within its boundary); otherwise the identity
   policies must allow, within the permissions boundary.
   Cross-account: the resource policy must name the principal or its account
   root AND the identity policies (within the boundary) must allow.
   KMS key policies and role trust policies must always allow: a statement
   naming the account root lets IAM policies decide (delegation); one naming
   the principal suffices in its own account.

Resources are ARNs. An S3 bucket node ``arn:aws:s3:::b`` stands for the
bucket and its objects: bucket actions are asked about ``arn:aws:s3:::b`` and
object actions about ``arn:aws:s3:::b/*`` ("some object of b": an Allow on
``b/reports/*`` grants it, a Deny must cover every object to refuse it). Any
resource with ``*``/``?`` is read the same way ("some resource of that form").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.aws_iam import access_levels
from cloudwarden.graph.aws_iam.applies import applies
from cloudwarden.graph.aws_iam.conditions import evaluate
from cloudwarden.graph.aws_iam.context import NO_RESOURCE, RequestContext, ResourceFacts
from cloudwarden.graph.aws_iam.gates import (
    OPEN,
    Gate,
    all_of,
    any_of,
    condition_entry,
    gate,
    refs,
)
from cloudwarden.graph.aws_iam.matching import MAYBE, NO, UNKNOWN, YES
from cloudwarden.graph.aws_iam.principals import (
    ActionStatements,
    PolicyLibrary,
    PrincipalProfile,
    account_node_id,
    account_of,
    org_id,
)
from cloudwarden.graph.aws_iam.resource_policies import ResourcePolicy, build
from cloudwarden.graph.aws_iam.statements import ACCOUNT, DIRECT, Statement
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

PRINCIPAL_KINDS = ("identity.user", "identity.role")
ALL_ACTIONS = ("*", "*:*")
# Actions that let a principal grant itself anything: an "admin" must not be denied these anywhere.
ADMIN_CORE = ("iam:attachuserpolicy", "iam:attachrolepolicy", "iam:putuserpolicy", "iam:putrolepolicy",
              "iam:createpolicyversion", "iam:passrole", "iam:updateassumerolepolicy", "sts:assumerole")


@dataclass
class Decision:
    """The answer to one question, with its evidence.

    ``statements``: the granting statements (allow) or the denying ones (deny),
    each ``{policy, sid, effect, kind}``; ``conditions``: the undecided
    statements with their open ``condition`` blocks (or ``variables``) when
    conditional; ``notes``: what was not applied (unknown SCP tree, unreadable policy).
    """

    effect: str  # allow | deny | implicit_deny | conditional
    statements: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """Allowed, possibly only under conditions."""
        return self.effect in ("allow", "conditional")


@dataclass
class Target:
    """The resource of a question: its ARN (possibly a wildcard form), node, account, facts and policy.

    ``wide_only`` is for shared answers about every resource of a kind in an
    account: only statements on every resource (``*`` or ``NotResource``) match.
    """

    resource: str
    node: Node | None
    account: str | None
    facts: ResourceFacts
    policy: ResourcePolicy | None
    wide_only: bool = False
    notes: tuple[str, ...] = ()


def shared_evaluator(graph: EstateGraph) -> PermissionEvaluator:
    """One evaluator per graph, so analyzers run in a row compile each policy and principal once.

    Kept on the graph itself (its lifetime is the graph's): a weak-keyed map
    cost a quarter of a millisecond per lookup on large graphs.
    """
    evaluator = graph.__dict__.get("_permission_evaluator")
    if evaluator is None:
        evaluator = graph.__dict__["_permission_evaluator"] = PermissionEvaluator(graph)
    return evaluator


class PermissionEvaluator:
    """Effective AWS permissions over an ``EstateGraph`` (profiles and policies compiled once, cached)."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.library = PolicyLibrary(graph)
        self._profiles: dict[str, PrincipalProfile | None] = {}
        self._policies: dict[str, ResourcePolicy | None] = {}
        self._orgs: dict[str, object] = {}
        self._admin: dict[str, bool] = {}
        self._plans: dict[tuple[Any, ...], tuple[tuple[str, bool], ...]] = {}
        self._identity_cache: dict[tuple[str, int], tuple[tuple[tuple[str, bool], ...], frozenset[str]]] = {}

    # --- public questions ------------------------------------------------------------

    def decide(self, principal_id: str, action: str, resource: str, context: dict[str, Any] | None = None) -> Decision:
        """Whether ``principal_id`` may perform ``action`` on ``resource`` (see module doc)."""
        profile = self.profile(principal_id)
        if profile is None:
            return Decision("implicit_deny", notes=[f"{principal_id} is not a collected user or role"])
        return self.decide_for(profile, action.lower(), self.target(resource), context)

    def allowed_actions(self, principal_id: str, resource: str,
                        patterns: list[str] | None = None) -> dict[str, Decision]:
        """Actions allowed (or conditionally allowed) on ``resource``; denied ones are left out.

        Without ``patterns``, every action the Service Authorization Reference
        lists for the resource's type (a bucket: bucket and object actions).
        """
        profile = self.profile(principal_id)
        if profile is None:
            return {}
        node = self.graph.node(resource)
        if patterns is None:
            if node is not None:
                return self.evaluate_node(profile, node, self.action_plan(node))
            return self._evaluate_pairs(profile, [(a, resource) for a in access_levels.actions_for_arn(resource)], None)
        wanted = {a for p in patterns for a in access_levels.expand(p)}
        if node is not None:
            planned = self.node_actions(node)
            pairs = [(a, r) for a, r in planned if a in wanted]
            pairs += [(a, resource) for a in sorted(wanted - {a for a, _ in planned})]
        else:
            pairs = [(a, resource) for a in sorted(wanted)]
        return self._evaluate_pairs(profile, pairs, node)

    def is_admin(self, principal_id: str) -> bool:
        """Every action on every resource, with no Deny that could stop it granting itself more.

        True when the identity policies, the boundary (if any) and every SCP
        level allow ``*`` on ``*`` without undecided conditions, and no Deny
        (identity, boundary, SCP) may refuse one of ``ADMIN_CORE`` on every
        resource. Denies of other actions remain (``admin_limits``).
        """
        if principal_id not in self._admin:
            self._admin[principal_id] = self._is_admin(principal_id)
        return self._admin[principal_id]

    def admin_limits(self, principal_id: str) -> list[dict[str, Any]]:
        """Deny statements (identity, boundary, SCP) that may apply to the principal."""
        profile = self.profile(principal_id)
        if profile is None:
            return []
        levels = [s for level in profile.scp_levels or [] for s in level]
        return refs([s for s in [*profile.identity, *(profile.boundary or []), *levels] if s.effect == "deny"])

    # --- building blocks (used by the analyzers) ---------------------------------------

    def profile(self, principal_id: str) -> PrincipalProfile | None:
        """The compiled profile of a collected user or role (None for anything else)."""
        if principal_id not in self._profiles:
            node = self.graph.node(principal_id)
            ok = node is not None and node.kind in PRINCIPAL_KINDS and node.cloud == "aws" and not node.reference
            self._profiles[principal_id] = self.library.profile(node) if ok else None  # type: ignore[arg-type]
        return self._profiles[principal_id]

    def resource_policy(self, node: Node) -> ResourcePolicy | None:
        """The node's resource, key or trust policy, compiled (cached)."""
        if node.id not in self._policies:
            self._policies[node.id] = build(node, account_of(node))
        return self._policies[node.id]

    def target(self, resource: str, *, node: Node | None = None, wide_only: bool = False,
               policy: ResourcePolicy | None | bool = True) -> Target:
        """A ``Target`` for an ARN (an S3 object ARN finds its bucket's node and policy)."""
        if node is None:
            node = self.graph.node(resource)
            if node is None and ":s3:::" in resource and "/" in resource:
                node = self.graph.node(resource.split("/", 1)[0])
        account = account_of(node) if node is not None else _arn_account(resource)
        notes: tuple[str, ...] = () if account else (f"account of {resource} unknown: evaluated as same-account",)
        if node is None:
            facts = NO_RESOURCE if not account else ResourceFacts(account, self._org(resource, account), None, False)
        else:
            org = self._org(node.id, account) if account else UNKNOWN
            facts = ResourceFacts(account, org, node.tags, not node.reference)
        if policy is True:
            policy = self.resource_policy(node) if node is not None else None
        return Target(resource, node, account, facts, policy or None, wide_only, notes)

    def action_plan(self, node: Node) -> tuple[tuple[str, bool], ...]:
        """The actions to ask about a node, each with whether it is asked of the node's objects (buckets).

        Shared by every node of the same kind and ARN shape (cached).
        """
        key = (node.kind, access_levels.resource_types(node.id))
        plan = self._plans.get(key)
        if plan is None:
            plan = tuple((a, False) for a in access_levels.actions_for_arn(node.id))
            if node.kind == "storage.bucket":
                plan += tuple((a, True) for a in access_levels.actions_for_arn(node.id + "/*"))
            self._plans[key] = plan
        return plan

    def node_actions(self, node: Node) -> list[tuple[str, str]]:
        """(action, resource ARN) pairs to ask about a node: its type's actions (a bucket's objects too)."""
        return [(a, node.id + "/*" if objects else node.id) for a, objects in self.action_plan(node)]

    def evaluate_node(self, profile: PrincipalProfile, node: Node, plan: tuple[tuple[str, bool], ...], *,
                      wide_only: bool = False, policy: ResourcePolicy | None | bool = True) -> dict[str, Decision]:
        """Decisions on one node for the actions of ``plan`` (see ``action_plan``); only allowed ones kept.

        ``plan`` should be a long-lived shared tuple (``action_plan`` or a fixed
        subset of it): which of its actions the principal's identity policies
        cover is cached per (principal, plan).

        Actions no Allow could grant (no identity statement covers them and the
        resource policy does not name the caller for them) are skipped: they are
        implicit denies whatever else applies.
        """
        if policy is True:
            policy = self.resource_policy(node)
        identity = self._identity_actions(profile, plan)
        named = [s for s in policy.statements if s.effect == "allow" and s.names(profile.caller)] if policy else []
        targets: dict[bool, Target] = {}
        out: dict[str, Decision] = {}
        for action, objects in plan:
            if action not in identity and not (named and any(s.matches_action(action) for s in named)):
                continue
            target = targets.get(objects)
            if target is None:
                resource = node.id + "/*" if objects else node.id
                target = targets[objects] = self.target(resource, node=node, wide_only=wide_only, policy=policy)
            decision = self.decide_for(profile, action, target)
            if decision.allowed:
                out[action] = decision
        return out

    def _identity_actions(self, profile: PrincipalProfile, plan: tuple[tuple[str, bool], ...]) -> frozenset[str]:
        """Actions of a plan some identity Allow of the principal covers (cached per principal and plan)."""
        key = (profile.node.id, id(plan))
        entry = self._identity_cache.get(key)
        if entry is None or entry[0] is not plan:  # the entry holds its plan, so the id cannot be reused under it
            found = frozenset(a for a, _ in plan if any(s.effect == "allow" for s in profile.for_action(a).identity))
            entry = self._identity_cache[key] = (plan, found)
        return entry[1]

    def _evaluate_pairs(self, profile: PrincipalProfile, pairs: list[tuple[str, str]],
                        node: Node | None) -> dict[str, Decision]:
        """Decisions for (action, resource) pairs of one node; only allowed and conditional ones are kept."""
        targets: dict[str, Target] = {}
        out: dict[str, Decision] = {}
        policy = self.resource_policy(node) if node is not None else None
        for action, resource in pairs:
            if not self._may_grant(profile, action, policy):
                continue  # no Allow anywhere covers the action: an implicit deny, not worth evaluating
            target = targets.get(resource)
            if target is None:
                target = targets[resource] = self.target(resource, node=node, policy=policy)
            decision = self.decide_for(profile, action, target)
            if decision.allowed:
                out[action] = decision
        return out

    def decide_for(self, profile: PrincipalProfile, action: str, target: Target,
                   context: dict[str, Any] | None = None) -> Decision:
        """The decision for a lower-case action on a prepared target."""
        rc = RequestContext(profile.facts, target.facts, context)
        notes = [*profile.notes, *target.notes]
        acts = profile.for_action(action)
        caller = profile.caller
        resource_stmts = target.policy.for_action(action) if target.policy is not None else []
        deny_maybe: list[tuple[Statement, dict[str, Any]]] = []
        denies = [s for s in (*acts.identity, *acts.boundary, *(s for lv in acts.scp_levels for s in lv))
                  if s.effect == "deny"]
        denies += [s for s in resource_stmts if s.effect == "deny" and s.names(caller)]
        for stmt in denies:
            tri, undecided = applies(stmt, target.resource, target.wide_only, rc, every=True)
            if tri == YES:
                return Decision("deny", [stmt.ref()], notes=notes)
            if tri == MAYBE:
                deny_maybe.append((stmt, undecided))
        grant = self._grant(profile, action, acts, resource_stmts, target, rc)
        if grant.tri == NO:
            return Decision("implicit_deny", notes=notes)
        conditions = [condition_entry(s, u) for s, u in [*grant.maybe, *deny_maybe]]
        effect = "allow" if grant.tri == YES and not deny_maybe else "conditional"
        return Decision(effect, refs(grant.statements), conditions, notes)

    # --- internals -------------------------------------------------------------------

    def _may_grant(self, profile: PrincipalProfile, action: str, policy: ResourcePolicy | None) -> bool:
        """Whether some Allow (identity, or the resource policy naming the caller) covers the action."""
        if any(s.effect == "allow" for s in profile.for_action(action).identity):
            return True
        return policy is not None and any(s.effect == "allow" and s.names(profile.caller)
                                          for s in policy.for_action(action))

    def _grant(self, profile: PrincipalProfile, action: str, acts: ActionStatements, resource_stmts: list[Statement],
               target: Target, rc: RequestContext) -> Gate:
        def allows(statements: list[Statement]) -> Gate:
            hits = []
            for stmt in statements:
                if stmt.effect == "allow":
                    tri, undecided = applies(stmt, target.resource, target.wide_only, rc, every=False)
                    if tri != NO:
                        hits.append((stmt, tri, undecided))
            return gate(hits)

        identity = allows(acts.identity)
        boundary = allows(acts.boundary) if profile.boundary is not None else OPEN
        scp = all_of(*(allows(level) for level in acts.scp_levels)) if profile.scp_levels is not None else OPEN
        direct_stmts = [s for s in resource_stmts if s.effect == "allow" and s.names(profile.caller) == DIRECT]
        account_stmts = [s for s in resource_stmts if s.effect == "allow" and s.names(profile.caller) == ACCOUNT]
        direct, via_account = allows(direct_stmts), allows(account_stmts)
        same = target.account is None or target.account == profile.account
        bounded_direct = all_of(direct, boundary) if profile.node.kind == "identity.role" else direct
        iam = all_of(identity, boundary)
        policy = target.policy
        if not same:
            granted = all_of(any_of(direct, via_account), iam)
        elif policy is not None and policy.must_allow and policy.governs(action):
            granted = any_of(bounded_direct, all_of(via_account, iam))
        else:
            granted = any_of(bounded_direct, iam)
        return all_of(granted, scp)

    def _is_admin(self, principal_id: str) -> bool:
        profile = self.profile(principal_id)
        if profile is None:
            return False
        rc = RequestContext(profile.facts, NO_RESOURCE)

        def allows_everything(statements: list[Statement]) -> bool:
            return any(s.effect == "allow" and not s.not_action and set(s.actions) & set(ALL_ACTIONS)
                       and s.every_resource and evaluate(s.condition, rc)[0] == YES for s in statements)

        if not allows_everything(profile.identity):
            return False
        if profile.boundary is not None and not allows_everything(profile.boundary):
            return False
        if profile.scp_levels is not None and not all(allows_everything(level) for level in profile.scp_levels):
            return False
        for action in ADMIN_CORE:
            acts = profile.for_action(action)
            for stmt in (*acts.identity, *acts.boundary, *(s for lv in acts.scp_levels for s in lv)):
                if stmt.effect == "deny" and applies(stmt, "*", False, rc, every=True)[0] != NO:
                    return False
        return True

    def _org(self, arn: str, account: str) -> object:
        """``aws:ResourceOrgID`` of an account (cached)."""
        if account not in self._orgs:
            self._orgs[account] = org_id(self.graph, account_node_id(arn, account))
        return self._orgs[account]


def _arn_account(resource: str) -> str | None:
    parts = resource.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] and "*" not in parts[4] else None
