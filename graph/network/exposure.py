"""Questions over the derived ``reaches`` edges: is this reachable from the internet, and on which ports?

Answers come from the edges the reachability analyzer added, so they are
cheap (no network evaluation) and explainable (each entry names what it
passes through). A workload behind an internet-facing load balancer is
reachable *through* it: the entry carries the ports the balancer forwards to
and the balancer chain in ``through``.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID

_MAX_BALANCER_CHAIN = 2  # internet -> NLB -> ALB -> target


def _accesses(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return detail.get("access") or [detail]


def _entry(access: dict[str, Any], through: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"protocol": access.get("protocol"), "ports": access.get("ports") or [], "through": through}
    for key in ("public_ip", "restricted", "sources"):
        if key in access:
            entry[key] = access[key]
    return entry


def _exposed_balancers(graph: EstateGraph, node_id: str, depth: int) -> list[list[str]]:
    """Chains of load balancers (nearest last) through which the internet reaches ``node_id``."""
    chains: list[list[str]] = []
    if depth <= 0:
        return chains
    for edge in graph.in_edges(node_id, "reaches"):
        source = graph.node(edge.source)
        if source is None or source.kind != "network.load_balancer":
            continue
        if graph.edge(INTERNET_ID, source.id, "reaches") is not None:
            chains.append([source.id])
        chains += [chain + [source.id] for chain in _exposed_balancers(graph, source.id, depth - 1)]
    return chains


def reachable_from_internet(graph: EstateGraph, node_id: str) -> list[dict[str, Any]]:
    """How the internet reaches a node: ``[{protocol, ports, through, public_ip?, sources?, restricted?}]``.

    ``through`` is ``[]`` for a direct path, else the load balancers crossed
    (first one internet-facing). An empty list means not reachable.
    """
    found: list[dict[str, Any]] = []
    direct = graph.edge(INTERNET_ID, node_id, "reaches")
    if direct is not None:
        found += [_entry(a, []) for a in _accesses(direct.detail)]
    for chain in _exposed_balancers(graph, node_id, _MAX_BALANCER_CHAIN):
        last_hop = graph.edge(chain[-1], node_id, "reaches")
        if last_hop is not None:
            found += [_entry(a, chain) for a in _accesses(last_hop.detail)]
    return found


def internet_exposure(graph: EstateGraph) -> list[dict[str, Any]]:
    """Every node the internet reaches, directly or through load balancers: ``[{id, kind, name, access}]``."""
    reached: list[str] = []
    seen: set[str] = set()
    frontier = [INTERNET_ID]
    for _ in range(_MAX_BALANCER_CHAIN + 1):
        following: list[str] = []
        for node_id in frontier:
            for edge in graph.out_edges(node_id, "reaches"):
                if edge.target in seen:
                    continue
                seen.add(edge.target)
                reached.append(edge.target)
                target = graph.node(edge.target)
                if target is not None and target.kind == "network.load_balancer":
                    following.append(edge.target)
        frontier = following
    out: list[dict[str, Any]] = []
    for node_id in reached:
        node = graph.node(node_id)
        out.append({
            "id": node_id,
            "kind": node.kind if node else None,
            "name": node.name if node else node_id,
            "access": reachable_from_internet(graph, node_id),
        })
    return out
