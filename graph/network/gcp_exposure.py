"""``internet -reaches->`` edges on GCP: instances, load balancers and their backends, Cloud SQL, public services.

- An instance is reachable when one of its network interfaces has an external
  address (``accessConfigs[].natIP``; the normalizer's ``network.public_ips``)
  and its network's ingress rules (``gcp_firewall``) admit every internet
  address on a port; allow-listed ports are not exposure. When the network's
  routes were collected, the replies need a route to the default internet
  gateway (without one an external address answers nothing); when they were
  not, that route is assumed (the default network has it) and said so.
- An external forwarding rule (``network.load_balancer``) is reachable on its
  ports; it reaches its backends (``routes_to``) on the ports the firewall
  opens to its traffic: the clients themselves for passthrough (target pool)
  balancers, Google's front ends (35.191.0.0/16, 130.211.0.0/22) for proxies.
- Cloud SQL with a public IPv4 address and an authorized network covering the
  internet is reachable on its engine's port.
- Buckets, functions and Cloud Run services that ``allUsers`` or
  ``allAuthenticatedUsers`` may read or invoke are reachable on 443 (public
  access prevention and internal-only ingress close them).

Instances that are not running, and reference nodes, are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge, Node
from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet, parse_network
from cloudwarden.graph.network.gcp_firewall import (
    Admission,
    Firewall,
    FirewallIndex,
    admit,
    network_key,
)
from cloudwarden.graph.network.internet import reaches_edge
from cloudwarden.graph.network.rules import ALL_PORTS, PortRange, merge_ranges

GOOGLE_FRONT_ENDS = AddressSet.of("35.191.0.0/16", "130.211.0.0/22")
DOWN_STATES = frozenset({"terminated", "stopped", "stopping", "suspended", "suspending"})
_SOURCE_LIMIT = 16
_ENGINE_PORTS = (("mysql", 3306), ("postgres", 5432), ("sqlserver", 1433))
_INTERNET_TARGETS = ("internet", "internet_gateway", "default_internet_gateway", "igw", "gateway")


@dataclass
class Nic:
    """One network interface: its network and external addresses."""

    network: str | None
    public_ips: list[str]


def _camel(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def instance_nics(graph: EstateGraph, node: Node) -> list[Nic]:
    """Interfaces from the raw payload when present, else the instance's networks with all its public addresses."""
    raw_nics = _camel(node.raw or {}, "networkInterfaces", "network_interfaces") or []
    nics = []
    for nic in raw_nics:
        ips = [c.get("natIP") or c.get("nat_ip") for c in _camel(nic, "accessConfigs", "access_configs") or []]
        ips += [c.get("externalIpv6") or c.get("external_ipv6")
                for c in _camel(nic, "ipv6AccessConfigs", "ipv6_access_configs") or []]
        nics.append(Nic(network_key(nic.get("network")), [ip for ip in ips if ip]))
    if nics and any(n.public_ips for n in nics):
        return nics
    public = list((node.props.get("network") or {}).get("public_ips") or [])
    networks = [network_key(e.target) for e in graph.out_edges(node.id, "in_vpc")] or [n.network for n in nics]
    return [Nic(net, public) for net in networks or [None]]


def instance_accounts(graph: EstateGraph, node: Node) -> list[str]:
    """Service-account emails the instance runs as."""
    # Instances carry [{email, scopes}]; Workbench notebooks name their account by email alone.
    accounts = node.props.get("service_accounts") or []
    emails = [str(a.get("email") if isinstance(a, dict) else a) for a in accounts
              if (a.get("email") if isinstance(a, dict) else a)]
    for edge in graph.out_edges(node.id, "runs_as"):
        target = graph.node(edge.target)
        email = (target.props.get("email") if target else None) or edge.target.partition("serviceAccount:")[2]
        if email:
            emails.append(str(email))
    return sorted(set(emails))


class RouteIndex:
    """Internet routes per network (None for a network whose routes were not collected)."""

    def __init__(self, graph: EstateGraph) -> None:
        self.routes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in graph.nodes_of("network.route_table"):
            if node.cloud != "gcp":
                continue
            network = next((e.target for e in graph.out_edges(node.id, "in_vpc")), None)
            key = network_key(network or node.props.get("network") or (node.raw or {}).get("network"))
            if key:
                self.routes[key] += [{**r, "id": node.id} for r in _routes(node)]

    def internet(self, network: str | None, tags: list[str], wanted: AddressSet) -> tuple[AddressSet, dict[str, Any]]:
        """The part of ``wanted`` whose replies route to the default internet gateway, and the hop evidence."""
        if network is None or network not in self.routes:
            return wanted, {"hop": "route", "assumed": "routes not collected: the default internet route is assumed"}
        used = [r for r in self.routes[network] if _is_internet(r) and (not r.get("tags") or set(r["tags"]) & set(tags))]
        routed = AddressSet.from_iter(str(r.get("destination")) for r in used) & wanted
        return routed, {"hop": "route", "routes": [{"id": r["id"], "destination": r.get("destination")} for r in used]}


def _routes(node: Node) -> list[dict[str, Any]]:
    listed = node.props.get("routes")
    if listed is not None:
        return list(listed)
    raw = node.raw or {}
    gateway = _camel(raw, "nextHopGateway", "next_hop_gateway")
    return [{"destination": _camel(raw, "destRange", "dest_range"), "target": gateway,
             "target_kind": "internet" if gateway and "default-internet-gateway" in str(gateway) else "other",
             "tags": raw.get("tags") or []}]


def _is_internet(route: dict[str, Any]) -> bool:
    return str(route.get("target_kind") or "").lower() in _INTERNET_TARGETS or \
        "default-internet-gateway" in str(route.get("target") or "")


def _family(ip: str) -> int:
    parsed = parse_network(ip)
    return parsed[0] if parsed else 4


class GcpExposure:
    """Builds the GCP ``reaches`` edges from one internet source set."""

    def __init__(self, graph: EstateGraph, source: AddressSet = PUBLIC_INTERNET) -> None:
        self.graph = graph
        self.source = source
        self.firewalls = FirewallIndex(graph)
        self.routes = RouteIndex(graph)

    def _label(self, version: int, passed: AddressSet) -> tuple[list[str], bool]:
        wanted = self.source.family(version)
        if passed == wanted:
            if wanted == PUBLIC_INTERNET.family(version):
                return (["0.0.0.0/0"] if version == 4 else ["::/0"]), False
            return wanted.cidrs(limit=_SOURCE_LIMIT), False
        return passed.cidrs(limit=_SOURCE_LIMIT), True

    def instance(self, node: Node, domain: dict[str, list[PortRange]] | None = None,
                 sources: AddressSet | None = None, label: str = "external_ip") -> tuple[list[dict[str, Any]], list[Firewall]]:
        """Accesses to a running instance (from the internet, or ``sources``) and the rules that allowed them."""
        state = str(node.props.get("state") or (node.raw or {}).get("status") or "").lower()
        if state in DOWN_STATES:
            return [], []
        tags = list(node.props.get("network_tags") or _camel(node.raw or {}, "tags") or [])
        if isinstance(tags, dict):
            tags = list(tags.get("items") or [])
        accounts = instance_accounts(self.graph, node)
        accesses: list[dict[str, Any]] = []
        used: list[Firewall] = []
        for nic in instance_nics(self.graph, node):
            addresses = nic.public_ips if sources is None else [None]
            rules = self.firewalls.rules_for(nic.network, tags, accounts) if nic.network else []
            for address in addresses:
                version = _family(address) if address else 4
                wanted = (self.source if sources is None else sources).family(version)
                if sources is GOOGLE_FRONT_ENDS:  # Google's front ends reach backends on special routes
                    routed, route_hop = wanted, {"hop": "route", "special": "google_front_ends"}
                else:
                    routed, route_hop = self.routes.internet(nic.network, tags, wanted)
                if not routed:
                    continue
                for protocol, ranges in (domain or {"tcp": [ALL_PORTS], "udp": [ALL_PORTS]}).items():
                    found = admit(rules, protocol, ranges, routed)
                    if found is None:
                        continue
                    used += [r for r in found.allow if r not in used]
                    accesses.append(self._access(found, version, address, nic.network, route_hop, label, sources))
        return accesses, used

    def _access(self, found: Admission, version: int, address: str | None, network: str | None,
                route_hop: dict[str, Any], label: str, sources: AddressSet | None) -> dict[str, Any]:
        if sources is None or sources is self.source:
            labels, restricted = self._label(version, found.passed)
        else:
            labels, restricted = found.passed.cidrs(limit=_SOURCE_LIMIT), found.passed != sources.family(version)
        firewall: dict[str, Any] = {"hop": "firewall", "network": network,
                                    "allow": [r.evidence() for r in found.allow]}
        if found.deny:
            firewall["deny"] = [r.evidence() for r in found.deny]
        via = [{"hop": label, "address": address}, route_hop, firewall] if address else [route_hop, firewall]
        access: dict[str, Any] = {"protocol": found.protocol, "ports": found.ports}
        if address:
            access["public_ip"] = address
        access.update({"sources": labels, "restricted": restricted, "via": via})
        return access

    def instance_edge(self, node: Node) -> Edge | None:
        """internet -> instance with an external address that the firewall opens."""
        accesses, used = self.instance(node)
        if not accesses:
            return None
        return reaches_edge(INTERNET_ID, node.id, accesses, rules=[r.evidence() for r in used])

    def balancer_edges(self, node: Node) -> list[Edge]:
        """internet -> external forwarding rule, and forwarding rule -> each backend instance the firewall admits."""
        props, raw = node.props, node.raw or {}
        scheme = str(props.get("scheme") or _camel(raw, "loadBalancingScheme", "load_balancing_scheme") or "").lower()
        if scheme not in ("internet-facing", "external", "external_managed"):
            return []
        address = props.get("ip_address") or props.get("address") or _camel(raw, "IPAddress", "ip_address", "ipAddress")
        listeners = _listeners(props, raw)
        accesses = [{"protocol": protocol, "ports": ports, "public_ip": address, "sources": ["0.0.0.0/0"],
                     "restricted": False, "via": [{"hop": "external_forwarding_rule", "id": node.id, "scheme": scheme}]}
                    for protocol, ports in sorted(listeners.items())]
        edges = [reaches_edge(INTERNET_ID, node.id, accesses, rules=[])]
        target = str(props.get("target") or _camel(raw, "target", "backendService", "backend_service") or "").lower()
        managed = str(props.get("load_balancing_scheme") or _camel(raw, "loadBalancingScheme") or "").upper()
        # Target pools and regional backend services pass client packets through; the rest are Google front-end proxies.
        passthrough = managed != "EXTERNAL_MANAGED" and (
            "/targetpools/" in target or ("/backendservices/" in target and "/regions/" in target))
        for backend in self._backends(node.id):
            domain = {p: [(int(a), int(b)) for a, b in ports] for p, ports in listeners.items()} if passthrough else None
            found, used = self.instance(backend, domain, self.source if passthrough else GOOGLE_FRONT_ENDS,
                                        label="load_balancer")
            if found:
                edges.append(reaches_edge(node.id, backend.id, found, rules=[r.evidence() for r in used]))
        return edges

    def _backends(self, frontend: str, depth: int = 4) -> list[Node]:
        """Instances behind a forwarding rule: ``routes_to`` through proxies, backend services, groups, pools."""
        found: dict[str, Node] = {}
        frontier, seen = [frontend], {frontend}
        for _ in range(depth):
            following = []
            for current in frontier:
                for edge in self.graph.out_edges(current, "routes_to"):
                    target = self.graph.node(edge.target)
                    if target is None or edge.target in seen:
                        continue
                    seen.add(edge.target)
                    if target.kind == "compute.instance":
                        found[target.id] = target
                    else:
                        following.append(edge.target)
            frontier = following
        return [found[k] for k in sorted(found)]

    def database_edge(self, node: Node) -> Edge | None:
        """internet -> Cloud SQL instance with a public IP and an authorized network covering the internet."""
        settings = _camel(node.raw or {}, "settings") or {}
        ip_config = _camel(settings, "ipConfiguration", "ip_configuration") or {}
        enabled = node.props.get("ipv4_enabled", node.props.get("public_ip"))
        if not isinstance(enabled, bool):
            enabled = _camel(ip_config, "ipv4Enabled", "ipv4_enabled")
        public_ips = list((node.props.get("network") or {}).get("public_ips") or [])
        public_ips += [a.get("ipAddress") or a.get("ip_address") for a in _camel(node.raw or {}, "ipAddresses", "ip_addresses") or []
                       if str(a.get("type")) == "PRIMARY"]
        if enabled is False or (enabled is None and not public_ips):
            return None
        networks = node.props.get("authorized_networks")
        if networks is None:
            networks = _camel(ip_config, "authorizedNetworks", "authorized_networks") or []
        cidrs = [n.get("value") if isinstance(n, dict) else n for n in networks]
        allowed = AddressSet.from_iter(str(c) for c in cidrs if c) & self.source.family(4)
        if not allowed or not allowed.covers(self.source.family(4)):
            return None  # closed, or an allow-list: not exposure
        port = _engine_port(node)
        sources, restricted = self._label(4, allowed)
        access = {"protocol": "tcp", "ports": [[port, port]] if port else [list(ALL_PORTS)],
                  "public_ip": next((ip for ip in public_ips if ip), None), "sources": sources, "restricted": restricted,
                  "via": [{"hop": "cloud_sql_public_ip", "authorized_networks": [c for c in cidrs if c]}]}
        return reaches_edge(INTERNET_ID, node.id, [access], rules=[{"id": node.id, "authorized_networks": cidrs}])


def _listeners(props: dict[str, Any], raw: dict[str, Any]) -> dict[str, list[list[int]]]:
    """Forwarded ports by protocol: the normalizer's listeners, else the raw ``portRange`` / ``ports``."""
    out: dict[str, list[list[int]]] = {}
    for item in props.get("listeners") or []:
        protocol = str(item.get("protocol") or "tcp").lower()
        spans = item.get("ports") or ([[item["port"], item["port"]]] if isinstance(item.get("port"), int) else [])
        for protocol_name in (("tcp", "udp") if protocol == "all" else (protocol,)):
            if protocol_name in ("tcp", "udp"):
                out.setdefault(protocol_name, []).extend([int(a), int(b)] for a, b in spans)
    if not out:
        protocol = str(_camel(raw, "IPProtocol", "ip_protocol") or "tcp").lower()
        protocol = protocol if protocol in ("tcp", "udp") else "tcp"
        spec = _camel(raw, "portRange", "port_range")
        spans = []
        if spec:
            low, _, high = str(spec).partition("-")
            spans.append([int(low), int(high or low)])
        spans += [[int(p), int(p)] for p in _camel(raw, "ports") or [] if str(p).isdigit()]
        out[protocol] = spans
    return {p: merge_ranges(tuple(s) for s in spans) if spans else [list(ALL_PORTS)] for p, spans in out.items()}


def _engine_port(node: Node) -> int | None:
    version = str(node.props.get("engine") or _camel(node.raw or {}, "databaseVersion", "database_version") or "").lower()
    return next((port for prefix, port in _ENGINE_PORTS if version.startswith(prefix)), None)
