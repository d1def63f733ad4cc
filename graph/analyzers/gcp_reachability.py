"""``reaches`` edges for GCP: from the internet to instances, forwarding rules and their backends, Cloud SQL,
and public buckets, functions and Cloud Run services.

See ``graph/network/gcp_firewall.py`` (VPC firewall semantics),
``graph/network/gcp_exposure.py`` (network paths) and
``graph/network/gcp_services.py`` (exposure by IAM policy). Detail, as on AWS:
``{protocol, ports, ...first access, access: [{protocol, ports, public_ip,
sources, restricted, via}], rules: [evidence]}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge
from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet
from cloudwarden.graph.network.gcp_exposure import GcpExposure
from cloudwarden.graph.network.gcp_services import notebook_edges, service_edges


def reachability_edges(graph: EstateGraph, source: Iterable[str] | None = None) -> list[Edge]:
    """Every GCP ``reaches`` edge from ``source`` (CIDRs; default: every public address)."""
    internet = AddressSet.from_iter(source) if source is not None else PUBLIC_INTERNET
    exposure = GcpExposure(graph, internet)
    edges: list[Edge] = []
    for node in sorted(graph.nodes_of("compute.instance", "ai.notebook"), key=lambda n: n.id):
        if node.cloud == "gcp" and not node.reference and (edge := exposure.instance_edge(node)) is not None:
            edges.append(edge)
    seen = {e.key for e in edges}
    for node in sorted(graph.nodes_of("network.load_balancer"), key=lambda n: n.id):
        if node.cloud == "gcp" and not node.reference:
            for edge in exposure.balancer_edges(node):
                if edge.key not in seen:
                    seen.add(edge.key)
                    edges.append(edge)
    for node in sorted(graph.nodes_of("database.instance"), key=lambda n: n.id):
        if node.cloud == "gcp" and not node.reference and (edge := exposure.database_edge(node)) is not None:
            edges.append(edge)
    if source is None:
        edges += service_edges(graph) + notebook_edges(graph)
    return _merged(edges)


def _merged(edges: list[Edge]) -> list[Edge]:
    """One edge per (source, target): a notebook reached both through its firewall and its proxy keeps both ways."""
    by_key: dict[tuple[str, str, str], Edge] = {}
    for edge in edges:
        first = by_key.get(edge.key)
        if first is None:
            by_key[edge.key] = edge
            continue
        first.detail = {**first.detail, "access": first.detail["access"] + edge.detail["access"],
                        "rules": first.detail.get("rules", []) + edge.detail.get("rules", [])}
        if not edge.detail.get("authenticated"):
            first.detail.pop("authenticated", None)  # one way in needs no sign-in
    return list(by_key.values())


def run(graph: EstateGraph) -> list[Edge]:
    """The analyzer entry point: reachability from the whole public internet."""
    return reachability_edges(graph)


ANALYZER = Analyzer(
    name="gcp_reachability",
    run=run,
    description="network reachability (internet -> instances, forwarding rules, Cloud SQL, public services) on GCP",
)
