"""Network and compute estate in us-east-1: world-open firewalls, a permissive NACL, exposed and
IMDSv1 instances, an unencrypted volume, each next to a clean twin.

Moto differs from AWS in two ways that matter here, and ``plant`` makes the estate look like AWS:
a new VPC's default security group has no self-referencing ingress rule in moto (added here), and
a new custom NACL has no default deny entries (irrelevant to the policies planted).
"""

from __future__ import annotations

from typing import Any

import boto3

from tests.estates import Expect

REGION = "us-east-1"
AMI = "ami-03cf127a"  # one of moto's built-in images

_WORLD4 = [{"CidrIp": "0.0.0.0/0"}]


def _tcp(port: int, **peers: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}


def _name(ec2: Any, resource: str, name: str) -> None:
    ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])


def _vpc(ec2: Any, cidr: str, name: str) -> str:
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    _name(ec2, vpc, name)
    return vpc


def _default_group(ec2: Any, vpc: str) -> dict[str, Any]:
    return ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]


def _group(ec2: Any, vpc: str, name: str, *ingress: dict[str, Any]) -> str:
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(ingress))
    return gid


def _nacl(ec2: Any, vpc: str, name: str, *entries: dict[str, Any]) -> None:
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    _name(ec2, acl, name)
    for entry in entries:
        ec2.create_network_acl_entry(NetworkAclId=acl, Egress=False, CidrBlock="0.0.0.0/0", **entry)


def _instance(ec2: Any, name: str, subnet: str, group: str, tokens: str) -> None:
    ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet, SecurityGroupIds=[group],
        MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )


def _volume(ec2: Any, name: str, encrypted: bool) -> None:
    ec2.create_volume(
        AvailabilityZone=f"{REGION}a", Size=8, Encrypted=encrypted,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": name}]}],
    )


def _plant_default_groups(ec2: Any, planted_vpc: str, clean_vpc: str) -> None:
    """The planted VPC's default group keeps AWS's self-referencing rule; the clean one has every rule revoked."""
    planted = _default_group(ec2, planted_vpc)
    _name(ec2, planted["GroupId"], "planted-default-sg")
    if not planted["IpPermissions"]:  # moto omits the rule AWS creates with every VPC
        ec2.authorize_security_group_ingress(
            GroupId=planted["GroupId"],
            IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": planted["GroupId"]}]}],
        )
    clean = _default_group(ec2, clean_vpc)
    _name(ec2, clean["GroupId"], "clean-default-sg")
    if clean["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=clean["GroupId"], IpPermissions=clean["IpPermissions"])
    if clean["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(GroupId=clean["GroupId"], IpPermissions=clean["IpPermissionsEgress"])


def plant() -> list[Expect]:
    """Create the estate in us-east-1 and return what the policies must and must not report."""
    ec2 = boto3.client("ec2", region_name=REGION)
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    vpc = _vpc(ec2, "10.10.0.0/16", "planted-vpc")
    clean_vpc = _vpc(ec2, "10.20.0.0/16", "clean-vpc")

    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    _name(ec2, public, "planted-public-subnet")
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.2.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    _name(ec2, private, "planted-private-subnet")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)

    ssh_world = _group(ec2, vpc, "planted-ssh-world", _tcp(22, IpRanges=_WORLD4))
    ssh_office = _group(ec2, vpc, "clean-ssh-office", _tcp(22, IpRanges=[{"CidrIp": "203.0.113.0/24"}]))
    _group(ec2, vpc, "planted-db-world", _tcp(5432, Ipv6Ranges=[{"CidrIpv6": "::/0"}]))
    db_internal = _group(ec2, vpc, "clean-db-internal", _tcp(5432, IpRanges=[{"CidrIp": "10.0.0.0/8"}]))
    _group(ec2, vpc, "planted-all-world", {"IpProtocol": "-1", "IpRanges": _WORLD4})
    _group(ec2, vpc, "clean-https-world", _tcp(443, IpRanges=_WORLD4))
    _plant_default_groups(ec2, vpc, clean_vpc)

    ssh22 = {"Protocol": "6", "PortRange": {"From": 22, "To": 22}}
    rdp = {"Protocol": "6", "PortRange": {"From": 3389, "To": 3389}}
    _nacl(ec2, vpc, "planted-nacl-ssh", {"RuleNumber": 100, "RuleAction": "allow", **ssh22})
    # Both admin ports are denied before the allow-all, or RDP would still be world-reachable.
    _nacl(ec2, vpc, "clean-nacl-deny-first", {"RuleNumber": 90, "RuleAction": "deny", **ssh22},
          {"RuleNumber": 91, "RuleAction": "deny", **rdp}, {"RuleNumber": 100, "RuleAction": "allow", "Protocol": "-1"})

    _instance(ec2, "planted-public-ssh", public, ssh_world, "required")
    _instance(ec2, "clean-public-office-ssh", public, ssh_office, "required")
    _instance(ec2, "planted-imdsv1", private, db_internal, "optional")
    _instance(ec2, "clean-imdsv2", private, db_internal, "required")
    _volume(ec2, "planted-unencrypted-volume", encrypted=False)
    _volume(ec2, "clean-encrypted-volume", encrypted=True)
    # EBS encryption by default stays off in us-east-1 (the account-level finding).

    fw, acl, vm, disk = "network.firewall", "network.acl", "compute.instance", "compute.disk"
    admin, db, every = "firewall-no-world-admin-ports", "firewall-no-world-database-ports", "firewall-no-world-all-ports"
    public_vm, imds = "instance-public-ip-behind-world-open-firewall", "instance-imdsv2-required"
    return [
        Expect(admin, fw, "planted-ssh-world", True),
        Expect(admin, fw, "clean-ssh-office", False),
        Expect(db, fw, "planted-db-world", True),
        Expect(db, fw, "clean-db-internal", False),
        Expect(every, fw, "planted-all-world", True),
        Expect(every, fw, "clean-https-world", False),
        Expect(admin, fw, "clean-https-world", False),
        Expect(db, fw, "clean-https-world", False),
        Expect("firewall-default-restricts-all", fw, "planted-default-sg", True),
        Expect("firewall-default-restricts-all", fw, "clean-default-sg", False),
        Expect("acl-no-world-admin-ports", acl, "planted-nacl-ssh", True),
        Expect("acl-no-world-admin-ports", acl, "clean-nacl-deny-first", False),
        Expect(public_vm, vm, "planted-public-ssh", True),
        Expect(public_vm, vm, "clean-public-office-ssh", False),
        Expect(imds, vm, "planted-imdsv1", True),
        Expect(imds, vm, "clean-imdsv2", False),
        Expect("disk-encrypted", disk, "planted-unencrypted-volume", True),
        Expect("disk-encrypted", disk, "clean-encrypted-volume", False),
        Expect("account-disk-encryption-by-default", "account", account, True),
    ]
