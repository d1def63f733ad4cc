"""The AWS network of an estate graph, indexed once for reachability: subnets, routes, ACLs, groups, placements.

Unknown facts take AWS's defaults, which is what an unlisted resource most
likely has: a subnet with no known ACL has the VPC's default ACL (allow all),
one with no known route table has the main table (or only the ``local`` route),
and a security group whose rules are unknown proves nothing (security groups
deny inbound by default), so a workload behind one gets no edge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node
from cloudwarden.graph.network.cidr import EMPTY, AddressSet, parse_network
from cloudwarden.graph.network.rules import CompiledRule, compile_rules

# Instances in these states cannot be connected to (a stopped instance has released its public IP).
DOWN_STATES = frozenset({"stopped", "stopping", "shutting-down", "terminated"})


def short_id(node_id: str) -> str:
    """The provider id at the end of an ARN: ``arn:...:vpc/vpc-1`` -> ``vpc-1``."""
    return node_id.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


ScopedId = tuple[str | None, str | None, str]


def scoped(node: Node, provider_id: str) -> ScopedId:
    """A provider id (``i-1``, ``eni-1``) qualified by the account and region it lives in.

    Provider ids are only unique within an account and region; a multi-account
    snapshot must not join one account's interface to another's instance.
    """
    return (node.account, node.region, provider_id)


@dataclass(frozen=True)
class Route:
    """One route of a table, parsed."""

    destination: str
    addresses: AddressSet
    prefix: int
    target: str
    target_kind: str  # igw | nat | local | pcx | eni | instance | tgw | vgw | vpce | blackhole | other

    def evidence(self) -> dict[str, Any]:
        """The route as hop evidence."""
        return {"destination": self.destination, "target": self.target, "target_kind": self.target_kind}


@dataclass
class Subnet:
    """A subnet with what decides traffic at its edge."""

    id: str
    vpc: str | None
    addresses: AddressSet
    route_table: str | None = None
    route_table_main: bool = False
    acl: str | None = None


@dataclass(frozen=True)
class Placement:
    """One place a workload sits in a VPC: an interface (instance), or one subnet of a multi-subnet service.

    ``private`` is None when the workload's own addresses are unknown (databases,
    load balancers, functions): it has some address of the subnet.
    """

    workload: str
    subnet: str
    groups: tuple[str, ...]
    private: AddressSet | None = None
    public_v4: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    public_evidence: str | None = None  # node id of the EIP or interface that carries the public address
    interface: str | None = None


@dataclass
class NetworkIndex:
    """Everything reachability reads, keyed by node id."""

    graph: EstateGraph
    subnets: dict[str, Subnet] = field(default_factory=dict)
    routes: dict[str, tuple[Route, ...]] = field(default_factory=dict)
    acls: dict[str, tuple[CompiledRule, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[CompiledRule, ...]] = field(default_factory=dict)
    gateways: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # igw-x -> (node id, VPC short ids)
    peerings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # pcx-x -> VPC node ids
    main_tables: dict[str, str] = field(default_factory=dict)  # VPC -> its main route table
    default_acls: dict[str, str] = field(default_factory=dict)  # VPC -> its default ACL
    _links: dict[str, dict[str, set[str]]] | None = None
    _group_sets: dict[tuple[str, ...], list[tuple[str, tuple[CompiledRule, ...]]] | None] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: EstateGraph) -> NetworkIndex:
        """Index the graph's subnets, route tables, ACLs, security groups and internet gateways."""
        index = cls(graph)
        index._index_tables()
        index._index_subnets()
        for node in graph.nodes_of("network.firewall"):
            if node.cloud == "aws" and not node.reference and isinstance(node.props.get("rules"), list):
                index.groups[node.id] = compile_rules(node.props["rules"])
        for node in graph.nodes_of("network.gateway"):
            if node.props.get("gateway_type") == "internet" or "/igw-" in node.id:
                vpcs = frozenset(node.props.get("attached_vpcs") or [])
                vpcs |= {short_id(e.target) for e in graph.out_edges(node.id, "in_vpc")}
                index.gateways[short_id(node.id)] = (node.id, vpcs)
        return index

    def _index_tables(self) -> None:
        graph = self.graph
        for node in graph.nodes_of("network.route_table"):
            if node.reference:
                continue
            self.routes[node.id] = parse_routes(node.props.get("routes") or [])
            vpc = next((e.target for e in graph.out_edges(node.id, "in_vpc")), None)
            if vpc and node.props.get("main"):
                self.main_tables[vpc] = node.id
            for route in self.routes[node.id]:
                if route.target_kind == "pcx" and vpc:
                    self.peerings[route.target].add(vpc)
        for node in graph.nodes_of("network.acl"):
            if node.reference or not isinstance(node.props.get("rules"), list):
                continue
            self.acls[node.id] = compile_rules(node.props["rules"])
            vpc = next((e.target for e in graph.out_edges(node.id, "in_vpc")), None)
            if vpc and node.props.get("is_default"):
                self.default_acls[vpc] = node.id

    def _index_subnets(self) -> None:
        graph = self.graph
        for node in graph.nodes_of("network.subnet"):
            cidrs = node.props.get("cidrs")
            if node.reference or not cidrs:
                continue
            vpc = next((e.target for e in graph.out_edges(node.id, "in_vpc")), None)
            subnet = Subnet(node.id, vpc, AddressSet.from_iter(cidrs))
            for edge in graph.out_edges(node.id, "routes_to"):
                if edge.target in self.routes:
                    subnet.route_table, subnet.route_table_main = edge.target, bool(edge.detail.get("main"))
            if subnet.route_table is None and vpc in self.main_tables:
                subnet.route_table, subnet.route_table_main = self.main_tables[vpc], True
            for edge in graph.out_edges(node.id, "protected_by"):
                if edge.target in self.acls:
                    subnet.acl = edge.target
            if subnet.acl is None and vpc in self.default_acls:
                subnet.acl = self.default_acls[vpc]
            self.subnets[node.id] = subnet

    # --- questions -------------------------------------------------------------

    def group_rules(self, group_ids: tuple[str, ...]) -> list[tuple[str, tuple[CompiledRule, ...]]] | None:
        """(group, rules) of every group, or None when one group's rules are unknown (shared: do not modify)."""
        if group_ids not in self._group_sets:
            known = all(g in self.groups for g in group_ids)
            self._group_sets[group_ids] = [(g, self.groups[g]) for g in group_ids] if known else None
        return self._group_sets[group_ids]

    def peered(self, vpc_a: str | None, vpc_b: str | None) -> set[str]:
        """Peering connections (``pcx-..``) that the route tables of both VPCs use.

        Peering connections are not collected as nodes; a connection whose id
        appears in route tables of two VPCs is taken to join them.
        """
        if not vpc_a or not vpc_b:
            return set()
        return self._peer_links().get(vpc_a, {}).get(vpc_b, set())

    def peer_vpcs(self, vpc: str | None) -> set[str]:
        """The VPCs that share a peering connection with ``vpc`` (both sides route to it)."""
        return set(self._peer_links().get(vpc or "", {}))

    def _peer_links(self) -> dict[str, dict[str, set[str]]]:
        if self._links is None:
            links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for pcx, vpcs in self.peerings.items():
                for a in vpcs:
                    for b in vpcs - {a}:
                        links[a][b].add(pcx)
            self._links = {a: dict(bs) for a, bs in links.items()}
        return self._links

    def route_split(self, subnet: Subnet, addresses: AddressSet) -> list[tuple[Route | None, AddressSet]]:
        """Longest-prefix match: which route of the subnet's table carries each part of ``addresses``.

        Without a known table only the VPC's ``local`` route exists (reported as None).
        """
        routes = self.routes.get(subnet.route_table or "")
        if routes is None:
            return [(None, addresses)]
        remaining, parts = addresses, []
        for route in routes:  # longest prefix first
            if not remaining:
                break
            hit = remaining & route.addresses
            if hit:
                parts.append((route, hit))
                remaining = remaining - route.addresses
        return parts

    def internet_gateway(self, subnet: Subnet, route: Route) -> str | None:
        """The node id of the internet gateway a route sends to, if it is one attached to the subnet's VPC."""
        if route.target_kind != "igw":
            return None
        known = self.gateways.get(route.target)
        if known is None:
            return None
        node_id, vpcs = known
        return node_id if not vpcs or subnet.vpc is None or short_id(subnet.vpc) in vpcs else None


def parse_routes(routes: list[dict[str, Any]]) -> tuple[Route, ...]:
    """Routes with a CIDR destination, longest prefix first (prefix-list destinations cannot be resolved)."""
    parsed: list[Route] = []
    for route in routes:
        destination = str(route.get("destination") or "")
        network = parse_network(destination)
        if network is None:
            continue
        kind = str(route.get("target_kind") or "other")
        if str(route.get("state") or "active") == "blackhole":
            kind = "blackhole"  # still matched by longest prefix, but drops the traffic
        parsed.append(Route(destination, AddressSet.of(destination), network[3], str(route.get("target")), kind))
    parsed.sort(key=lambda r: -r.prefix)
    return tuple(parsed)


def _targets(graph: EstateGraph, node_id: str, kind: str) -> list[str]:
    return [e.target for e in graph.out_edges(node_id, kind)]


def placements(graph: EstateGraph, node: Node, interfaces: dict[ScopedId, list[Node]],
               eips: dict[ScopedId, Node]) -> list[Placement]:
    """Where a workload sits: one placement per interface of an instance, per subnet of anything else."""
    groups = tuple(sorted(_targets(graph, node.id, "protected_by")))
    if node.kind == "compute.instance":
        enis = interfaces.get(scoped(node, short_id(node.id)), [])
        if enis:
            return [_interface_placement(graph, node.id, eni, eips) for eni in enis if _targets(graph, eni.id, "in_subnet")]
        network = node.props.get("network") or {}
        public = tuple(network.get("public_ips") or ())
        eip = eips.get(scoped(node, short_id(node.id)))
        return [
            Placement(node.id, subnet, groups, AddressSet.from_iter(network.get("private_ips") or []) or None,
                      public, tuple(network.get("ipv6_ips") or ()), eip.id if eip else None)
            for subnet in _targets(graph, node.id, "in_subnet")[:1]
        ]
    return [Placement(node.id, subnet, groups) for subnet in _targets(graph, node.id, "in_subnet")]


def _interface_placement(graph: EstateGraph, workload: str, eni: Node, eips: dict[ScopedId, Node]) -> Placement:
    network = eni.props.get("network") or {}
    eip = eips.get(scoped(eni, short_id(eni.id)))
    public = list(network.get("public_ips") or [])
    if eip is not None and eip.props.get("address") and eip.props["address"] not in public:
        public.append(eip.props["address"])
    return Placement(
        workload=workload,
        subnet=_targets(graph, eni.id, "in_subnet")[0],
        groups=tuple(sorted(_targets(graph, eni.id, "protected_by"))),
        private=AddressSet.from_iter(network.get("private_ips") or []) or None,
        public_v4=tuple(public),
        ipv6=tuple(network.get("ipv6_ips") or ()),
        public_evidence=(eip.id if eip is not None else eni.id) if public else None,
        interface=eni.id,
    )


def interface_index(graph: EstateGraph) -> tuple[dict[ScopedId, list[Node]], dict[ScopedId, Node]]:
    """Interfaces by the short id of the instance they are attached to; Elastic IPs by interface and instance."""
    interfaces: dict[ScopedId, list[Node]] = defaultdict(list)
    for eni in graph.nodes_of("network.interface"):
        attachment = eni.props.get("attachment") or {}
        if attachment.get("instance_id") and not eni.reference:
            interfaces[scoped(eni, attachment["instance_id"])].append(eni)
    for enis in interfaces.values():
        enis.sort(key=lambda n: ((n.props.get("attachment") or {}).get("device_index") or 0, n.id))
    eips: dict[ScopedId, Node] = {}
    for eip in graph.nodes_of("network.public_ip"):
        for key in ("network_interface_id", "instance_id"):
            if eip.props.get(key):
                eips.setdefault(scoped(eip, eip.props[key]), eip)
    return interfaces, eips


def subnet_addresses(index: NetworkIndex, placement: Placement) -> AddressSet:
    """The placement's own addresses, or its subnet's range when they are unknown."""
    if placement.private:
        return placement.private
    subnet = index.subnets.get(placement.subnet)
    return subnet.addresses if subnet else EMPTY
