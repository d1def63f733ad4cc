"""Multi-hop escalation: chains of ``can_escalate`` and ``can_assume`` edges ending at admin, and findings.

A chain ends at admin when its last edge is a ``can_escalate`` edge with
``to: admin`` (the principal grants itself, or a role it holds, every
permission) or reaches a user or role the evaluator finds admin-equivalent.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Any

from cloudwarden.graph.aws_iam.evaluator import PermissionEvaluator, shared_evaluator
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge

MAX_HOPS = 5
FOLLOWED = ("can_escalate", "can_assume")
PRINCIPAL_KINDS = ("identity.user", "identity.role", "identity.group", "identity.service_account")
ASSUME_TECHNIQUE = "sts-assume-role"

_admin: weakref.WeakKeyDictionary[EstateGraph, dict[str, bool]] = weakref.WeakKeyDictionary()


def _is_admin(graph: EstateGraph, node_id: str, evaluator: PermissionEvaluator | None) -> bool:
    node = graph.node(node_id)
    if node is None or node.kind not in PRINCIPAL_KINDS:
        return False
    cache = _admin.setdefault(graph, {})
    if node_id not in cache:
        if node.cloud != "aws":
            # Azure and GCP analyzers mark admin-equivalent grants (Owner, roles/owner) on the
            # account; principals known only by reference (Entra objects, members) still hold them.
            cache[node_id] = any(e.detail.get("admin") for e in graph.out_edges(node_id, "can_access"))
        elif node.reference or node.kind not in ("identity.user", "identity.role"):
            cache[node_id] = False
        else:
            if evaluator is None:
                evaluator = shared_evaluator(graph)
            cache[node_id] = bool(evaluator.is_admin(node_id))
    return cache[node_id]


def _ends_at_admin(graph: EstateGraph, edge: Edge, evaluator: PermissionEvaluator | None) -> bool:
    if edge.kind == "can_escalate" and edge.detail.get("to") == "admin":
        return True
    return _is_admin(graph, edge.target, evaluator)


def escalation_chains(graph: EstateGraph, principal: str, max_hops: int = MAX_HOPS,
                      evaluator: PermissionEvaluator | None = None) -> list[list[Edge]]:
    """Chains from ``principal`` to admin, shortest first (then those with fewer conditional hops).

    Breadth first: each intermediate principal is entered by its shortest
    chain; every edge into admin from such a principal ends one chain. An
    admin principal has no chains (it has nothing to gain).
    """
    if _is_admin(graph, principal, evaluator):
        return []
    chains: list[list[Edge]] = []
    seen = {principal}
    queue: deque[tuple[str, list[Edge]]] = deque([(principal, [])])
    while queue:
        node, path = queue.popleft()
        for kind in FOLLOWED:
            for edge in sorted(graph.out_edges(node, kind), key=lambda e: e.target):
                if edge.target in seen and not _ends_at_admin(graph, edge, evaluator):
                    continue
                if _ends_at_admin(graph, edge, evaluator):
                    chains.append(path + [edge])
                elif len(path) + 1 < max_hops:
                    seen.add(edge.target)
                    queue.append((edge.target, path + [edge]))
    return sorted(chains, key=lambda c: (len(c), sum(_conditional(e) for e in c)))


def _conditional(edge: Edge) -> bool:
    return bool(edge.detail.get("conditional"))


def chain_hops(chain: list[Edge]) -> list[dict[str, Any]]:
    """A chain as the findings ``path``: ``[{from, to, edge, detail}]``."""
    return [{"from": e.source, "to": e.target, "edge": e.kind, "detail": e.detail} for e in chain]


def escalation_findings(graph: EstateGraph, max_hops: int = MAX_HOPS,
                        evaluator: PermissionEvaluator | None = None) -> list[dict[str, Any]]:
    """One finding per principal that can escalate (category ``privilege-escalation``).

    ``{principal, technique, title, actions, chain, target, admin, conditional}``:
    a shortest chain to admin when there is one (``admin`` true; a chain with
    no conditional hop is preferred to a shorter conditional one), else the
    principal's first direct escalation to a more privileged identity.
    ``technique`` is that of the first ``can_escalate`` hop (``sts-assume-role``
    for a chain of role assumptions only). Sorted by principal.

    Chains are found for every principal at once, breadth first backwards from
    the edges that end at admin, so the cost is linear in the followed edges.
    """
    principals = [n.id for n in sorted(graph.nodes_of(*PRINCIPAL_KINDS), key=lambda n: n.id)
                  if not n.reference or n.cloud != "aws"]
    followed = {p: sorted((e for e in graph.out_edges(p) if e.kind in FOLLOWED), key=lambda e: (e.kind, e.target))
                for p in principals}
    firm = _next_hops(graph, followed, max_hops, evaluator, conditional=False)
    loose = _next_hops(graph, followed, max_hops, evaluator, conditional=True)
    findings = []
    for principal in principals:
        if _is_admin(graph, principal, evaluator):
            continue
        hops = firm if principal in firm else loose
        if principal in hops:
            chain, admin = _follow(graph, hops, principal, max_hops, evaluator), True
        else:
            direct = sorted(graph.out_edges(principal, "can_escalate"), key=lambda e: (_conditional(e), e.target))
            if not direct:
                continue
            chain, admin = [direct[0]], False
        findings.append(_finding(principal, chain, admin))
    return findings


def _next_hops(graph: EstateGraph, followed: dict[str, list[Edge]], max_hops: int,
               evaluator: PermissionEvaluator | None, *, conditional: bool) -> dict[str, Edge]:
    """For each principal with a chain to admin (conditional hops allowed or not): the first edge of a shortest one."""
    nxt: dict[str, Edge] = {}
    incoming: dict[str, list[Edge]] = {}
    frontier: list[str] = []
    for principal, edges in followed.items():
        for edge in edges:
            if not conditional and _conditional(edge):
                continue
            if _ends_at_admin(graph, edge, evaluator):
                if principal not in nxt:
                    nxt[principal] = edge
                    frontier.append(principal)
            else:
                incoming.setdefault(edge.target, []).append(edge)
    for _ in range(max_hops - 1):
        reached = []
        for node in frontier:
            for edge in incoming.get(node, ()):
                if edge.source not in nxt:
                    nxt[edge.source] = edge
                    reached.append(edge.source)
        frontier = reached
    return nxt


def _follow(graph: EstateGraph, nxt: dict[str, Edge], principal: str, max_hops: int,
            evaluator: PermissionEvaluator | None) -> list[Edge]:
    chain: list[Edge] = []
    node = principal
    while node in nxt and len(chain) < max_hops:
        edge = nxt[node]
        chain.append(edge)
        if _ends_at_admin(graph, edge, evaluator):
            break
        node = edge.target
    return chain


def _finding(principal: str, chain: list[Edge], admin: bool) -> dict[str, Any]:
    first = next((e for e in chain if e.kind == "can_escalate"), None)
    if first is None and chain and chain[0].detail.get("technique"):
        first = chain[0]  # Azure / GCP impersonation edges name their own technique
    if first is None:
        technique, title, actions = ASSUME_TECHNIQUE, "Assume a more privileged role", ["sts:AssumeRole"]
    else:
        technique = first.detail["technique"]
        title = first.detail.get("title") or first.detail.get("description") or technique
        actions = first.detail.get("actions") or []
    return {
        "principal": principal,
        "technique": technique,
        "title": title,
        "actions": list(actions),
        "chain": chain_hops(chain),
        "target": chain[-1].target,
        "admin": admin,
        "conditional": any(_conditional(e) for e in chain),
    }
