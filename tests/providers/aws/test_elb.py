"""Load balancer collection (ELBv2 and classic) through boto3 against moto, and TLS policy facts."""

from __future__ import annotations

import boto3
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope
from cloudwarden.providers.aws.services.elb import policy_min_tls, transit_encryption

ACCOUNT = "123456789012"
REGION = "us-east-1"
AMI = "ami-03cf127a"  # one of moto's built-in images


def _ec2_arn(resource: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}"


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=[REGION], services=["elb"]), "test")


def _edges(snapshot: Snapshot, kind: str, source: str) -> dict[str, dict]:
    return {e.target: e.detail for e in snapshot.edges if e.kind == kind and e.source == source}


class _Network:
    """A VPC with two subnets, a security group and one instance."""

    def __init__(self) -> None:
        ec2 = boto3.client("ec2", region_name=REGION)
        self.vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
                "SubnetId"]
            for i, az in ((1, "a"), (2, "b"))
        ]
        self.group = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=self.vpc)["GroupId"]
        self.instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=self.subnets[0])[
            "Instances"][0]["InstanceId"]


def _alb(net: _Network, scheme: str = "internet-facing") -> dict:
    return boto3.client("elbv2", region_name=REGION).create_load_balancer(
        Name=f"web-{scheme}", Subnets=net.subnets, SecurityGroups=[net.group], Scheme=scheme, Type="application"
    )["LoadBalancers"][0]


def _target_group(net: _Network, lb_arn: str, protocol: str = "HTTP", port: int = 443) -> str:
    elbv2 = boto3.client("elbv2", region_name=REGION)
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=net.vpc, TargetType="instance")[
        "TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": net.instance, "Port": 8080}])
    listener = {"LoadBalancerArn": lb_arn, "Protocol": protocol, "Port": port,
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}
    if protocol == "HTTPS":
        cert = boto3.client("acm", region_name=REGION).request_certificate(DomainName="example.com")["CertificateArn"]
        listener.update(SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", Certificates=[{"CertificateArn": cert}])
    elbv2.create_listener(**listener)
    return tg


def test_internet_facing_alb_is_public_and_routes_to_its_instance_target(aws: str) -> None:
    net = _Network()
    lb = _alb(net)
    tg = _target_group(net, lb["LoadBalancerArn"])
    snapshot = _collect()
    node = snapshot.node_index()[lb["LoadBalancerArn"]]
    assert (node.kind, node.props["public"], node.props["scheme"], node.props["type"]) == (
        "network.load_balancer", True, "internet-facing", "application")
    assert _edges(snapshot, "routes_to", node.id) == {
        _ec2_arn(f"instance/{net.instance}"): {"port": 8080, "protocol": "HTTP", "target_group": tg}}


def test_internal_load_balancer_is_not_public(aws: str) -> None:
    lb = _alb(_Network(), scheme="internal")
    assert _collect().node_index()[lb["LoadBalancerArn"]].props["public"] is False


def test_load_balancer_is_placed_in_its_vpc_subnets_and_security_groups(aws: str) -> None:
    net = _Network()
    lb = _alb(net)
    snapshot = _collect()
    assert set(_edges(snapshot, "in_vpc", lb["LoadBalancerArn"])) == {_ec2_arn(f"vpc/{net.vpc}")}
    assert set(_edges(snapshot, "in_subnet", lb["LoadBalancerArn"])) == {_ec2_arn(f"subnet/{s}") for s in net.subnets}
    assert set(_edges(snapshot, "protected_by", lb["LoadBalancerArn"])) == {_ec2_arn(f"security-group/{net.group}")}
    assert lb["LoadBalancerArn"] in _edges(snapshot, "contains", f"arn:aws:iam::{ACCOUNT}:root")


def test_https_listener_reports_its_policy_and_minimum_tls(aws: str) -> None:
    net = _Network()
    lb = _alb(net)
    _target_group(net, lb["LoadBalancerArn"], protocol="HTTPS", port=443)
    props = _collect().node_index()[lb["LoadBalancerArn"]].props
    assert props["listeners"] == [{"protocol": "HTTPS", "port": 443, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}]
    assert props["encryption"] == {"in_transit": True, "min_tls": "1.2"}


def test_plain_http_listener_means_not_encrypted_in_transit(aws: str) -> None:
    net = _Network()
    lb = _alb(net)
    _target_group(net, lb["LoadBalancerArn"], protocol="HTTP", port=80)
    props = _collect().node_index()[lb["LoadBalancerArn"]].props
    assert props["listeners"] == [{"protocol": "HTTP", "port": 80, "ssl_policy": None}]
    assert props["encryption"] == {"in_transit": False, "min_tls": None}


def test_classic_load_balancer_routes_to_its_registered_instances(aws: str) -> None:
    net = _Network()
    elb = boto3.client("elb", region_name=REGION)
    elb.create_load_balancer(
        LoadBalancerName="legacy", Subnets=[net.subnets[0]], SecurityGroups=[net.group], Scheme="internet-facing",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}],
    )
    elb.register_instances_with_load_balancer(LoadBalancerName="legacy", Instances=[{"InstanceId": net.instance}])
    snapshot = _collect()
    arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/legacy"
    node = snapshot.node_index()[arn]
    assert (node.native_type, node.props["type"], node.props["public"]) == (
        "AWS::ElasticLoadBalancing::LoadBalancer", "classic", True)
    assert _edges(snapshot, "routes_to", arn) == {_ec2_arn(f"instance/{net.instance}"): {"port": 8080, "protocol": "HTTP"}}


def test_classic_ssl_listener_takes_min_tls_from_its_reference_policy(aws: str) -> None:
    net = _Network()
    cert = boto3.client("acm", region_name=REGION).request_certificate(DomainName="example.com")["CertificateArn"]
    elb = boto3.client("elb", region_name=REGION)
    elb.create_load_balancer(
        LoadBalancerName="legacy-tls", Subnets=[net.subnets[0]], Scheme="internal",
        Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80,
                    "SSLCertificateId": cert}],
    )
    elb.create_load_balancer_policy(
        LoadBalancerName="legacy-tls", PolicyName="tls", PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[{"AttributeName": "Reference-Security-Policy", "AttributeValue": "ELBSecurityPolicy-TLS-1-1-2017-01"}],
    )
    elb.set_load_balancer_policies_of_listener(LoadBalancerName="legacy-tls", LoadBalancerPort=443, PolicyNames=["tls"])
    props = _collect().node_index()[f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/legacy-tls"].props
    assert props["listeners"][0]["ssl_policy"] == "ELBSecurityPolicy-TLS-1-1-2017-01"
    assert (props["public"], props["encryption"]) == (False, {"in_transit": True, "min_tls": "1.1"})


@pytest.mark.parametrize(
    ("policy", "version"),
    [
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", "1.3"),
        ("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", "1.2"),
        ("ELBSecurityPolicy-FS-1-1-2019-08", "1.1"),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "1.2"),
        ("ELBSecurityPolicy-2016-08", "1.0"),
        ("ELBSecurityPolicy-2014-01", None),
        ("my-custom-policy", None),
        (None, None),
    ],
)
def test_security_policy_names_give_their_minimum_tls_version(policy: str | None, version: str | None) -> None:
    assert policy_min_tls(policy) == version


def test_min_tls_is_the_lowest_over_tls_listeners_and_unknown_if_any_is_unknown() -> None:
    https = {"protocol": "HTTPS", "port": 443}
    assert transit_encryption([{**https, "min_tls": "1.2"}, {**https, "min_tls": "1.0"}]) == {
        "in_transit": True, "min_tls": "1.0"}
    assert transit_encryption([{**https, "min_tls": "1.2"}, {**https, "min_tls": None}])["min_tls"] is None
    assert transit_encryption(None) == {"in_transit": None, "min_tls": None}
