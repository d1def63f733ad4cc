"""Virtual networks, subnets, network security groups, route tables and NAT gateways.

Placement edges: subnet -in_vpc-> vnet, subnet -protected_by-> its NSG
(``{level: "subnet"}``), subnet -routes_to-> its route table and NAT gateway.
Subnets embedded in a vnet record are expanded into records of their own by the
context, so a standalone subnet record and an embedded one normalize alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.network_nsg import nsg_rules

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "network"


def public_addresses(ctx: Context, refs: Any) -> list[str] | None:
    """Addresses of referenced public IP resources; None when one is referenced but not in the input."""
    out: list[str] = []
    for ref in arm.items(refs):
        pip_id = arm.ref_id(ref)
        if not pip_id:
            continue
        record = ctx.record(pip_id)
        if record is None:
            return None
        address = arm.text(arm.get(arm.props(record), "ipAddress"))
        if address:
            out.append(address)
    return out


def handle_vnet(record: dict[str, Any], ctx: Context) -> None:
    """A virtual network (its subnets are handled as records of their own)."""
    p = arm.props(record)
    ctx.resource(record, "network.vpc", FAMILY, {
        "cidrs": [str(c) for c in arm.items(arm.path(p, "addressSpace", "addressPrefixes"))],
        "is_default": False,
        "state": arm.text(arm.get(p, "provisioningState")),
        "dns_servers": [str(s) for s in arm.items(arm.path(p, "dhcpOptions", "dnsServers"))],
        "peerings": [
            {"remote": arm.ref_id(arm.get(arm.props(peer), "remoteVirtualNetwork")),
             "state": arm.text(arm.get(arm.props(peer), "peeringState"))}
            for peer in arm.items(arm.get(p, "virtualNetworkPeerings"))
        ],
    }, raw_drop=("subnets",))


def handle_subnet(record: dict[str, Any], ctx: Context) -> None:
    """A subnet with its NSG, route table and NAT gateway."""
    p = arm.props(record)
    cidrs = [str(c) for c in arm.items(arm.get(p, "addressPrefixes"))]
    single = arm.text(arm.get(p, "addressPrefix"))
    if single and single not in cidrs:
        cidrs.insert(0, single)
    nsg = arm.ref_id(arm.get(p, "networkSecurityGroup"))
    table = arm.ref_id(arm.get(p, "routeTable"))
    nat = arm.ref_id(arm.get(p, "natGateway"))
    outbound = arm.flag(arm.get(p, "defaultOutboundAccess"))
    rid = ctx.resource(record, "network.subnet", FAMILY, {
        "cidrs": cidrs,
        "map_public_ip": None,
        "network_security_group": nsg,
        "route_table": table,
        "nat_gateway": nat,
        # Subnets have had default outbound internet access unless it is turned off.
        "default_outbound_access": True if outbound is None else outbound,
        "service_endpoints": [arm.text(arm.get(e, "service")) for e in arm.items(arm.get(p, "serviceEndpoints"))],
        "delegations": [arm.text(arm.get(arm.props(d), "serviceName")) for d in arm.items(arm.get(p, "delegations"))],
        "private_endpoint_network_policies": arm.text(arm.get(p, "privateEndpointNetworkPolicies")),
    }, raw_drop=("ipConfigurations", "privateEndpoints", "ipConfigurationProfiles", "serviceAssociationLinks"))
    vnet = arm.parent_id(rid)
    if vnet:
        ctx.edge(rid, vnet if ctx.is_node(vnet) else ctx.reference(vnet, "network.vpc", family=FAMILY), "in_vpc", FAMILY)
    if nsg:
        ctx.edge(rid, _ref(ctx, nsg, "network.firewall"), "protected_by", FAMILY, level="subnet")
    if table:
        ctx.edge(rid, _ref(ctx, table, "network.route_table"), "routes_to", FAMILY, main=False)
    if nat:
        ctx.edge(rid, _ref(ctx, nat, "network.gateway"), "routes_to", FAMILY, destination="0.0.0.0/0", nat=True)


def _ref(ctx: Context, node_id: str, kind: str) -> str:
    return node_id if ctx.is_node(node_id) else ctx.reference(node_id, kind, family=FAMILY)


def handle_nsg(record: dict[str, Any], ctx: Context) -> None:
    """A network security group with every rule, the six defaults included."""
    p = arm.props(record)
    attachments = len(arm.items(arm.get(p, "subnets"))) + len(arm.items(arm.get(p, "networkInterfaces")))
    ctx.resource(record, "network.firewall", FAMILY, {
        "rules": nsg_rules(record),
        "is_default": False,
        "attachment_count": attachments,
        "group_name": arm.text(arm.get(record, "name")),
        "subnets": sorted(filter(None, (arm.ref_id(s) for s in arm.items(arm.get(p, "subnets"))))),
        "network_interfaces": sorted(filter(None, (arm.ref_id(n) for n in arm.items(arm.get(p, "networkInterfaces"))))),
    }, raw_drop=("subnets", "networkInterfaces", "defaultSecurityRules"))


def handle_route_table(record: dict[str, Any], ctx: Context) -> None:
    """A route table: user-defined routes, next hop as the target."""
    p = arm.props(record)
    routes = []
    for route in arm.items(arm.get(p, "routes")):
        rp = arm.props(route)
        hop_type = arm.text(arm.get(rp, "nextHopType"))
        routes.append({
            "name": arm.text(arm.get(route, "name")),
            "destination": arm.text(arm.get(rp, "addressPrefix")),
            "target": arm.text(arm.get(rp, "nextHopIpAddress")) or hop_type,
            "target_kind": hop_type.lower() if hop_type else None,
            "state": arm.text(arm.get(rp, "provisioningState")),
        })
    rid = ctx.resource(record, "network.route_table", FAMILY, {
        "routes": routes,
        "main": False,
        "disable_bgp_route_propagation": arm.flag(arm.get(p, "disableBgpRoutePropagation")),
    }, raw_drop=("subnets",))
    for subnet in arm.items(arm.get(p, "subnets")):
        sid = arm.ref_id(subnet)
        if sid:
            ctx.edge(_ref(ctx, sid, "network.subnet"), rid, "routes_to", FAMILY, main=False)


def handle_nat_gateway(record: dict[str, Any], ctx: Context) -> None:
    """A NAT gateway: the subnets it gives outbound internet access through its public IPs."""
    p = arm.props(record)
    rid = ctx.resource(record, "network.gateway", FAMILY, {
        "gateway_type": "nat",
        "public_ips": public_addresses(ctx, arm.get(p, "publicIpAddresses")),
        "connectivity": "public",
        "state": arm.text(arm.get(p, "provisioningState")),
    }, raw_drop=("subnets",))
    for subnet in arm.items(arm.get(p, "subnets")):
        sid = arm.ref_id(subnet)
        if sid:
            ctx.edge(_ref(ctx, sid, "network.subnet"), rid, "routes_to", FAMILY, destination="0.0.0.0/0", nat=True)
