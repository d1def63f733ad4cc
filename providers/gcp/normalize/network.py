"""VPC networks, subnetworks, firewall rules, routes, external addresses and forwarding rules.

Firewall rules are one ``network.firewall`` node each. Their ``rules`` facet is
what the rule does now: empty while the rule is disabled, and without the
entries a higher-priority (or equal-priority) deny of the same network fully
shadows; ``configured_rules`` keeps every entry as written and ``shadowed_by``
names the deny rules. Each route is a ``network.route_table`` node; a route to
``default-internet-gateway`` also yields the project's ``network.gateway`` node.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.firewall import (
    DEFAULT_PRIORITY,
    firewall_entries,
    normalize_protocol,
    port_ranges,
    shadowing,
)
from cloudwarden.providers.gcp.normalize.resources import resource_node

NETWORK = "compute.googleapis.com/Network"
SUBNETWORK = "compute.googleapis.com/Subnetwork"
FIREWALL = "compute.googleapis.com/Firewall"
ROUTE = "compute.googleapis.com/Route"
ADDRESS = "compute.googleapis.com/Address"
GLOBAL_ADDRESS = "compute.googleapis.com/GlobalAddress"
FORWARDING_RULE = "compute.googleapis.com/ForwardingRule"
GLOBAL_FORWARDING_RULE = "compute.googleapis.com/GlobalForwardingRule"
DEFAULT_RULES = frozenset({"default-allow-internal", "default-allow-ssh", "default-allow-rdp", "default-allow-icmp"})


def _network_of(b: Builder, asset: Asset, link: Any) -> str | None:
    found = names.compute_id(str(link) if link else None, b.project_of(asset))
    return b.resolve(found) if found else None


def network(b: Builder, asset: Asset) -> None:
    """A VPC network (auto or custom mode, or a legacy network with one range)."""
    data = asset.data
    legacy = data.get("IPv4Range") or data.get("ipv4Range")
    resource_node(b, asset, "network.vpc", {
        "cidrs": [legacy] if legacy else [],
        "is_default": data.get("name") == "default",
        "auto_mode": bool(data.get("autoCreateSubnetworks")),
        "legacy": bool(legacy),
        "routing_mode": (data.get("routingConfig") or {}).get("routingMode"),
        "mtu": data.get("mtu"),
        "peerings": [{"name": p.get("name"), "network": names.compute_id(p.get("network")), "state": p.get("state")}
                     for p in data.get("peerings") or () if isinstance(p, dict)],
    }, region="global")


def subnetwork(b: Builder, asset: Asset) -> None:
    """A subnetwork: primary and secondary ranges, Private Google Access, flow logs."""
    data = asset.data
    log_config = data.get("logConfig") or {}
    flow_logs = bool(log_config.get("enable", data.get("enableFlowLogs", False)))
    secondary = [r.get("ipCidrRange") for r in data.get("secondaryIpRanges") or () if r.get("ipCidrRange")]
    node_id = resource_node(b, asset, "network.subnet", {
        "cidrs": [c for c in [data.get("ipCidrRange"), data.get("ipv6CidrRange")] if c] + secondary,
        "private_google_access": bool(data.get("privateIpGoogleAccess")),
        "flow_logs": flow_logs,
        "logging": {"enabled": flow_logs},
        "purpose": data.get("purpose"),
    })
    vpc = _network_of(b, asset, data.get("network"))
    if vpc:
        b.edge(node_id, b.reference(vpc, "network.vpc"), "in_vpc")


def firewall(b: Builder, asset: Asset) -> None:
    """One VPC firewall rule (its effective ``rules`` are settled once every rule is known)."""
    data = asset.data
    entries = firewall_entries(data)
    vpc = _network_of(b, asset, data.get("network"))
    disabled = bool(data.get("disabled"))
    log_enabled = bool((data.get("logConfig") or {}).get("enable"))
    node_id = resource_node(b, asset, "network.firewall", {
        "rules": [] if disabled else entries,
        "configured_rules": entries,
        "direction": "egress" if str(data.get("direction") or "INGRESS").upper() == "EGRESS" else "ingress",
        "action": "deny" if data.get("denied") else "allow",
        "priority": int(float(data.get("priority", DEFAULT_PRIORITY))),
        "disabled": disabled,
        "target_tags": list(data.get("targetTags") or []),
        "target_service_accounts": [str(s).lower() for s in data.get("targetServiceAccounts") or ()],
        "source_tags": list(data.get("sourceTags") or []),
        "source_service_accounts": [str(s).lower() for s in data.get("sourceServiceAccounts") or ()],
        "source_ranges": list(data.get("sourceRanges") or []),
        "destination_ranges": list(data.get("destinationRanges") or []),
        "network": vpc,
        "is_default": data.get("name") in DEFAULT_RULES,
        "shadowed_by": [],
        "logging": {"enabled": log_enabled},
        "group_name": data.get("name"),
    }, region="global")
    if vpc:
        b.edge(node_id, b.reference(vpc, "network.vpc"), "in_vpc")


def settle_firewalls(b: Builder) -> None:
    """Drop from each enabled allow rule the entries an enabled deny of its network fully shadows."""
    rules = [n for n in b.nodes.values() if n.kind == "network.firewall" and n.cloud == "gcp" and not n.reference]
    denies: dict[tuple[Any, str], list[tuple[str, dict[str, Any]]]] = {}
    for node in rules:
        if node.props.get("action") == "deny" and not node.props.get("disabled"):
            denies.setdefault((node.props.get("network"), node.props["direction"]), []).append((node.id, node.props))
    for node in rules:
        props = node.props
        if props.get("action") != "allow" or props.get("disabled"):
            continue
        kept, shadowed_by = [], set()
        candidates = denies.get((props.get("network"), props["direction"]), [])
        for entry in props["rules"]:
            winner = shadowing(props, entry, candidates)
            if winner:
                shadowed_by.add(winner)
            else:
                kept.append(entry)
        props["rules"], props["shadowed_by"] = kept, sorted(shadowed_by)


def _next_hop(b: Builder, asset: Asset, data: dict[str, Any]) -> tuple[str | None, str]:
    """(target id or address, target kind) of a route."""
    project = b.project_of(asset)
    hops = [("nextHopGateway", "internet_gateway"), ("nextHopInstance", "instance"), ("nextHopIp", "ip"),
            ("nextHopVpnTunnel", "vpn_tunnel"), ("nextHopPeering", "peering"), ("nextHopIlb", "load_balancer"),
            ("nextHopNetwork", "network"), ("nextHopHub", "hub")]
    for field, kind in hops:
        value = data.get(field)
        if not value:
            continue
        if field in ("nextHopIp", "nextHopPeering", "nextHopHub"):
            return str(value), kind
        target = names.compute_id(str(value), project)
        return (b.resolve(target) if target else str(value)), kind
    return None, "unknown"


def route(b: Builder, asset: Asset) -> None:
    """One route of a network (its own ``network.route_table`` node)."""
    data = asset.data
    target, kind = _next_hop(b, asset, data)
    priority = data.get("priority")
    node_id = resource_node(b, asset, "network.route_table", {
        "routes": [{"destination": data.get("destRange"), "target": target, "target_kind": kind, "state": "active",
                    "priority": int(float(priority)) if priority is not None else None,
                    "tags": list(data.get("tags") or [])}],
        "priority": int(float(priority)) if priority is not None else None,
        "tags": list(data.get("tags") or []),
        "main": None,
    }, region="global")
    vpc = _network_of(b, asset, data.get("network"))
    if vpc:
        b.edge(node_id, b.reference(vpc, "network.vpc"), "in_vpc")
    if kind == "internet_gateway" and target:
        gateway = b.reference(target, "network.gateway", names.basename(target), gateway_type="internet",
                              attached_vpcs=[])
        b.nodes[gateway].account = b.project_of(asset)
        b.nodes[gateway].reference = False  # the implied gateway exists wherever a route names it
        if vpc and vpc not in b.nodes[gateway].props["attached_vpcs"]:
            b.nodes[gateway].props["attached_vpcs"].append(vpc)
        b.edge(node_id, gateway, "routes_to", destination=data.get("destRange"))


def address(b: Builder, asset: Asset) -> None:
    """A reserved external address (internal reservations are not public addresses and are left out)."""
    data = asset.data
    if str(data.get("addressType") or "EXTERNAL").upper() != "EXTERNAL":
        return
    links = (names.compute_id(str(x), b.project_of(asset)) for x in data.get("users") or ())
    users = [b.resolve(u) for u in links if u]
    instance = next((u for u in users if "/instances/" in u), None)
    node_id = resource_node(b, asset, "network.public_ip", {
        "address": data.get("address"),
        "associated": str(data.get("status") or "").upper() == "IN_USE" or bool(users),
        "instance_id": instance,
        "users": users,
        "network_tier": data.get("networkTier"),
        "address_type": "external",
        "domain": None,
    })
    for user in users:
        if user in b.names:
            b.edge(node_id, user, "routes_to")


def forwarding_rule(b: Builder, asset: Asset) -> None:
    """A forwarding rule, the frontend of a load balancer (EXTERNAL schemes face the internet)."""
    data = asset.data
    scheme = str(data.get("loadBalancingScheme") or "EXTERNAL").upper()
    protocol = normalize_protocol(data.get("IPProtocol") or "TCP")
    if data.get("allPorts"):
        ports = port_ranges("all", None)
    elif data.get("ports"):
        ports = port_ranges(protocol, data.get("ports"))
    else:
        ports = port_ranges(protocol, [data["portRange"]] if data.get("portRange") else None)
    project = b.project_of(asset)
    target = names.compute_id(data.get("target") or data.get("backendService"), project)
    node_id = resource_node(b, asset, "network.load_balancer", {
        "scheme": "internet-facing" if scheme.startswith("EXTERNAL") else "internal",
        "load_balancing_scheme": scheme,
        "ip_address": data.get("IPAddress"),
        "listeners": [{"protocol": protocol, "ports": ports}],
        "type": "forwarding_rule",
        "target": b.resolve(target) if target else None,
        "network_tier": data.get("networkTier"),
    })
    if target and b.resolve(target) in b.names:
        b.edge(node_id, b.resolve(target), "routes_to")
    for field, edge_kind in (("network", "in_vpc"), ("subnetwork", "in_subnet")):
        link = names.compute_id(data.get(field), project)
        if link:
            b.edge(node_id, b.reference(b.resolve(link), "network.vpc" if field == "network" else "network.subnet"),
                   edge_kind)


HANDLERS = {
    NETWORK: network, SUBNETWORK: subnetwork, FIREWALL: firewall, ROUTE: route, ADDRESS: address,
    GLOBAL_ADDRESS: address, FORWARDING_RULE: forwarding_rule, GLOBAL_FORWARDING_RULE: forwarding_rule,
}
