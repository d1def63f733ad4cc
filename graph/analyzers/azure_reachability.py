"""``reaches`` edges for Azure: internet -> VMs (public IPs through subnet and NIC NSGs), internet ->
load balancers -> backend VMs, and internet -> PaaS services open by their own network settings.

See ``graph/network/azure_internet.py`` and ``azure_services.py`` for the
semantics. ``reachability_edges`` takes the internet source as a parameter
(default: every public address), like the AWS analyzer.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge
from cloudwarden.graph.network.azure_internet import balancer_edges, instance_edges
from cloudwarden.graph.network.azure_services import service_edges
from cloudwarden.graph.network.azure_topology import AzureNetwork
from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet


def reachability_edges(graph: EstateGraph, source: Iterable[str] | None = None) -> list[Edge]:
    """Every Azure ``reaches`` edge from ``source`` (CIDRs; default the whole public internet)."""
    internet = AddressSet.from_iter(source) if source is not None else PUBLIC_INTERNET
    network = AzureNetwork(graph)
    edges = instance_edges(graph, network, internet)
    edges += balancer_edges(graph, network, internet)
    edges += service_edges(graph)
    return edges


def run(graph: EstateGraph) -> list[Edge]:
    """The analyzer entry point: reachability from the whole public internet."""
    return reachability_edges(graph)


ANALYZER = Analyzer(
    name="azure_reachability",
    run=run,
    description=f"network reachability ({INTERNET_ID} -> VMs, load balancers -> backends, PaaS services) on Azure",
)
