"""Network interfaces, the security groups that protect them, and Elastic IPs.

Called by the ``ec2`` service (not registered on its own).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.rules import security_group_rules
from cloudwarden.providers.aws.services.ec2_resources import display_name, ec2_arn, emit, plain, tag_map


def interface_addresses(eni: dict[str, Any]) -> dict[str, list[str]]:
    """``{public_ips, private_ips, ipv6_ips}`` of an interface (or of an instance's interface entry)."""
    public: list[str] = []
    private: list[str] = []
    for addr in eni.get("PrivateIpAddresses", []):
        if addr.get("PrivateIpAddress"):
            private.append(addr["PrivateIpAddress"])
        public_ip = (addr.get("Association") or {}).get("PublicIp")
        if public_ip:
            public.append(public_ip)
    if eni.get("PrivateIpAddress") and eni["PrivateIpAddress"] not in private:
        private.insert(0, eni["PrivateIpAddress"])
    public_ip = (eni.get("Association") or {}).get("PublicIp")
    if public_ip and public_ip not in public:
        public.insert(0, public_ip)
    ipv6 = [a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) if a.get("Ipv6Address")]
    return {"public_ips": public, "private_ips": private, "ipv6_ips": ipv6}


def collect_interfaces(ctx: AwsContext, ec2: Any) -> Counter[str]:
    """Every ENI with its subnet and security-group edges; returns how many ENIs use each group id."""
    usage: Counter[str] = Counter()
    for eni in ctx.paginate(ec2, "describe_network_interfaces", "NetworkInterfaces"):
        eid = eni["NetworkInterfaceId"]
        groups = [g["GroupId"] for g in eni.get("Groups", []) if g.get("GroupId")]
        usage.update(set(groups))
        tags = tag_map(eni.get("TagSet") or eni.get("Tags"))
        attachment = eni.get("Attachment")
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "network-interface", eid),
            cloud="aws",
            kind="network.interface",
            native_type="AWS::EC2::NetworkInterface",
            name=display_name(tags, eid),
            tags=tags,
            props={
                "network": interface_addresses(eni),
                "interface_type": eni.get("InterfaceType"),
                "status": eni.get("Status"),
                "requester_managed": eni.get("RequesterManaged"),
                "attachment": {
                    "instance_id": attachment.get("InstanceId"),
                    "instance_owner_id": attachment.get("InstanceOwnerId"),
                    "device_index": attachment.get("DeviceIndex"),
                    "status": attachment.get("Status"),
                } if attachment else None,
            },
            raw=plain(eni),
        ))
        if eni.get("SubnetId"):
            ctx.edge(node_id, ec2_arn(ctx, "subnet", eni["SubnetId"]), "in_subnet")
        for gid in groups:
            ctx.edge(node_id, ec2_arn(ctx, "security-group", gid), "protected_by")
    return usage


def collect_security_groups(
    ctx: AwsContext, ec2: Any, usage: Counter[str] | None
) -> dict[str, list[dict[str, Any]]]:
    """Security groups with normalized rules; returns group id -> rules for instance exposure.

    ``usage`` is None when the ENI listing failed: attachment counts are then unknown, not zero.
    """

    def group_arn(group_id: str, owner: str | None) -> str:
        # A rule may reference a group of a peered account: its ARN names that account.
        return ec2_arn(ctx, "security-group", group_id, account=owner or ctx.account)

    rules_by_group: dict[str, list[dict[str, Any]]] = {}
    for group in ctx.paginate(ec2, "describe_security_groups", "SecurityGroups"):
        gid = group["GroupId"]
        tags = tag_map(group.get("Tags"))
        rules = security_group_rules(group, group_arn)
        rules_by_group[gid] = rules
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "security-group", gid),
            cloud="aws",
            kind="network.firewall",
            native_type="AWS::EC2::SecurityGroup",
            # Every VPC has a group called "default": the Name tag tells them apart.
            name=display_name(tags, group.get("GroupName") or gid),
            tags=tags,
            props={
                "rules": rules,
                "is_default": group.get("GroupName") == "default",
                "attachment_count": None if usage is None else usage.get(gid, 0),
                "group_name": group.get("GroupName"),
            },
            raw=plain(group),
        ))
        if group.get("VpcId"):
            ctx.edge(node_id, ec2_arn(ctx, "vpc", group["VpcId"]), "in_vpc")
    return rules_by_group


def collect_elastic_ips(ctx: AwsContext, ec2: Any) -> None:
    """Elastic IPs and what they are associated with (DescribeAddresses has no paging)."""
    for address in ctx.paginate(ec2, "describe_addresses", "Addresses"):
        key = address.get("AllocationId") or address["PublicIp"]
        tags = tag_map(address.get("Tags"))
        emit(ctx, Node(
            id=ec2_arn(ctx, "elastic-ip", key),
            cloud="aws",
            kind="network.public_ip",
            native_type="AWS::EC2::EIP",
            name=display_name(tags, address.get("PublicIp") or key),
            tags=tags,
            props={
                "address": address.get("PublicIp"),
                "instance_id": address.get("InstanceId"),
                "network_interface_id": address.get("NetworkInterfaceId"),
                "private_ip": address.get("PrivateIpAddress"),
                "associated": bool(address.get("AssociationId") or address.get("InstanceId")),
                "domain": address.get("Domain"),
            },
            raw=plain(address),
        ))
