"""Moto-built estates for network reachability: a public SSH instance and the one change that breaks it,
an internet-facing ALB in front of a private instance, and app/db/other instances for lateral movement.

Moto differs from AWS in ways that matter here: a new custom NACL has no entries at all (AWS gives
it the two ``*`` deny rules; both deny everything, so the evaluation is the same), and moto's
Elastic IPs come from 127.0.0.0/8 (only the presence of a public address matters, not its range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
AMI = "ami-03cf127a"  # one of moto's built-in images
WORLD = "0.0.0.0/0"

# The one change each twin of the public instance makes.
VARIANTS = ("reachable", "nacl_deny_22", "private_subnet", "nat_routes", "https_only", "nacl_deny_ephemeral", "no_public_ip")


def _ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def arn(account: str, resource: str) -> str:
    """The node id of an EC2 resource."""
    return f"arn:aws:ec2:{REGION}:{account}:{resource}"


def account_id() -> str:
    """The moto account."""
    return boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]


def _tcp(port: int, **peers: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}


def _group(ec2: Any, vpc: str, name: str, *ingress: dict[str, Any]) -> str:
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(ingress))
    return gid


def _subnet(ec2: Any, vpc: str, cidr: str, zone: str = "a") -> str:
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]


def _instance(ec2: Any, subnet: str, group: str, public_ip: bool) -> str:
    interface = {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group], "AssociatePublicIpAddress": public_ip}
    return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             NetworkInterfaces=[interface])["Instances"][0]["InstanceId"]


def _nacl(ec2: Any, vpc: str, subnet: str, inbound: list[dict[str, Any]], outbound: list[dict[str, Any]]) -> str:
    """A custom NACL with the given entries, replacing the subnet's association."""
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress, entries in ((False, inbound), (True, outbound)):
        for entry in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl, Egress=egress, CidrBlock=WORLD, **entry)
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
    association = next(a["NetworkAclAssociationId"] for a in current[0]["Associations"] if a["SubnetId"] == subnet)
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    return acl


_ALLOW_ALL = {"RuleNumber": 100, "RuleAction": "allow", "Protocol": "-1"}


@dataclass(frozen=True)
class PublicInstance:
    """Ids of the public-instance estate."""

    instance: str
    vpc: str
    subnet: str
    group: str


def public_instance(variant: str = "reachable") -> PublicInstance:
    """A VPC with an internet gateway and an instance open to the world on SSH, changed by ``variant``.

    reachable: public subnet (0.0.0.0/0 -> igw), public IP, group allows 22 from anywhere, default ACL;
    nacl_deny_22: a NACL denies 22 in before allowing all; private_subnet: no route to the gateway;
    nat_routes: 0.0.0.0/1 and 128.0.0.0/1 -> a NAT gateway (longer than the igw's 0.0.0.0/0);
    https_only: the group allows 443, not 22; nacl_deny_ephemeral: a NACL denies 1024-65535 out;
    no_public_ip: the instance has only a private address.
    """
    assert variant in VARIANTS, variant
    ec2 = _ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = _subnet(ec2, vpc, "10.0.1.0/24")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    if variant != "private_subnet":
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=WORLD, GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    if variant == "nat_routes":
        nat_subnet = _subnet(ec2, vpc, "10.0.9.0/24")
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=nat_subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        for half in ("0.0.0.0/1", "128.0.0.0/1"):
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=half, NatGatewayId=nat)
    port = 443 if variant == "https_only" else 22
    group = _group(ec2, vpc, "ssh-world", _tcp(port, IpRanges=[{"CidrIp": WORLD}]))
    if variant == "nacl_deny_22":
        deny = {"RuleNumber": 90, "RuleAction": "deny", "Protocol": "6", "PortRange": {"From": 22, "To": 22}}
        _nacl(ec2, vpc, subnet, [deny, _ALLOW_ALL], [_ALLOW_ALL])
    if variant == "nacl_deny_ephemeral":
        deny = {"RuleNumber": 90, "RuleAction": "deny", "Protocol": "6", "PortRange": {"From": 1024, "To": 65535}}
        _nacl(ec2, vpc, subnet, [_ALLOW_ALL], [deny, _ALLOW_ALL])
    instance = _instance(ec2, subnet, group, public_ip=variant != "no_public_ip")
    account = account_id()
    return PublicInstance(arn(account, f"instance/{instance}"), arn(account, f"vpc/{vpc}"),
                          arn(account, f"subnet/{subnet}"), arn(account, f"security-group/{group}"))


@dataclass(frozen=True)
class BalancedInstance:
    """Ids of the load-balancer estate."""

    load_balancer: str
    instance: str


def balanced_private_instance() -> BalancedInstance:
    """An internet-facing ALB (HTTP 80 from anywhere) forwarding to 8080 on an instance in a private subnet
    whose group admits 8080 only from the ALB's group."""
    ec2 = _ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = [_subnet(ec2, vpc, "10.0.1.0/24", "a"), _subnet(ec2, vpc, "10.0.2.0/24", "b")]
    private = _subnet(ec2, vpc, "10.0.3.0/24", "a")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=WORLD, GatewayId=igw)
    for subnet in public:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    lb_group = _group(ec2, vpc, "alb", _tcp(80, IpRanges=[{"CidrIp": WORLD}]))
    app_group = _group(ec2, vpc, "app", _tcp(8080, UserIdGroupPairs=[{"GroupId": lb_group}]))
    instance = _instance(ec2, private, app_group, public_ip=False)
    elb = boto3.client("elbv2", region_name=REGION)
    lb = elb.create_load_balancer(Name="web", Subnets=public, SecurityGroups=[lb_group],
                                  Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=8080, VpcId=vpc,
                                 TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance}])
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    return BalancedInstance(lb, arn(account_id(), f"instance/{instance}"))


@dataclass(frozen=True)
class LateralTrio:
    """Ids of the lateral-movement estate: A may reach B, C may not."""

    app: str
    database: str
    other: str


def lateral_trio() -> LateralTrio:
    """Private subnets for app and data; B's group admits 5432 from A's group only; C has a group of its own."""
    ec2 = _ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    app_subnet, data_subnet = _subnet(ec2, vpc, "10.0.1.0/24"), _subnet(ec2, vpc, "10.0.2.0/24")
    app_group = _group(ec2, vpc, "app")
    db_group = _group(ec2, vpc, "db", _tcp(5432, UserIdGroupPairs=[{"GroupId": app_group}]))
    other_group = _group(ec2, vpc, "other")
    app = _instance(ec2, app_subnet, app_group, public_ip=False)
    database = _instance(ec2, data_subnet, db_group, public_ip=False)
    other = _instance(ec2, app_subnet, other_group, public_ip=False)
    account = account_id()
    return LateralTrio(*(arn(account, f"instance/{i}") for i in (app, database, other)))


def public_database(publicly_accessible: bool) -> str:
    """A PostgreSQL instance in public subnets (routed to an internet gateway) whose group admits 5432
    from anywhere; returns its ARN. Only ``PubliclyAccessible`` differs between the twins."""
    ec2 = _ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [_subnet(ec2, vpc, "10.0.1.0/24", "a"), _subnet(ec2, vpc, "10.0.2.0/24", "b")]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=WORLD, GatewayId=igw)
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = _group(ec2, vpc, "pg-world", _tcp(5432, IpRanges=[{"CidrIp": WORLD}]), _tcp(22, IpRanges=[{"CidrIp": WORLD}]))
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_subnet_group(DBSubnetGroupName="public", DBSubnetGroupDescription="public", SubnetIds=subnets)
    return rds.create_db_instance(
        DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername="app",
        MasterUserPassword="not-a-secret-1", DBSubnetGroupName="public", VpcSecurityGroupIds=[group],
        PubliclyAccessible=publicly_accessible,
    )["DBInstance"]["DBInstanceArn"]
