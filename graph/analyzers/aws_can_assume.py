"""``can_assume`` and ``trusts``: who can become which AWS role, and whom roles trust outside the estate.

``can_assume`` caller -> role, when the role's trust policy admits the caller
and the caller may ask (``PermissionEvaluator.decide(caller, "sts:AssumeRole",
role)``, which applies AWS's rules): in the role's own account a trust
statement naming the caller's ARN (or ``*``) suffices, one naming the account
root needs the caller's identity policy to allow ``sts:AssumeRole`` on the
role; across accounts both must allow. Denies, boundaries and SCPs apply.
Callers considered: principals named in the trust, the collected principals
of a trusted account whose identity policies can cover ``sts:AssumeRole``,
and, for ``*``/``NotPrincipal``, every such principal (and every principal of
the role's own account). Detail: ``statements``, ``conditional``, ``conditions``.

``can_assume`` ``service:<name>`` -> role, for service principals the trust
admits (``service:ec2.amazonaws.com``, a reference node of kind
``identity.service_account``): what PassRole techniques hand roles to.

``trusts`` role -> trusted principal, account or identity provider, for trust
outside the role's account and for federation (SAML/OIDC providers, web
identity). Detail: ``external_id`` (every admitting statement requires
``sts:ExternalId``), ``whole_account`` (the account root is trusted),
``wildcard`` (``*`` or ``NotPrincipal``), ``third_party`` (the account is not
one of the snapshot's accounts nor of its organization; always true for a
public web identity provider), ``federated``, ``statements`` and
``conditions``. Targets that were not collected become reference nodes:
accounts as ``arn:aws:iam::<acct>:root`` (kind ``account``), the wildcard as
``aws:principal:*``, providers by ARN (or ``federated:<name>``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.aws_iam.arn_index import ArnIndex
from cloudwarden.graph.aws_iam.conditions import evaluate
from cloudwarden.graph.aws_iam.context import NO_RESOURCE, RequestContext, service_facts
from cloudwarden.graph.aws_iam.evaluator import PermissionEvaluator, shared_evaluator
from cloudwarden.graph.aws_iam.gates import condition_entry, gate, refs
from cloudwarden.graph.aws_iam.matching import NO, YES
from cloudwarden.graph.aws_iam.principals import account_of
from cloudwarden.graph.aws_iam.statements import Caller, Statement, principal_names
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node

ASSUME = "sts:assumerole"
ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")
PRINCIPAL_KINDS = ("identity.user", "identity.role")
WILDCARD_ID = "aws:principal:*"
SERVICE_PREFIX = "service:"


def run(graph: EstateGraph) -> Iterator[Edge]:
    """can_assume edges (principals and services to roles) and trusts edges (roles to outsiders)."""
    evaluator = shared_evaluator(graph)
    callers = _Callers(graph, evaluator)
    known = _known_accounts(graph)
    for role in sorted(graph.nodes_of("identity.role"), key=lambda n: n.id):
        if role.cloud != "aws" or role.reference:
            continue
        policy = evaluator.resource_policy(role)
        if policy is None:
            continue
        statements = [s for s in policy.statements if any(s.matches_action(a) for a in ASSUME_ACTIONS)]
        account = account_of(role)
        for caller_id in sorted(callers.candidates(role.id, statements, account) - {role.id}):
            decision = evaluator.decide(caller_id, ASSUME, role.id)
            if decision.allowed:
                detail: dict[str, Any] = {"statements": decision.statements,
                                          "conditional": decision.effect == "conditional",
                                          "conditions": decision.conditions}
                if decision.notes:
                    detail["notes"] = decision.notes
                yield Edge(source=caller_id, target=role.id, kind="can_assume", detail=detail)
        yield from _service_edges(graph, role, statements)
        yield from _trust_edges(graph, role, account, statements, known)


class _Callers:
    """Collected users and roles by account, and whose identity Allows can cover AssumeRole on which roles.

    An asker's ``sts:AssumeRole`` statements on every resource make it a
    candidate for every role; statements naming role ARNs are matched once
    through an ``ArnIndex`` of the roles, so a role trusting its account root is
    only checked against principals that could ask for it.
    """

    def __init__(self, graph: EstateGraph, evaluator: PermissionEvaluator) -> None:
        self.by_account: dict[str | None, list[str]] = defaultdict(list)
        self.wide_askers: dict[str | None, list[str]] = defaultdict(list)
        self.askers_of: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, str] = {}
        roles = ArnIndex(n.id for n in graph.nodes_of("identity.role") if n.cloud == "aws" and not n.reference)
        for node in sorted(graph.nodes_of(*PRINCIPAL_KINDS), key=lambda n: n.id):
            profile = evaluator.profile(node.id)
            if profile is None:
                continue
            self.by_account[profile.account].append(node.id)
            for name in profile.caller.names:
                self.by_name[name] = node.id
            allows = [s for s in profile.for_action(ASSUME).identity if s.effect == "allow"]
            if any(s.every_resource or s.not_resource for s in allows):
                self.wide_askers[profile.account].append(node.id)
                continue
            for role_id in {r for s in allows for p in s.specific_patterns for r in roles.matching(p)}:
                self.askers_of[role_id].add(node.id)

    def askers(self, role_id: str, account: str | None = None) -> set[str]:
        """Principals (of ``account``, or of any account) whose identity Allows may cover assuming the role."""
        wide = self.wide_askers.get(account, ()) if account is not None else (
            c for ids in self.wide_askers.values() for c in ids)
        specific = self.askers_of.get(role_id, set())
        if account is not None:
            specific = {c for c in specific if c.split(":")[4] == account}
        return {*wide, *specific}

    def candidates(self, role_id: str, statements: list[Statement], role_account: str | None) -> set[str]:
        """Principals a trust policy's Allow statements may admit."""
        found: set[str] = set()
        for stmt in statements:
            if stmt.effect != "allow" or stmt.principals is None:
                continue
            names = principal_names(stmt.principals)
            if stmt.not_principal or "*" in names:
                found.update(self.by_account.get(role_account, ()))
                found.update(self.askers(role_id))
                continue
            for name in names:
                if name.startswith("root:"):
                    found.update(self.askers(role_id, name[len("root:"):]))
                elif name in self.by_name:
                    found.add(self.by_name[name])
        return found


def _service_edges(graph: EstateGraph, role: Node, statements: list[Statement]) -> Iterator[Edge]:
    """``service:<name>`` -can_assume-> role for each service principal the trust admits (and does not deny)."""
    services = sorted({s.lower() for stmt in statements if stmt.principals and not stmt.not_principal
                       for s in stmt.principals.get("Service", ())})
    for service in services:
        caller = Caller(arn=f"{SERVICE_PREFIX}{service}", account=None, service=service)
        rc = RequestContext(service_facts(service), NO_RESOURCE)
        allows, open_denies, denied = [], [], False
        for stmt in (s for s in statements if s.names(caller)):
            outcome, undecided = evaluate(stmt.condition, rc)
            if stmt.effect == "allow" and outcome != NO:
                allows.append((stmt, outcome, {"condition": undecided} if undecided else {}))
            elif stmt.effect == "deny" and outcome != NO:
                denied = denied or outcome == YES
                open_denies.append(condition_entry(stmt, {"condition": undecided}))
        verdict = gate(allows)
        if denied or verdict.tri == NO:
            continue
        node_id = _ensure(graph, f"{SERVICE_PREFIX}{service}", "identity.service_account", service,
                          native_type="AWS::IAM::ServicePrincipal")
        conditions = [condition_entry(s, u) for s, u in verdict.maybe] + open_denies
        yield Edge(source=node_id, target=role.id, kind="can_assume",
                   detail={"statements": refs(verdict.statements), "conditional": bool(conditions),
                           "conditions": conditions})


def _trust_edges(graph: EstateGraph, role: Node, account: str | None, statements: list[Statement],
                 known: set[str]) -> Iterator[Edge]:
    """``trusts`` edges to principals outside the role's account, the wildcard and identity providers."""
    found: dict[str, dict[str, Any]] = {}
    for stmt in statements:
        if stmt.effect != "allow" or stmt.principals is None:
            continue
        for target_id, flags in _trusted(graph, stmt, account, known):
            entry = found.setdefault(target_id, {**flags, "external_id": True, "statements": [], "conditions": []})
            entry["external_id"] = entry["external_id"] and _requires_external_id(stmt)
            entry["statements"].append(stmt.ref())
            if stmt.condition:
                entry["conditions"].append({**stmt.ref(), "condition": stmt.condition})
    for target_id, detail in sorted(found.items()):
        yield Edge(source=role.id, target=target_id, kind="trusts", detail=detail)


def _trusted(graph: EstateGraph, stmt: Statement, account: str | None,
             known: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    base = {"whole_account": False, "wildcard": False, "third_party": False, "federated": False}
    partition = _partition(stmt.policy)
    if stmt.not_principal or "*" in stmt.principals.get("AWS", ()):  # type: ignore[union-attr]
        node_id = _ensure(graph, WILDCARD_ID, "account", "any AWS principal")
        yield node_id, {**base, "wildcard": True, "third_party": True}
        return
    for value in stmt.principals.get("AWS", ()):  # type: ignore[union-attr]
        name = next(iter(principal_names({"AWS": (value,)})))
        if name.startswith("root:"):
            acct = name[len("root:"):]
            if acct == account:
                continue  # the role's own account: can_assume says who
            node_id = _ensure(graph, f"arn:{partition}:iam::{acct}:root", "account", acct, account=acct)
            yield node_id, {**base, "whole_account": True, "third_party": acct not in known}
        elif value.startswith("arn:"):
            acct = value.split(":")[4]
            if acct == account:
                continue
            kind = "identity.user" if ":user/" in value else "identity.role"
            yield _ensure(graph, value, kind, value.rsplit("/", 1)[-1], account=acct), {
                **base, "third_party": acct not in known}
    for value in stmt.principals.get("Federated", ()):  # type: ignore[union-attr]
        if value.startswith("arn:"):
            acct = value.split(":")[4]
            node_id = _ensure(graph, value, "identity.service_account", value.rsplit("/", 1)[-1], account=acct,
                              native_type=_provider_type(value))
            yield node_id, {**base, "federated": True, "third_party": acct not in known}
        else:
            node_id = _ensure(graph, f"federated:{value}", "identity.service_account", value,
                              native_type="AWS::IAM::WebIdentityProvider")
            yield node_id, {**base, "federated": True, "third_party": True}


def _provider_type(arn: str) -> str:
    return "AWS::IAM::SAMLProvider" if ":saml-provider/" in arn else "AWS::IAM::OIDCProvider"


def _partition(arn: str) -> str:
    """The partition of an ARN (``aws`` when it is not one)."""
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[0] == "arn" else "aws"


def _requires_external_id(stmt: Statement) -> bool:
    """The statement only admits callers presenting a matching ``sts:ExternalId``."""
    for operator, tests in stmt.condition.items():
        op = operator.lower().removeprefix("foranyvalue:")
        if op in ("stringequals", "stringequalsignorecase", "stringlike") and any(
                k.lower() == "sts:externalid" for k in tests):
            return True
    return False


def _ensure(graph: EstateGraph, node_id: str, kind: str, name: str, **fields: Any) -> str:
    """A node for an edge end: the collected one when it exists, else a reference node."""
    if node_id not in graph:
        graph.add_node(Node(id=node_id, cloud="aws", kind=kind, name=name, reference=True, **fields))
    return node_id


def _known_accounts(graph: EstateGraph) -> set[str]:
    """Accounts of the snapshot: scanned ones, collected account nodes, and every account of a collected org tree."""
    known = {s.account for s in graph.snapshot.sources if s.cloud == "aws"}
    for node in graph.nodes_of("account"):
        if node.cloud != "aws" or not node.id.startswith("arn:"):
            continue
        in_org = any((n := graph.node(e.source)) is not None and n.kind == "org.unit"
                     for e in graph.in_edges(node.id, "contains"))
        if not node.reference or in_org:
            known.add(node.id.split(":")[4])
    return known


ANALYZER = Analyzer(
    name="aws_can_assume",
    run=run,
    description="AWS role assumption (can_assume, from principals and services) and outside trust (trusts)",
)
