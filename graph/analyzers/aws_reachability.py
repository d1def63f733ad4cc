"""``reaches`` edges for AWS: from the internet to workloads, through load balancers, and between workloads.

See ``graph/network/`` for the semantics. ``reachability_edges`` takes the
internet source as a parameter (default: every public IPv4 and IPv6 address);
give it an address or range (a known attacker, a scanner) to ask what exactly
that source can reach, including through allow-listed CIDRs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge
from cloudwarden.graph.network.balancers import balancer_edges
from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet
from cloudwarden.graph.network.flows import FlowEvaluator
from cloudwarden.graph.network.internet import InternetExposure, service_edges
from cloudwarden.graph.network.lateral import MAX_SOURCES_PER_TARGET, LateralReach
from cloudwarden.graph.network.topology import NetworkIndex
from cloudwarden.graph.network.workloads import aws_workloads


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: the analysis allocates millions of acyclic objects on big
    estates, and full collections that rescan the whole graph each time cost more than the analysis."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def reachability_edges(
    graph: EstateGraph, source: Iterable[str] | None = None, max_sources: int = MAX_SOURCES_PER_TARGET
) -> list[Edge]:
    """Every AWS ``reaches`` edge: internet -> workload, load balancer -> target, workload -> workload.

    ``source``: the internet addresses to start from (CIDRs); ``max_sources``:
    the most workload -> workload edges drawn into one target.
    """
    internet = AddressSet.from_iter(source) if source is not None else PUBLIC_INTERNET
    with _no_cyclic_gc():
        return _edges(graph, internet, max_sources)


def _edges(graph: EstateGraph, internet: AddressSet, max_sources: int) -> list[Edge]:
    index = NetworkIndex.build(graph)
    workloads = aws_workloads(graph)
    exposure = InternetExposure(index, internet)
    edges = [e for w in workloads if (e := exposure.workload(w)) is not None]
    edges += service_edges(graph)
    exposed = {e.target for e in edges}
    flows = FlowEvaluator(index)
    forwarded = balancer_edges(flows, graph, {w.id: w for w in workloads}, internet)
    # Behind an exposed balancer is exposed too (two levels: an ALB behind an NLB).
    for _ in range(2):
        exposed |= {e.target for e in forwarded if e.source in exposed}
    edges += forwarded
    edges += LateralReach(flows, workloads, exposed).edges(max_sources)
    return edges


def run(graph: EstateGraph) -> list[Edge]:
    """The analyzer entry point: reachability from the whole public internet."""
    return reachability_edges(graph)


ANALYZER = Analyzer(
    name="aws_reachability",
    run=run,
    description=f"network reachability ({INTERNET_ID} -> workloads, load balancers -> targets, lateral) on AWS",
)
