"""``load balancer -reaches-> target`` edges: what a load balancer forwards to, where the network lets it.

A load balancer's nodes sit in its subnets with its security groups, so an
instance target is reached when the target's groups admit the balancer (by
naming one of its groups, or by a CIDR covering its subnets) on the target
port, and the NACLs and routes between the subnets let the traffic and its
replies through. A network load balancer without security groups preserves
the client's address: an internet-facing one also counts the internet as its
source. Function targets are invoked by the service and always reached; a
load balancer target (an ALB behind an NLB) is reached on its port.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.network.cidr import AddressSet
from cloudwarden.graph.network.flows import Endpoint, Flow, FlowEvaluator
from cloudwarden.graph.network.internet import reaches_edge
from cloudwarden.graph.network.rules import PortRange, merge_ranges
from cloudwarden.graph.network.topology import NetworkIndex, Placement, subnet_addresses
from cloudwarden.graph.network.workloads import Workload, listener_domain

_TARGET_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",), "SSL": ("tcp",),
    "UDP": ("udp",), "TCP_UDP": ("tcp", "udp"), "GENEVE": ("udp",),
}


def flows_access(flows: list[Flow], **extra: Any) -> list[dict[str, Any]]:
    """One access per protocol: the flows' ports joined, the first flow's scope and hops as evidence."""
    by_protocol: dict[str, dict[str, Any]] = {}
    for found in flows:
        ports = found.ports()
        if found.protocol not in by_protocol:
            by_protocol[found.protocol] = {"protocol": found.protocol, "ports": ports, "scope": found.scope,
                                           "via": found.via, **extra}
        else:
            access = by_protocol[found.protocol]
            access["ports"] = merge_ranges([tuple(p) for p in access["ports"] + ports])  # type: ignore[misc]
    return sorted(by_protocol.values(), key=lambda a: a["protocol"] != "tcp")


def _lb_endpoints(index: NetworkIndex, lb: Workload, source: AddressSet) -> list[Endpoint]:
    internet_facing = lb.node.props.get("scheme") == "internet-facing"
    endpoints = []
    for placement in lb.placements:
        addresses = subnet_addresses(index, placement)
        if not placement.groups and internet_facing:
            addresses = addresses | source  # no group, client address preserved
        endpoints.append(Endpoint(placement.subnet, placement.groups, addresses, check_groups=bool(placement.groups)))
    return endpoints


def _target_endpoint(index: NetworkIndex, placement: Placement) -> Endpoint:
    return Endpoint(placement.subnet, placement.groups, subnet_addresses(index, placement))


def _targets(graph: EstateGraph, lb: Node, by_ip: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(target node id, {port, protocol, target_group}) from the collected edges and the registered IP targets."""
    found = [(e.target, dict(e.detail)) for e in graph.out_edges(lb.id, "routes_to")]
    named = {target for target, _ in found}
    for target in lb.props.get("targets") or []:
        workload = by_ip.get(str(target.get("id"))) if target.get("type") == "ip" else None
        if workload is not None and workload not in named:
            named.add(workload)
            found.append((workload, {k: target.get(k) for k in ("port", "protocol", "target_group")}))
    return found


def balancer_edges(flows: FlowEvaluator, graph: EstateGraph, workloads: dict[str, Workload], source: AddressSet) -> list[Edge]:
    """Every ``reaches`` edge from a load balancer to the targets its network lets it reach."""
    index = flows.index
    by_ip = {
        ip: w.id
        for w in workloads.values()
        if w.node.kind == "compute.instance"
        for ip in ((w.node.props.get("network") or {}).get("private_ips") or [])
    }
    edges: list[Edge] = []
    for lb in graph.nodes_of("network.load_balancer"):
        if lb.cloud != "aws" or lb.reference:
            continue
        listeners = listener_domain(lb) or {}
        lb_workload = workloads.get(lb.id)
        endpoints = _lb_endpoints(index, lb_workload, source) if lb_workload else []
        for target_id, detail in _targets(graph, lb, by_ip):
            edge = _target_edge(flows, graph, lb, target_id, detail, listeners, endpoints, workloads)
            if edge is not None:
                edges.append(edge)
    return edges


def _target_edge(
    flows: FlowEvaluator, graph: EstateGraph, lb: Node, target_id: str, detail: dict[str, Any],
    listeners: dict[str, list[PortRange]], endpoints: list[Endpoint], workloads: dict[str, Workload],
) -> Edge | None:
    target = graph.node(target_id)
    if target is None:
        return None
    group = {"target_group": detail.get("target_group")} if detail.get("target_group") else {}
    hop = {"hop": "target_group", "id": detail.get("target_group"), "port": detail.get("port")}
    port = detail.get("port")
    protocols = _TARGET_PROTOCOLS.get(str(detail.get("protocol") or "").upper(), ("tcp",))
    if target.kind == "compute.function":
        # The service invokes the function: the clients reach it on the listener ports.
        accesses = [{"protocol": p, "ports": merge_ranges(r), "via": [hop], **group} for p, r in listeners.items()]
        return reaches_edge(lb.id, target_id, accesses) if accesses else None
    if target.kind == "network.load_balancer":
        if not isinstance(port, int):
            return None
        return reaches_edge(lb.id, target_id, [{"protocol": p, "ports": [[port, port]], "via": [hop], **group} for p in protocols])
    workload = workloads.get(target_id)
    if workload is None or not endpoints:
        return None
    found: list[Flow] = []
    for protocol in protocols:
        domain = [(port, port)] if isinstance(port, int) else listeners.get(protocol, [])
        for placement in workload.placements:
            target_end = _target_endpoint(flows.index, placement)
            for endpoint in endpoints:
                allowed = flows.flow(endpoint, target_end, protocol, domain)
                if allowed is not None:
                    found.append(allowed)
                    break
    if not found:
        return None
    accesses = flows_access(found, **group)
    for access in accesses:
        access["via"] = [hop, *access["via"]]
    return reaches_edge(lb.id, target_id, accesses)
