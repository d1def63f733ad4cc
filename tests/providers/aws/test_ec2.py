"""EC2 collection (network, instances, volumes) through boto3 against moto."""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import ClientError

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.context import AccountSession, AwsContext
from cloudwarden.providers.aws.scope import AwsScope
from cloudwarden.providers.aws.services.ec2_resources import collect_family

ACCOUNT = "123456789012"
REGION = "us-east-1"
AMI = "ami-03cf127a"  # one of moto's built-in images


def _arn(resource: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{resource}"


def _collect(regions: tuple[str, ...] = (REGION,)) -> Snapshot:
    return collect_aws(AwsScope(regions=list(regions), services=["ec2"]), "test")


def _node(snapshot: Snapshot, node_id: str):
    return snapshot.node_index()[node_id]


def _edges(snapshot: Snapshot, kind: str, source: str | None = None) -> dict[str, dict]:
    return {e.target: e.detail for e in snapshot.edges if e.kind == kind and (source is None or e.source == source)}


def _vpc(ec2, cidr: str = "10.1.0.0/16") -> str:
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def _group(ec2, vpc: str, name: str, *permissions: dict) -> str:
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(permissions))
    return gid


def _tcp(port: int, **peers: list) -> dict:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}


def _ingress(snapshot: Snapshot, group_id: str) -> list[dict]:
    rules = _node(snapshot, _arn(f"security-group/{group_id}")).props["rules"]
    return [r for r in rules if r["direction"] == "ingress"]


# --- security groups ------------------------------------------------------------


def test_world_open_ssh_rule_has_the_world_as_source_and_port_22(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    gid = _group(ec2, _vpc(ec2), "ssh", _tcp(22, IpRanges=[{"CidrIp": "0.0.0.0/0"}]))
    [rule] = _ingress(_collect(), gid)
    assert (rule["protocol"], rule["ports"], rule["sources"], rule["action"]) == (
        "tcp", [[22, 22]], ["0.0.0.0/0"], "allow")


def test_rule_referencing_another_group_names_that_groups_arn(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    app = _group(ec2, vpc, "app")
    db = _group(ec2, vpc, "db", _tcp(5432, UserIdGroupPairs=[{"GroupId": app}]))
    [rule] = _ingress(_collect(), db)
    assert rule["sources"] == [_arn(f"security-group/{app}")]


def test_ipv6_world_rule_keeps_the_ipv6_source(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    gid = _group(ec2, _vpc(ec2), "v6", _tcp(5432, Ipv6Ranges=[{"CidrIpv6": "::/0"}]))
    [rule] = _ingress(_collect(), gid)
    assert rule["sources"] == ["::/0"]


def test_all_protocols_rule_has_protocol_all_and_every_port(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    gid = _group(ec2, _vpc(ec2), "any", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    [rule] = _ingress(_collect(), gid)
    assert (rule["protocol"], rule["ports"]) == ("all", [[0, 65535]])


def test_default_group_is_flagged_and_named_by_its_name_tag(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    other = _group(ec2, vpc, "web")
    ec2.create_tags(Resources=[default], Tags=[{"Key": "Name", "Value": "main-default"}])
    snapshot = _collect()
    node = _node(snapshot, _arn(f"security-group/{default}"))
    assert (node.props["is_default"], node.name) == (True, "main-default")
    assert _node(snapshot, _arn(f"security-group/{other}")).props["is_default"] is False


def test_group_counts_the_interfaces_attached_to_it(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    gid = _group(ec2, vpc, "shared")
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[gid])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_network_interface(SubnetId=subnet, Groups=[gid])
    snapshot = _collect()
    assert _node(snapshot, _arn(f"security-group/{gid}")).props["attachment_count"] == 2
    assert _arn(f"security-group/{gid}") in _edges(snapshot, "protected_by", _arn(f"network-interface/{eni}"))


# --- NACLs and routing --------------------------------------------------------------


def test_nacl_rules_follow_rule_numbers_and_end_with_the_default_deny(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    default_acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]
    acl = default_acl["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    node = _node(_collect(), _arn(f"network-acl/{acl}"))
    ingress = [(r["priority"], r["action"], r["ports"]) for r in node.props["rules"] if r["direction"] == "ingress"]
    assert ingress == [(90, "deny", [[22, 22]]), (100, "allow", [[0, 65535]]), (32767, "deny", [[0, 65535]])]
    assert node.props["is_default"] is True


def test_subnet_is_protected_by_its_associated_nacl(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    assert _arn(f"network-acl/{acl}") in _edges(_collect(), "protected_by", _arn(f"subnet/{subnet}"))


def test_route_table_with_internet_route_routes_to_the_internet_gateway(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    snapshot = _collect()
    routes = _node(snapshot, _arn(f"route-table/{table}")).props["routes"]
    assert {"destination": "0.0.0.0/0", "target": igw, "target_kind": "igw", "state": "active"} in routes
    assert _edges(snapshot, "routes_to", _arn(f"route-table/{table}"))[_arn(f"internet-gateway/{igw}")][
        "destination"] == "0.0.0.0/0"
    assert _node(snapshot, _arn(f"internet-gateway/{igw}")).props["gateway_type"] == "internet"
    assert _arn(f"vpc/{vpc}") in _edges(snapshot, "in_vpc", _arn(f"internet-gateway/{igw}"))


def test_subnet_without_association_routes_through_the_main_table(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    plain_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    routed_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.2.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=routed_subnet)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    snapshot = _collect()
    main_edges = _edges(snapshot, "routes_to", _arn(f"subnet/{plain_subnet}"))
    explicit_edges = _edges(snapshot, "routes_to", _arn(f"subnet/{routed_subnet}"))
    assert main_edges == {_arn(f"route-table/{main}"): {"main": True}}
    assert explicit_edges == {_arn(f"route-table/{table}"): {"main": False}}


# --- instances ------------------------------------------------------------------------


def _public_subnet(ec2, vpc: str) -> str:
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    return subnet


def _instance(ec2, subnet: str, groups: list[str] | None = None, **kwargs) -> str:
    if groups:
        kwargs["SecurityGroupIds"] = groups
    reservation = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, **kwargs)
    return reservation["Instances"][0]["InstanceId"]


def test_public_instance_behind_world_open_group_reports_public_ip_and_open_ports(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    ssh = _group(ec2, vpc, "ssh", _tcp(22, IpRanges=[{"CidrIp": "0.0.0.0/0"}]))
    web = _group(ec2, vpc, "web", _tcp(443, Ipv6Ranges=[{"CidrIpv6": "::/0"}]),
                 _tcp(8080, IpRanges=[{"CidrIp": "10.0.0.0/8"}]))
    iid = _instance(ec2, _public_subnet(ec2, vpc), [ssh, web])
    snapshot = _collect()
    node = _node(snapshot, _arn(f"instance/{iid}"))
    assert node.props["world_open_ports"] == [[22, 22], [443, 443]]
    assert node.props["network"]["public_ips"] and node.props["network"]["private_ips"]
    assert {_arn(f"security-group/{ssh}"), _arn(f"security-group/{web}")} <= set(
        _edges(snapshot, "protected_by", node.id))


def test_instance_behind_private_group_has_no_world_open_ports(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    office = _group(ec2, vpc, "office", _tcp(22, IpRanges=[{"CidrIp": "203.0.113.0/24"}]))
    iid = _instance(ec2, _public_subnet(ec2, vpc), [office])
    assert _node(_collect(), _arn(f"instance/{iid}")).props["world_open_ports"] == []


def test_instance_requiring_tokens_has_imdsv2_required_and_optional_does_not(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=_vpc(ec2), CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    strict = _instance(ec2, subnet, MetadataOptions={"HttpTokens": "required"})
    loose = _instance(ec2, subnet, MetadataOptions={"HttpTokens": "optional"})
    snapshot = _collect()
    assert _node(snapshot, _arn(f"instance/{strict}")).props["imdsv2_required"] is True
    assert _node(snapshot, _arn(f"instance/{loose}")).props["imdsv2_required"] is False


def test_disabled_metadata_endpoint_counts_as_not_exposing_imdsv1(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=_vpc(ec2), CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    iid = _instance(ec2, subnet, MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "disabled"})
    props = _node(_collect(), _arn(f"instance/{iid}")).props
    assert props["imdsv2_required"] is True and props["imds"]["endpoint_enabled"] is False


def test_instance_profile_gives_a_runs_as_edge_to_its_role(aws: str) -> None:
    iam = boto3.client("iam", region_name=REGION)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    profile = iam.create_instance_profile(InstanceProfileName="app-profile")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=_vpc(ec2), CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    iid = _instance(ec2, subnet, IamInstanceProfile={"Arn": profile})
    snapshot = _collect()
    instance = _node(snapshot, _arn(f"instance/{iid}"))
    assert instance.props["instance_profile"] == profile
    assert _edges(snapshot, "runs_as", instance.id) == {role["Role"]["Arn"]: {"instance_profile": profile}}
    assert _node(snapshot, role["Role"]["Arn"]).kind == "identity.role"


# --- volumes and EBS default encryption ---------------------------------------------------


def test_unencrypted_volume_reports_not_encrypted_and_no_key(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snapshot = _collect()
    node = _node(snapshot, _arn(f"volume/{vol}"))
    assert node.props["encryption"] == {"at_rest": False, "key_id": None, "customer_managed": False}
    assert not _edges(snapshot, "encrypted_by", node.id)


def test_volume_encrypted_with_customer_key_is_customer_managed_and_linked_to_the_key(aws: str) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    ec2 = boto3.client("ec2", region_name=REGION)
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True, KmsKeyId=key)["VolumeId"]
    snapshot = _collect()
    node = _node(snapshot, _arn(f"volume/{vol}"))
    assert node.props["encryption"] == {"at_rest": True, "key_id": key, "customer_managed": True}
    assert key in _edges(snapshot, "encrypted_by", node.id)


def test_volume_under_the_aws_ebs_key_is_not_customer_managed(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]
    encryption = _node(_collect(), _arn(f"volume/{vol}")).props["encryption"]
    assert (encryption["at_rest"], encryption["customer_managed"]) == (True, False)


def test_attached_volume_is_contained_by_its_instance(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=_vpc(ec2), CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    iid = _instance(ec2, subnet)
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdf")
    snapshot = _collect()
    node = _node(snapshot, _arn(f"volume/{vol}"))
    assert (node.props["attached"], node.props["attachments"]) == (True, [iid])
    assert _edges(snapshot, "contains", _arn(f"instance/{iid}"))[node.id] == {"device": "/dev/sdf"}


def test_ebs_default_encryption_is_reported_per_region_on_the_account(aws: str) -> None:
    boto3.client("ec2", region_name="eu-west-1").enable_ebs_encryption_by_default()
    snapshot = _collect(("us-east-1", "eu-west-1"))
    account = _node(snapshot, f"arn:aws:iam::{ACCOUNT}:root")
    assert account.props["ebs_default_encryption"] == {"us-east-1": False, "eu-west-1": True}


# --- graph hygiene ------------------------------------------------------------------------


def test_every_collected_ec2_node_is_contained_by_the_account(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = _vpc(ec2)
    _instance(ec2, _public_subnet(ec2, vpc))
    ec2.allocate_address(Domain="vpc")
    snapshot = _collect()
    contained = set(_edges(snapshot, "contains", f"arn:aws:iam::{ACCOUNT}:root"))
    collected = {n.id for n in snapshot.nodes if n.kind != "account" and not n.reference}
    assert collected and collected <= contained
    assert not snapshot.sources[0].errors


def test_a_failing_family_listing_is_a_coverage_gap_not_an_exception(aws: str) -> None:
    ctx = AwsContext(AccountSession(boto3.Session(), ACCOUNT), REGION, "ec2", REGION)

    def denied() -> None:
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "DescribeAddresses")

    assert collect_family(ctx, denied) is None
    [gap] = ctx.part.gaps
    assert (gap.reason, gap.operation, gap.service) == ("access_denied", "DescribeAddresses", "ec2")
