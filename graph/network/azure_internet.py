"""``internet -reaches->`` edges for Azure VMs and load balancers, and ``load balancer -reaches-> backend``.

A VM is reached from the internet through a public IP on one of its NICs'
ip configurations; the traffic (translated to the NIC's private address) must
pass BOTH the subnet's NSG and the NIC's NSG (a level without an NSG lets
everything through, except that Standard-SKU public addresses and load
balancers are closed to inbound traffic when no NSG at all allows it). An
internet-facing load balancer forwards each rule's frontend port to the
backend port of its backend NICs, where the same two NSG levels apply (the
client's address is preserved, so the NSGs must admit internet sources).
Edge details follow AWS: ``{access: [{protocol, ports, public_ip, sources,
restricted, via}], ...}`` with the first access repeated at the top level.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge
from cloudwarden.graph.network.azure_nsg import decide
from cloudwarden.graph.network.azure_topology import AzureNetwork, Balancer, Interface
from cloudwarden.graph.network.cidr import EMPTY, PUBLIC_INTERNET, AddressSet
from cloudwarden.graph.network.internet import reaches_edge
from cloudwarden.graph.network.rules import (
    ALL_PORTS,
    PortRange,
    elementary_ranges,
    merge_ranges,
)

Domain = dict[str, list[PortRange]]
EVERY_PORT: Domain = {"tcp": [ALL_PORTS], "udp": [ALL_PORTS]}
_SOURCE_LIMIT = 16
_NO_NSG = {"hop": "network_security_group", "id": None,
           "assumed": "no NSG on the subnet or the interface: nothing filters inbound traffic"}
# VM power states in which nothing listens.
_DOWN = ("deallocated", "deallocating", "stopped", "powerstate/deallocated", "powerstate/stopped")


def _label(passed: AddressSet, wanted: AddressSet, family: int) -> tuple[list[str], bool]:
    if passed == wanted:
        if wanted == PUBLIC_INTERNET.family(family):
            return (["0.0.0.0/0"] if family == 4 else ["::/0"]), False
        return wanted.cidrs(limit=_SOURCE_LIMIT), False
    return passed.cidrs(limit=_SOURCE_LIMIT), True


def interface_access(network: AzureNetwork, nic: Interface, address: str | None, domain: Domain,
                     source: AddressSet, secure_by_default: bool, first_hop: dict[str, Any]) -> list[dict[str, Any]]:
    """The protocols and ports on which ``source`` passes both NSG levels of the NIC, with evidence."""
    family = 6 if address and ":" in address else 4
    wanted = source.family(family)
    found: list[dict[str, Any]] = []
    for subnet in nic.subnets or [None]:
        levels = network.subnet_levels(nic, subnet) if subnet else [("interface", n) for n in nic.nsgs]
        compiled = [(level, nsg, network.nsgs.get(nsg)) for level, nsg in levels]
        if any(rules is None for _, _, rules in compiled):
            continue  # an NSG whose rules are unknown proves nothing
        if not compiled and secure_by_default:
            continue  # Standard SKU: closed unless an NSG allows
        for protocol, ranges in domain.items():
            cuts = [r for _, _, rules in compiled for r in rules or () if r.protocol in ("all", protocol)]
            passed, ports = EMPTY, []
            hops: dict[str, dict[str, Any]] = {}
            for piece in elementary_ranges(cuts, ranges):
                admitted, decided = wanted, []
                for level, nsg, rules in compiled:
                    decision = decide(rules or (), protocol, piece, nic.destination, wanted)
                    if not decision.opened:
                        break
                    admitted = admitted & decision.admitted
                    decided.append((level, nsg, decision.allow_rules))
                else:
                    if admitted:
                        passed, ports = passed | admitted, ports + [piece]
                        for level, nsg, rules in decided:
                            hop = hops.setdefault(nsg, {"hop": "network_security_group", "id": nsg, "level": level,
                                                        "rules": []})
                            hop["rules"] += [r for r in rules if r not in hop["rules"]]
            if not ports:
                continue
            sources, restricted = _label(passed, wanted, family)
            via = [first_hop, *(hops.values() if compiled else [_NO_NSG])]
            found.append({"protocol": protocol, "ports": merge_ranges(ports), "public_ip": address,
                          "sources": sources, "restricted": restricted, "via": via})
    return found


def merge(accesses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One access per (protocol, public address): ports joined, the first one's evidence kept."""
    merged: dict[tuple[str, Any], dict[str, Any]] = {}
    for access in accesses:
        key = (access["protocol"], access.get("public_ip"))
        if key not in merged:
            merged[key] = dict(access)
        else:
            first = merged[key]
            first["ports"] = merge_ranges([tuple(p) for p in first["ports"] + access["ports"]])  # type: ignore[misc]
    return sorted(merged.values(), key=lambda a: (a["protocol"] != "tcp", a["ports"][0][0] if a["ports"] else 0))


def instance_edges(graph: EstateGraph, network: AzureNetwork, source: AddressSet) -> list[Edge]:
    """internet -> VM through public IPs on its NICs."""
    edges = []
    for instance, nics in sorted(network.by_instance.items()):
        node = graph.node(instance)
        if node is None or node.cloud != "azure" or node.reference:
            continue
        if str(node.props.get("state") or node.props.get("power_state") or "").lower() in _DOWN:
            continue
        accesses: list[dict[str, Any]] = []
        for nic in nics:
            for public in nic.public:
                hop = {"hop": "public_ip", "id": public.id, "address": public.address, "interface": nic.node.id}
                accesses += interface_access(network, nic, public.address, EVERY_PORT, source,
                                             public.secure_by_default, hop)
        if accesses:
            edges.append(reaches_edge(INTERNET_ID, node.id, merge(accesses)))
    return edges


def balancer_edges(graph: EstateGraph, network: AzureNetwork, source: AddressSet) -> list[Edge]:
    """internet -> internet-facing load balancer -> backend VMs, rule by rule."""
    edges = []
    for lb in network.balancers:
        if not lb.internet_facing or not lb.backends:
            continue
        front, behind = _balancer_accesses(graph, network, lb, source)
        if front:
            edges.append(reaches_edge(INTERNET_ID, lb.node.id, merge(front)))
        for target, accesses in sorted(behind.items()):
            edges.append(reaches_edge(lb.node.id, target, merge(accesses)))
    return edges


def _balancer_accesses(graph: EstateGraph, network: AzureNetwork, lb: Balancer, source: AddressSet
                       ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    address = next((p.address for p in lb.public if p.address), None)
    secure = (lb.sku or "").lower() == "standard" or any(p.secure_by_default for p in lb.public)
    front: list[dict[str, Any]] = []
    behind: dict[str, list[dict[str, Any]]] = {}
    by_rule: dict[tuple[Any, ...], list[str]] = {}
    for nic_id, rules in lb.backends.items():
        for rule in rules:
            key = (rule["protocol"], rule.get("frontend_port"), rule.get("backend_port"), rule.get("name"))
            by_rule.setdefault(key, []).append(nic_id)
    for (protocol_name, frontend_port, backend_port, name), nic_ids in sorted(by_rule.items(), key=str):
        protocols = ("tcp", "udp") if protocol_name == "all" else (protocol_name,)
        if not isinstance(backend_port, int) or not isinstance(frontend_port, int):
            continue
        span = ALL_PORTS if backend_port == 0 else (backend_port, backend_port)
        hop = {"hop": "load_balancer_rule", "id": lb.node.id, "name": name,
               "frontend_port": frontend_port, "backend_port": backend_port}
        for protocol in protocols:
            admitted = []
            for nic_id in nic_ids:
                nic = network.interfaces[nic_id]
                target = nic.instance if nic.instance and nic.instance in graph else nic.node.id
                found = interface_access(network, nic, address, {protocol: [span]}, source, secure, hop)
                if found:
                    behind.setdefault(target, []).extend(found)
                    admitted += found
            if admitted:
                sources = sorted({s for a in admitted for s in a["sources"]})
                front.append({"protocol": protocol, "ports": [list(ALL_PORTS if frontend_port == 0 else
                                                                   (frontend_port, frontend_port))],
                              "public_ip": address, "sources": sources,
                              "restricted": all(a["restricted"] for a in admitted),
                              "via": [{"hop": "public_ip", "address": address, "id": lb.node.id}, hop]})
    return front, {k: v for k, v in behind.items() if v}
