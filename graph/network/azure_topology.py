"""The Azure network of a graph, indexed once: interfaces, their subnets and NSGs, public IPs, load balancers.

Facts come from the normalizer's edges (NIC -in_subnet-> subnet, NIC/subnet
-protected_by-> NSG, public IP -routes_to-> NIC or load balancer, load balancer
-routes_to-> backend NIC) with the ARM payload (``raw.properties``) as a fallback
for links an edge does not carry. Only Azure nodes are indexed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node
from cloudwarden.graph.network.azure_nsg import (
    Destination,
    NsgRule,
    compile_rules,
    rules_from_raw,
)
from cloudwarden.graph.network.cidr import AddressSet

# NSG id -> rules (None: rules unknown).
NsgIndex = dict[str, tuple[NsgRule, ...] | None]


@dataclass
class PublicAddress:
    """A public IP resource: its address (None while unallocated) and SKU."""

    id: str
    address: str | None
    sku: str | None

    @property
    def secure_by_default(self) -> bool:
        """Standard SKU addresses are closed to inbound traffic unless an NSG allows it."""
        return (self.sku or "").lower() == "standard"


@dataclass
class Interface:
    """A NIC: where it sits, what filters it, what addresses reach it, which VM it belongs to."""

    node: Node
    subnets: list[str] = field(default_factory=list)
    nsgs: list[str] = field(default_factory=list)
    public: list[PublicAddress] = field(default_factory=list)
    instance: str | None = None
    destination: Destination = field(default_factory=Destination)


@dataclass
class Balancer:
    """A load balancer: its public frontends, rules and backend interfaces."""

    node: Node
    public: list[PublicAddress]
    rules: list[dict[str, Any]]
    backends: dict[str, list[dict[str, Any]]]  # backend NIC -> the rules that forward to it
    sku: str | None

    @property
    def internet_facing(self) -> bool:
        """A public frontend (or the normalizer says so)."""
        return bool(self.public) or self.node.props.get("scheme") == "internet-facing"


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and value else None


def _properties(node: Node) -> dict[str, Any]:
    return (node.raw or {}).get("properties") or {}


def _sku(node: Node) -> str | None:
    sku = node.props.get("sku")
    if isinstance(sku, dict):
        sku = sku.get("name")
    if not sku:
        sku = ((node.raw or {}).get("sku") or {}).get("name")
    return str(sku) if sku else None


class AzureNetwork:
    """Interfaces, subnet NSGs, NSG rules, public addresses and load balancers of a graph's Azure estate."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.nsgs: NsgIndex = {}
        for node in graph.nodes_of("network.firewall"):
            if node.cloud == "azure" and not node.reference:
                rules = node.props.get("rules")
                self.nsgs[node.id] = compile_rules(rules if isinstance(rules, list) else rules_from_raw(node.raw))
        self.subnet_nsgs: dict[str, list[str]] = {}
        for node in graph.nodes_of("network.subnet"):
            if node.cloud == "azure":
                self.subnet_nsgs[node.id] = self._protections(node, "networkSecurityGroup")
        self.addresses: dict[str, PublicAddress] = {}
        self.public_of: dict[str, list[PublicAddress]] = {}
        for node in graph.nodes_of("network.public_ip"):
            if node.cloud == "azure":
                self._public_ip(node)
        self.interfaces: dict[str, Interface] = {}
        for node in graph.nodes_of("network.interface"):
            if node.cloud == "azure" and not node.reference:
                self.interfaces[node.id] = self._interface(node)
        self.by_instance: dict[str, list[Interface]] = {}
        for nic in self.interfaces.values():
            if nic.instance:
                self.by_instance.setdefault(nic.instance, []).append(nic)
        self.balancers = [self._balancer(n) for n in graph.nodes_of("network.load_balancer")
                          if n.cloud == "azure" and not n.reference]

    def _protections(self, node: Node, raw_key: str) -> list[str]:
        found = [e.target for e in self.graph.out_edges(node.id, "protected_by")]
        if not found:
            ref = _lower((_properties(node).get(raw_key) or {}).get("id"))
            if ref and ref in self.graph:
                found.append(ref)
        return found

    def _public_ip(self, node: Node) -> None:
        address = node.props.get("address") or _properties(node).get("ipAddress")
        public = PublicAddress(node.id, str(address) if address else None, _sku(node))
        self.addresses[node.id] = public
        targets = [e.target for e in self.graph.out_edges(node.id, "routes_to")]
        if not targets:
            config = _lower((_properties(node).get("ipConfiguration") or {}).get("id")) or ""
            for marker in ("/ipconfigurations/", "/frontendipconfigurations/"):
                if marker in config:
                    targets.append(config.split(marker)[0])
        for target in targets:
            self.public_of.setdefault(target, []).append(public)

    def _interface(self, node: Node) -> Interface:
        nic = Interface(node)
        nic.subnets = [e.target for e in self.graph.out_edges(node.id, "in_subnet")]
        nic.nsgs = self._protections(node, "networkSecurityGroup")
        nic.public = list(self.public_of.get(node.id, []))
        configs = [c.get("properties") or c for c in _properties(node).get("ipConfigurations") or []]
        if not nic.subnets:
            nic.subnets = [s for c in configs if (s := _lower((c.get("subnet") or {}).get("id"))) and s in self.graph]
        if not nic.public:
            listed = node.props.get("public_ips") or (node.props.get("network") or {}).get("public_ips") or []
            nic.public = [PublicAddress(node.id, str(a), None) for a in listed if a]
        attachment = node.props.get("attachment") or {}
        nic.instance = _lower(attachment.get("instance")) or _lower((_properties(node).get("virtualMachine") or {}).get("id"))
        private = node.props.get("private_ips") or (node.props.get("network") or {}).get("private_ips") or [
            c.get("privateIPAddress") for c in configs if c.get("privateIPAddress")]
        groups = node.props.get("application_security_groups") or [
            g.get("id") for c in configs for g in c.get("applicationSecurityGroups") or []]
        nic.destination = Destination(AddressSet.from_iter(str(p) for p in private if p),
                                      frozenset(str(g).lower() for g in groups if g))
        return nic

    def _balancer(self, node: Node) -> Balancer:
        rules = node.props.get("rules")
        if rules is None:
            rules = [r.get("properties") or r for r in _properties(node).get("loadBalancingRules") or []]
        # Load-balancing rules forward to every backend unless the edge names its own (its pool's rules,
        # or the inbound NAT rule that targets this one NIC).
        shared = [_lb_rule(r) for r in rules or [] if not r.get("nat")]
        backends: dict[str, list[dict[str, Any]]] = {}
        for edge in self.graph.out_edges(node.id, "routes_to"):
            if edge.target in self.interfaces:
                named = edge.detail.get("rules")
                backends[edge.target] = [_lb_rule(r) for r in named] if isinstance(named, list) else shared
        public = list(self.public_of.get(node.id, []))
        if not public:
            public = [PublicAddress(node.id, str(a), None) for a in node.props.get("public_ips") or [] if a]
        return Balancer(node, public, shared, backends, _sku(node))

    def subnet_levels(self, nic: Interface, subnet: str) -> list[tuple[str, str]]:
        """The NSGs that filter traffic to the NIC through one subnet: [(level, nsg id)], subnet first."""
        return [("subnet", n) for n in self.subnet_nsgs.get(subnet, [])] + [("interface", n) for n in nic.nsgs]


def _lb_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """``{protocol, frontend_port, backend_port}`` from snake_case or ARM camelCase."""
    protocol = str(rule.get("protocol") or "all").lower()
    frontend = rule.get("frontend_port", rule.get("frontendPort"))
    backend = rule.get("backend_port", rule.get("backendPort", frontend))
    return {"protocol": "all" if protocol in ("*", "all") else protocol, "frontend_port": frontend,
            "backend_port": backend, "name": rule.get("name")}
