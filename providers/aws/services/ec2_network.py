"""VPC topology: VPCs, subnets, route tables, internet and NAT gateways, network ACLs.

Called by the ``ec2`` service (not registered on its own).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.rules import network_acl_rules
from cloudwarden.providers.aws.services.ec2_resources import (
    collect_family,
    display_name,
    ec2_arn,
    emit,
    plain,
    tag_map,
)

# Route target fields in the order that decides a route's kind: a route to an
# instance also names the instance's ENI, so the instance is checked first.
_ROUTE_TARGETS: tuple[tuple[str, str], ...] = (
    ("NatGatewayId", "nat"),
    ("InstanceId", "instance"),
    ("NetworkInterfaceId", "eni"),
    ("VpcPeeringConnectionId", "pcx"),
    ("TransitGatewayId", "tgw"),
    ("EgressOnlyInternetGatewayId", "other"),
    ("CarrierGatewayId", "other"),
    ("LocalGatewayId", "other"),
    ("CoreNetworkArn", "other"),
)
_GATEWAY_PREFIXES: tuple[tuple[str, str], ...] = (("igw-", "igw"), ("vgw-", "vgw"), ("vpce-", "vpce"))


def collect_network(ctx: AwsContext, ec2: Any) -> None:
    """Every VPC, subnet, route table, gateway and network ACL of the region, each family on its own."""
    collect_family(ctx, lambda: collect_vpcs(ctx, ec2))
    subnets = collect_family(ctx, lambda: collect_subnets(ctx, ec2))
    # Without the subnet listing, subnets on the main table cannot be named: only explicit associations remain.
    collect_family(ctx, lambda: collect_route_tables(ctx, ec2, subnets or {}))
    collect_family(ctx, lambda: collect_internet_gateways(ctx, ec2))
    collect_family(ctx, lambda: collect_nat_gateways(ctx, ec2))
    collect_family(ctx, lambda: collect_network_acls(ctx, ec2))


def _associated_cidrs(items: list[dict[str, Any]], key: str, state_key: str) -> list[str]:
    """CIDRs of association sets that are in use (not being disassociated or failed)."""
    return [
        a[key]
        for a in items
        if a.get(key) and (a.get(state_key) or {}).get("State", "associated") in ("associated", "associating")
    ]


def collect_vpcs(ctx: AwsContext, ec2: Any) -> None:
    """VPCs with their IPv4 and IPv6 CIDRs."""
    for vpc in ctx.paginate(ec2, "describe_vpcs", "Vpcs"):
        tags = tag_map(vpc.get("Tags"))
        cidrs = _associated_cidrs(vpc.get("CidrBlockAssociationSet", []), "CidrBlock", "CidrBlockState")
        cidrs += _associated_cidrs(vpc.get("Ipv6CidrBlockAssociationSet", []), "Ipv6CidrBlock", "Ipv6CidrBlockState")
        if not cidrs and vpc.get("CidrBlock"):
            cidrs = [vpc["CidrBlock"]]
        emit(ctx, Node(
            id=ec2_arn(ctx, "vpc", vpc["VpcId"]),
            cloud="aws",
            kind="network.vpc",
            native_type="AWS::EC2::VPC",
            name=display_name(tags, vpc["VpcId"]),
            tags=tags,
            props={"cidrs": cidrs, "is_default": bool(vpc.get("IsDefault")), "state": vpc.get("State")},
            raw=plain(vpc),
        ))


def collect_subnets(ctx: AwsContext, ec2: Any) -> dict[str, str]:
    """Subnets with their VPC edge; returns subnet id -> VPC id for the route-table fallback."""
    subnet_vpc: dict[str, str] = {}
    for subnet in ctx.paginate(ec2, "describe_subnets", "Subnets"):
        sid, vid = subnet["SubnetId"], subnet["VpcId"]
        subnet_vpc[sid] = vid
        tags = tag_map(subnet.get("Tags"))
        cidrs = [subnet["CidrBlock"]] if subnet.get("CidrBlock") else []
        cidrs += _associated_cidrs(subnet.get("Ipv6CidrBlockAssociationSet", []), "Ipv6CidrBlock", "Ipv6CidrBlockState")
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "subnet", sid),
            cloud="aws",
            kind="network.subnet",
            native_type="AWS::EC2::Subnet",
            name=display_name(tags, sid),
            tags=tags,
            props={
                "cidrs": cidrs,
                "map_public_ip": bool(subnet.get("MapPublicIpOnLaunch")),
                "availability_zone": subnet.get("AvailabilityZone"),
            },
            raw=plain(subnet),
        ))
        ctx.edge(node_id, ec2_arn(ctx, "vpc", vid), "in_vpc")
    return subnet_vpc


def route_target(route: dict[str, Any]) -> tuple[str | None, str]:
    """(target id, target kind) of a route: ``igw|nat|eni|instance|pcx|tgw|local|vgw|vpce|other``."""
    gateway = route.get("GatewayId")
    if gateway == "local":
        return "local", "local"
    for field, kind in _ROUTE_TARGETS:
        if route.get(field):
            return str(route[field]), kind
    if gateway:
        kind = next((k for prefix, k in _GATEWAY_PREFIXES if gateway.startswith(prefix)), "other")
        return str(gateway), kind
    return None, "other"


def normalize_route(route: dict[str, Any]) -> dict[str, Any]:
    """One route as ``{destination, target, target_kind, state}``."""
    target, kind = route_target(route)
    destination = (
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
    )
    return {"destination": destination, "target": target, "target_kind": kind, "state": route.get("State")}


def collect_route_tables(ctx: AwsContext, ec2: Any, subnet_vpc: dict[str, str]) -> None:
    """Route tables, their routes, subnet associations (explicit or via the main table) and gateway edges."""
    explicit: set[str] = set()
    main_table: dict[str, str] = {}
    for table in ctx.paginate(ec2, "describe_route_tables", "RouteTables"):
        rid, vid = table["RouteTableId"], table["VpcId"]
        routes = [normalize_route(r) for r in table.get("Routes", [])]
        associations = [
            a for a in table.get("Associations", [])
            if (a.get("AssociationState") or {}).get("State", "associated") == "associated"
        ]
        is_main = any(a.get("Main") for a in associations)
        tags = tag_map(table.get("Tags"))
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "route-table", rid),
            cloud="aws",
            kind="network.route_table",
            native_type="AWS::EC2::RouteTable",
            name=display_name(tags, rid),
            tags=tags,
            props={"routes": routes, "main": is_main},
            raw=plain(table),
        ))
        ctx.edge(node_id, ec2_arn(ctx, "vpc", vid), "in_vpc")
        if is_main:
            main_table[vid] = node_id
        for assoc in associations:
            if assoc.get("SubnetId"):
                explicit.add(assoc["SubnetId"])
                ctx.edge(ec2_arn(ctx, "subnet", assoc["SubnetId"]), node_id, "routes_to", main=False)
        _gateway_edges(ctx, node_id, routes)
    # A subnet with no explicit association uses its VPC's main route table.
    for sid, vid in subnet_vpc.items():
        if sid not in explicit and vid in main_table:
            ctx.edge(ec2_arn(ctx, "subnet", sid), main_table[vid], "routes_to", main=True)


def _gateway_edges(ctx: AwsContext, table_id: str, routes: list[dict[str, Any]]) -> None:
    """route table -routes_to-> internet / NAT gateway, one edge per gateway listing its destinations."""
    destinations: dict[str, list[str]] = {}
    for route in routes:
        if route["target_kind"] == "igw":
            gw = ctx.reference(ec2_arn(ctx, "internet-gateway", route["target"]), "network.gateway")
        elif route["target_kind"] == "nat":
            gw = ctx.reference(ec2_arn(ctx, "natgateway", route["target"]), "network.gateway")
        else:
            continue
        destinations.setdefault(gw, []).append(route["destination"])
    for gw, dests in destinations.items():
        # The broadest destination (the default route, when there is one) is the headline.
        head = next((d for d in dests if d in ("0.0.0.0/0", "::/0")), dests[0])
        ctx.edge(table_id, gw, "routes_to", destination=head, destinations=dests)


def collect_internet_gateways(ctx: AwsContext, ec2: Any) -> None:
    """Internet gateways and the VPCs they are attached to."""
    for igw in ctx.paginate(ec2, "describe_internet_gateways", "InternetGateways"):
        gid = igw["InternetGatewayId"]
        tags = tag_map(igw.get("Tags"))
        attached = [a["VpcId"] for a in igw.get("Attachments", []) if a.get("VpcId")]
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "internet-gateway", gid),
            cloud="aws",
            kind="network.gateway",
            native_type="AWS::EC2::InternetGateway",
            name=display_name(tags, gid),
            tags=tags,
            props={"gateway_type": "internet", "attached_vpcs": attached},
            raw=plain(igw),
        ))
        for vid in attached:
            ctx.edge(node_id, ec2_arn(ctx, "vpc", vid), "in_vpc")


def collect_nat_gateways(ctx: AwsContext, ec2: Any) -> None:
    """NAT gateways (deleted ones, which linger in listings for a while, are skipped)."""
    for nat in ctx.paginate(ec2, "describe_nat_gateways", "NatGateways"):
        if nat.get("State") == "deleted":
            continue
        nid = nat["NatGatewayId"]
        tags = tag_map(nat.get("Tags"))
        addresses = nat.get("NatGatewayAddresses", [])
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "natgateway", nid),
            cloud="aws",
            kind="network.gateway",
            native_type="AWS::EC2::NatGateway",
            name=display_name(tags, nid),
            tags=tags,
            props={
                "gateway_type": "nat",
                "connectivity": nat.get("ConnectivityType", "public"),
                "state": nat.get("State"),
                "public_ips": [a["PublicIp"] for a in addresses if a.get("PublicIp")],
                "network": {
                    "public_ips": [a["PublicIp"] for a in addresses if a.get("PublicIp")],
                    "private_ips": [a["PrivateIp"] for a in addresses if a.get("PrivateIp")],
                },
            },
            raw=plain(nat),
        ))
        if nat.get("SubnetId"):
            ctx.edge(node_id, ec2_arn(ctx, "subnet", nat["SubnetId"]), "in_subnet")
        if nat.get("VpcId"):
            ctx.edge(node_id, ec2_arn(ctx, "vpc", nat["VpcId"]), "in_vpc")


def collect_network_acls(ctx: AwsContext, ec2: Any) -> None:
    """Network ACLs with rules in evaluation order and the subnets they protect."""
    for acl in ctx.paginate(ec2, "describe_network_acls", "NetworkAcls"):
        aid = acl["NetworkAclId"]
        tags = tag_map(acl.get("Tags"))
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "network-acl", aid),
            cloud="aws",
            kind="network.acl",
            native_type="AWS::EC2::NetworkAcl",
            name=display_name(tags, aid),
            tags=tags,
            props={"rules": network_acl_rules(acl.get("Entries", [])), "is_default": bool(acl.get("IsDefault"))},
            raw=plain(acl),
        ))
        ctx.edge(node_id, ec2_arn(ctx, "vpc", acl["VpcId"]), "in_vpc")
        for assoc in acl.get("Associations", []):
            if assoc.get("SubnetId"):
                ctx.edge(ec2_arn(ctx, "subnet", assoc["SubnetId"]), node_id, "protected_by")
