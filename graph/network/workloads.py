"""Which AWS nodes take part in reachability, where they sit, and what they listen on.

- instances listen on every port their groups open and open connections to others;
- databases listen on their port only (a database does not start connections);
- load balancers listen on their listeners (and forward to targets, see ``balancers``);
- functions and notebooks attached to a VPC open connections from their subnets,
  but accept none there (Lambda and SageMaker are invoked through their services).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node
from cloudwarden.graph.network.rules import ALL_PORTS, PortRange
from cloudwarden.graph.network.topology import (
    DOWN_STATES,
    Placement,
    interface_index,
    placements,
)

Domain = dict[str, list[PortRange]]

EVERY_PORT: Domain = {"tcp": [ALL_PORTS], "udp": [ALL_PORTS]}

# Engine default ports, for a database whose endpoint port was not collected.
_ENGINE_PORTS: tuple[tuple[str, int], ...] = (
    ("aurora-postgresql", 5432), ("postgres", 5432), ("aurora-mysql", 3306), ("aurora", 3306), ("mysql", 3306),
    ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433), ("db2", 50000),
)
_LISTENER_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",), "SSL": ("tcp",),
    "UDP": ("udp",), "TCP_UDP": ("tcp", "udp"),
}
# Notebooks in these states run nothing that could be connected to.
NOTEBOOK_DOWN_STATES = frozenset({"Stopped", "Stopping", "Failed", "Deleting"})
_WORKLOAD_KINDS = ("compute.instance", "database.instance", "network.load_balancer", "compute.function", "ai.notebook")


@dataclass
class Workload:
    """A node that traffic can reach (``domain``: what it listens on) or start from (``source``)."""

    node: Node
    placements: list[Placement]
    domain: Domain | None
    source: bool

    @property
    def id(self) -> str:
        """The node id."""
        return self.node.id


def listener_domain(node: Node) -> Domain | None:
    """A load balancer's listener ports by protocol; None when its listeners are unknown."""
    listeners = node.props.get("listeners")
    if listeners is None:
        return None
    domain: Domain = {}
    for listener in listeners:
        port = listener.get("port")
        for protocol in _LISTENER_PROTOCOLS.get(str(listener.get("protocol") or "").upper(), ()):
            if isinstance(port, int):
                domain.setdefault(protocol, []).append((port, port))
    return domain


def database_port(node: Node) -> int | None:
    """The port a database listens on: its endpoint's, else its engine's default."""
    raw: dict[str, Any] = node.raw or {}
    for value in ((raw.get("Endpoint") or {}).get("Port"), raw.get("Port"), raw.get("DbInstancePort")):
        if isinstance(value, int) and value > 0:
            return value
    engine = str(node.props.get("engine") or "").lower()
    return next((port for prefix, port in _ENGINE_PORTS if engine.startswith(prefix)), None)


def _role(node: Node) -> tuple[Domain | None, bool] | None:
    """(what it listens on, whether it starts connections), or None when it takes no part."""
    props = node.props
    if node.kind == "compute.instance":
        return None if props.get("state") in DOWN_STATES else (EVERY_PORT, True)
    if node.kind == "database.instance":
        port = database_port(node)
        return ({"tcp": [(port, port)]} if port else {"tcp": [ALL_PORTS]}), False
    if node.kind == "network.load_balancer":
        return listener_domain(node), False
    if node.kind == "compute.function":
        return None, True
    if node.kind == "ai.notebook":
        return None if props.get("status") in NOTEBOOK_DOWN_STATES else (None, True)
    return None


def aws_workloads(graph: EstateGraph) -> list[Workload]:
    """Every collected AWS workload with at least one placement in a subnet."""
    interfaces, eips = interface_index(graph)
    found: list[Workload] = []
    for node in graph.nodes_of(*_WORKLOAD_KINDS):
        if node.cloud != "aws" or node.reference:
            continue
        role = _role(node)
        if role is None:
            continue
        where = placements(graph, node, interfaces, eips)
        if where:
            found.append(Workload(node, where, role[0], role[1]))
    return found
