"""``internet -reaches-> workload`` edges: public instances, databases and load balancers, functions, notebooks.

Network paths (instances, publicly accessible databases, internet-facing load
balancers) are evaluated hop by hop (``aws_paths.internet_access``). Services
that AWS fronts itself are exposed by their settings instead:

- a Lambda function with a function URL whose auth type is ``NONE``, or whose
  resource policy lets anyone invoke it, is reachable on HTTPS (443);
- a SageMaker notebook with direct internet access: AWS serves its Jupyter UI on
  a public SageMaker endpoint, opened with a presigned URL (an IAM-authorized
  call), and direct internet access puts the instance itself on SageMaker's
  internet-connected network. Such a notebook gets an edge on 443 marked
  ``authenticated: true``. A notebook without direct internet access (only
  possible inside a VPC, since one without VPC config is service-managed and
  always has it) reaches nothing but its VPC, and gets no internet edge.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge, Node
from cloudwarden.graph.network.aws_paths import Access, internet_access
from cloudwarden.graph.network.cidr import AddressSet
from cloudwarden.graph.network.rules import merge_ranges
from cloudwarden.graph.network.topology import NetworkIndex, Placement
from cloudwarden.graph.network.workloads import NOTEBOOK_DOWN_STATES, Domain, Workload

_HTTPS = [[443, 443]]


def merge_accesses(accesses: list[Access]) -> list[Access]:
    """One access per (protocol, public address): ports joined, the first one's hops kept as evidence."""
    merged: dict[tuple[str, str | None], Access] = {}
    for access in accesses:
        key = (access.protocol, access.public_ip)
        if key not in merged:
            merged[key] = Access(access.protocol, list(access.ports), access.via, access.family,
                                 access.public_ip, access.sources, access.restricted)
        else:
            first = merged[key]
            first.ports = merge_ranges([tuple(p) for p in first.ports + access.ports])  # type: ignore[misc]
    return sorted(merged.values(), key=lambda a: (a.protocol != "tcp", a.ports[0][0] if a.ports else 0))


def reaches_edge(source: str, target: str, accesses: list[dict[str, Any]], **extra: Any) -> Edge:
    """A ``reaches`` edge whose headline (protocol, ports, via...) is the first access, all of them under ``access``."""
    head = accesses[0]
    return Edge(source=source, target=target, kind="reaches", detail={**head, **extra, "access": accesses})


class InternetExposure:
    """Evaluates internet paths with a cache per (subnet, groups, families, ports): workloads alike share the work."""

    def __init__(self, index: NetworkIndex, source: AddressSet) -> None:
        self.index = index
        self.source = source
        self._cache: dict[tuple[Any, ...], list[Access]] = {}

    def _evaluate(self, placement: Placement, domain: Domain, families: tuple[int, ...], require_groups: bool) -> list[Access]:
        key = (placement.subnet, placement.groups, families, tuple((p, tuple(r)) for p, r in domain.items()), require_groups)
        if key not in self._cache:
            self._cache[key] = internet_access(self.index, placement, self.source, domain, families=families,
                                               require_groups=require_groups)
        return self._cache[key]

    def workload(self, workload: Workload) -> Edge | None:
        """The internet's edge to a workload, or None when no path gets through."""
        node, domain = workload.node, workload.domain
        if not domain:
            return None
        accesses: list[Access] = []
        for placement in workload.placements:
            accesses += self._placement(node, placement, domain)
        if not accesses:
            return None
        return reaches_edge(INTERNET_ID, node.id, [a.as_detail() for a in merge_accesses(accesses)])

    def _placement(self, node: Node, placement: Placement, domain: Domain) -> list[Access]:
        if node.kind == "compute.instance":
            families = ((4,) if placement.public_v4 else ()) + ((6,) if placement.ipv6 else ())
            found = self._evaluate(placement, domain, families, True) if families else []
            addresses = {4: placement.public_v4[:1], 6: placement.ipv6[:1]}
            return [_with_address(a, (addresses[a.family] or (None,))[0], placement.public_evidence) for a in found]
        if node.kind == "database.instance":
            if node.props.get("public") is not True:
                return []
            address = (node.raw.get("Endpoint") or {}).get("Address") or node.raw.get("Endpoint")
            found = self._evaluate(placement, domain, (4,), True)
            return [_with_address(a, address if isinstance(address, str) else None, None, "publicly_accessible") for a in found]
        if node.kind == "network.load_balancer":
            if node.props.get("scheme") != "internet-facing":
                return []
            families = (4, 6) if str(node.props.get("ip_address_type") or "").startswith("dualstack") else (4,)
            # A network load balancer may have no security group: then none filters its listeners.
            require = bool(placement.groups) or node.props.get("type") != "network"
            found = self._evaluate(placement, domain, families, require)
            return [_with_address(a, node.props.get("dns_name"), None, "internet_facing_load_balancer") for a in found]
        return []


def _with_address(access: Access, address: str | None, carrier: str | None, hop: str = "public_ip") -> Access:
    first = {"hop": hop, "address": address}
    if carrier:
        first["id"] = carrier
    return Access(access.protocol, access.ports, [first, *access.via], access.family, address,
                  access.sources, access.restricted)


def service_edges(graph: EstateGraph) -> list[Edge]:
    """Edges to functions and notebooks that AWS exposes through its own endpoints."""
    edges: list[Edge] = []
    for node in graph.nodes_of("compute.function"):
        if node.cloud != "aws" or node.reference:
            continue
        via: list[dict[str, Any]] = []
        url = node.props.get("function_url") or {}
        if url.get("auth_type") == "NONE":
            via.append({"hop": "function_url", "auth_type": "NONE", "urls": url.get("urls") or []})
        if node.props.get("public_by_policy") is True:
            via.append({"hop": "resource_policy", "principal": "*", "action": "lambda:InvokeFunction"})
        if via:
            edges.append(reaches_edge(INTERNET_ID, node.id, [{"protocol": "tcp", "ports": _HTTPS, "via": via}]))
    for node in graph.nodes_of("ai.notebook"):
        if node.cloud != "aws" or node.reference or node.props.get("direct_internet_access") is not True:
            continue
        if node.props.get("status") in NOTEBOOK_DOWN_STATES:
            continue
        via = [
            {"hop": "sagemaker_notebook_endpoint", "access": "presigned_url", "authentication": "iam"},
            {"hop": "direct_internet_access", "enabled": True},
        ]
        edges.append(reaches_edge(INTERNET_ID, node.id, [{"protocol": "tcp", "ports": _HTTPS, "via": via}],
                                  authenticated=True))
    return edges
