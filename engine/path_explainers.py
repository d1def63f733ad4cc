"""How a path policy's finding explains itself: the attack path, hop by hop, with evidence.

A policy names its explainer in ``path:``; when the policy fires, the explainer
finds the path (shortest first) in the derived graph of the run and returns its
hops (``from``, ``to``, ``edge``, ``detail``) plus facts for the evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.engine.findings import PathHop
from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.model import INTERNET_ID, Edge, Node

Explanation = tuple[list[PathHop], dict[str, Any]]
Explainer = Callable[[GraphQueries, Node], Explanation]


def _hop(edge: Edge) -> PathHop:
    return PathHop(from_=edge.source, to=edge.target, edge=edge.kind, detail=edge.detail)


def internet_to_resource(queries: GraphQueries, node: Node) -> Explanation:
    """internet -reaches-> (load balancers ->) the resource."""
    graph = queries.graph
    hops: list[PathHop] = []
    for access in queries.exposure(node.id)[:1]:
        chain = [INTERNET_ID, *access.get("through", []), node.id]
        edges = [graph.edge(a, b, "reaches") for a, b in zip(chain, chain[1:])] if graph else []
        hops = [_hop(e) for e in edges if e is not None]
    return hops, {"exposed_ports": queries.exposed_ports(node.id)}


def exposed_identity_to_data(queries: GraphQueries, node: Node) -> Explanation:
    """internet -> the workload -runs_as-> its identity -can_access-> data it can write (or admin)."""
    hops, evidence = internet_to_resource(queries, node)
    graph = queries.graph
    for role in queries.identities(node.id):
        runs_as = graph.edge(node.id, role, "runs_as") if graph else None
        grant = _first_write_grant(queries, role)
        if runs_as is not None and grant is not None:
            hops = hops + [_hop(runs_as), _hop(grant)]
            evidence = {**evidence, "identity": role, "writes": grant.target, "admin": queries.is_admin(role)}
            break
    return hops, evidence


def _first_write_grant(queries: GraphQueries, principal: str) -> Edge | None:
    """The grant that makes the identity dangerous: admin first, else the first data or key it can write."""
    graph = queries.graph
    if graph is None:
        return None
    admin = next((e for e in graph.out_edges(principal, "can_access") if e.detail.get("admin")), None)
    if admin is not None:
        return admin
    writable = queries.writable(principal)
    return graph.edge(principal, writable[0], "can_access") if writable else None


def escalation_to_admin(queries: GraphQueries, node: Node) -> Explanation:
    """The shortest chain of escalations and assumptions from the principal to admin."""
    chains = queries.escalation_chains(node.id)
    if not chains:
        return [], {}
    chain = chains[0]
    techniques = [e.detail.get("technique") for e in chain if e.kind == "can_escalate"]
    actions = sorted({a for e in chain for a in (e.detail.get("actions") or [])})
    return [_hop(e) for e in chain], {"techniques": techniques, "actions": actions, "chains": len(chains)}


def untrusted_trust(queries: GraphQueries, node: Node) -> Explanation:
    """role -trusts-> each third party, wildcard or whole account it trusts without an external id."""
    graph = queries.graph
    hops = [_hop(e) for t in queries.untrusted_trusts(node.id) if graph and (e := graph.edge(node.id, t, "trusts"))]
    return hops, {"trusted": [h.to for h in hops]}


def _lineage_grants(queries: GraphQueries, node: Node, levels: frozenset[str]) -> Explanation:
    graph = queries.graph
    pipeline = set(queries.pipeline_identities(node.id))
    hops: list[PathHop] = []
    outsiders: dict[str, list[str]] = {}
    for data in queries.lineage(node.id):
        grants = [e for e in (graph.in_edges(data, "can_access") if graph else [])
                  if levels & set(e.detail.get("levels") or []) and e.source not in pipeline]
        public = "read" in levels and graph is not None and (graph.node(data) or node).props.get("public") is True
        if grants or public:
            outsiders[data] = sorted({e.source for e in grants} | ({INTERNET_ID} if public else set()))
            if not hops:  # the first exposed dataset, explained from the node down to it
                hops = queries.lineage_path(node.id, data) + [_hop(e) for e in grants[:3]]
    return hops, {"data": sorted(outsiders), "principals": outsiders, "pipeline_identities": sorted(pipeline)}


def writers_of_lineage(queries: GraphQueries, node: Node) -> Explanation:
    """Who outside the pipeline can write the data upstream of a model or endpoint (poisoning)."""
    return _lineage_grants(queries, node, frozenset({"write", "admin", "permissions"}))


def readers_of_lineage(queries: GraphQueries, node: Node) -> Explanation:
    """Who outside the pipeline can read the artifacts and data of a model (theft)."""
    return _lineage_grants(queries, node, frozenset({"read", "admin"}))


EXPLAINERS: dict[str, Explainer] = {
    "internet-to-resource": internet_to_resource,
    "exposed-identity-to-data": exposed_identity_to_data,
    "escalation-to-admin": escalation_to_admin,
    "untrusted-trust": untrusted_trust,
    "writers-of-lineage": writers_of_lineage,
    "readers-of-lineage": readers_of_lineage,
}
