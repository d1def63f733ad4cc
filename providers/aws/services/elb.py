"""Elastic Load Balancing: application, network and gateway load balancers (ELBv2) and classic ELBs.

A load balancer's VPC, subnets, security groups and targets are collected by
``ec2``; they are declared as references here so the edges never dangle when
``elb`` is collected alone.
"""

from __future__ import annotations

import re
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.services import ServiceSpec
from cloudwarden.providers.aws.services.ec2_resources import (
    collect_family,
    detail_list,
    ec2_arn,
    emit,
    plain,
    tag_map,
)

TLS_PROTOCOLS = frozenset({"HTTPS", "TLS", "SSL"})
_TAG_BATCH = 20  # DescribeTags takes at most 20 load balancers per call

# Current policy names carry the minimum version: ELBSecurityPolicy-TLS13-1-2-2021-06,
# ELBSecurityPolicy-TLS-1-1-2017-01, ELBSecurityPolicy-FS-1-2-Res-2020-10, ...
_VERSIONED_POLICY = re.compile(r"^ELBSecurityPolicy-(?:TLS13|TLS|FS)-(\d)-(\d)(?:-|$)")
# Older dated policies whose lowest protocol is TLS 1.0. Earlier ones (2014-01,
# 2011-08) still enable SSLv3 and are left unknown rather than called TLS.
_TLS10_POLICIES = frozenset({"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-FS-2018-06"})
_CLASSIC_PROTOCOL_ATTRS = (("Protocol-TLSv1", "1.0"), ("Protocol-TLSv1.1", "1.1"), ("Protocol-TLSv1.2", "1.2"))


def collect(ctx: AwsContext) -> None:
    """ELBv2 and classic load balancers; one API failing does not hide the other's."""
    collect_family(ctx, lambda: collect_v2(ctx))
    collect_family(ctx, lambda: collect_classic(ctx))


# --- TLS facts ---------------------------------------------------------------


def policy_min_tls(name: str | None) -> str | None:
    """The lowest TLS version an ELB security policy allows ("1.0".."1.3"), None when not recognizable."""
    if not name:
        return None
    match = _VERSIONED_POLICY.match(name)
    if match:
        return f"{match.group(1)}.{match.group(2)}"
    return "1.0" if name in _TLS10_POLICIES else None


def transit_encryption(listeners: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``{in_transit, min_tls}``: every listener terminates TLS; the lowest version the TLS listeners accept."""
    if listeners is None:
        return {"in_transit": None, "min_tls": None}
    tls = [lst for lst in listeners if lst["protocol"] in TLS_PROTOCOLS]
    versions = [lst.get("min_tls") for lst in tls]
    known = bool(versions) and all(v is not None for v in versions)
    return {
        "in_transit": len(tls) == len(listeners),
        "min_tls": min(versions, key=lambda v: tuple(int(x) for x in v.split("."))) if known else None,
    }


# --- shared node and edges ---------------------------------------------------


def _emit_balancer(
    ctx: AwsContext,
    lb_id: str,
    native_type: str,
    name: str,
    tags: dict[str, str],
    props: dict[str, Any],
    raw: dict[str, Any],
    placement: dict[str, Any],
) -> str:
    """The load balancer node and its placement edges (VPC, subnets, security groups)."""
    listeners = props.get("listeners")
    props["encryption"] = transit_encryption(listeners)
    if listeners is not None:
        props["listeners"] = [{k: v for k, v in lst.items() if k != "min_tls"} for lst in listeners]
    props["public"] = props.get("scheme") == "internet-facing"
    node_id = emit(ctx, Node(
        id=lb_id, cloud="aws", kind="network.load_balancer", native_type=native_type,
        name=name, tags=tags, props=props, raw=plain(raw),
    ))
    if placement.get("vpc"):
        ctx.edge(node_id, ctx.reference(ec2_arn(ctx, "vpc", placement["vpc"]), "network.vpc"), "in_vpc")
    for subnet in placement.get("subnets", []):
        ctx.edge(node_id, ctx.reference(ec2_arn(ctx, "subnet", subnet), "network.subnet"), "in_subnet")
    for group in placement.get("security_groups", []):
        ctx.edge(node_id, ctx.reference(ec2_arn(ctx, "security-group", group), "network.firewall"), "protected_by")
    return node_id


def _tags_by(ctx: AwsContext, client: Any, keys: list[str], param: str, key_field: str) -> dict[str, dict[str, str]]:
    """Tags of many load balancers, 20 per DescribeTags call; a failed batch leaves its tags unknown (empty)."""
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(keys), _TAG_BATCH):
        batch = keys[start:start + _TAG_BATCH]
        resp = ctx.call(client, "describe_tags", resource=batch[0], **{param: batch}) or {}
        for desc in resp.get("TagDescriptions", []):
            out[desc.get(key_field, "")] = tag_map(desc.get("Tags"))
    return out


# --- ELBv2 -------------------------------------------------------------------


def collect_v2(ctx: AwsContext) -> None:
    """Application, network and gateway load balancers with listeners and target-group targets."""
    client = ctx.client("elbv2")
    balancers = list(ctx.paginate(client, "describe_load_balancers", "LoadBalancers"))
    tags = _tags_by(ctx, client, [lb["LoadBalancerArn"] for lb in balancers], "ResourceArns", "ResourceArn")
    for lb in balancers:
        _v2_balancer(ctx, client, lb, tags.get(lb["LoadBalancerArn"], {}))


def _v2_balancer(ctx: AwsContext, client: Any, lb: dict[str, Any], tags: dict[str, str]) -> None:
    arn = lb["LoadBalancerArn"]
    raw_listeners = detail_list(ctx, client, "describe_listeners", "Listeners", resource=arn, LoadBalancerArn=arn)
    listeners = None if raw_listeners is None else [_v2_listener(lst) for lst in raw_listeners]
    targets = _v2_targets(ctx, client, arn)
    node_id = _emit_balancer(
        ctx, arn, "AWS::ElasticLoadBalancingV2::LoadBalancer", lb.get("LoadBalancerName", arn), tags,
        {
            "type": lb.get("Type"),
            "scheme": lb.get("Scheme"),
            "listeners": listeners,
            "targets": targets,
            "dns_name": lb.get("DNSName"),
            "state": (lb.get("State") or {}).get("Code"),
            "ip_address_type": lb.get("IpAddressType"),
        },
        lb,
        {
            "vpc": lb.get("VpcId"),
            "subnets": [z["SubnetId"] for z in lb.get("AvailabilityZones", []) if z.get("SubnetId")],
            "security_groups": lb.get("SecurityGroups", []),
        },
    )
    _target_edges(ctx, node_id, targets or [])


def _v2_listener(listener: dict[str, Any]) -> dict[str, Any]:
    protocol = listener.get("Protocol")
    # Only TLS listeners negotiate with a security policy (moto reports one on HTTP listeners too).
    policy = listener.get("SslPolicy") if protocol in TLS_PROTOCOLS else None
    return {"protocol": protocol, "port": listener.get("Port"), "ssl_policy": policy, "min_tls": policy_min_tls(policy)}


def _v2_targets(ctx: AwsContext, client: Any, lb_arn: str) -> list[dict[str, Any]] | None:
    """Registered targets of every target group of a load balancer (None when the groups cannot be listed)."""
    groups = detail_list(ctx, client, "describe_target_groups", "TargetGroups", resource=lb_arn, LoadBalancerArn=lb_arn)
    if groups is None:
        return None
    targets: list[dict[str, Any]] = []
    for group in groups:
        tg_arn = group["TargetGroupArn"]
        health = ctx.call(client, "describe_target_health", resource=tg_arn, TargetGroupArn=tg_arn) or {}
        for desc in health.get("TargetHealthDescriptions", []):
            target = desc.get("Target") or {}
            targets.append({
                "target_group": tg_arn,
                "type": group.get("TargetType", "instance"),
                "id": target.get("Id"),
                "port": target.get("Port", group.get("Port")),
                "protocol": group.get("Protocol"),
                "health": (desc.get("TargetHealth") or {}).get("State"),
            })
    return targets


def _target_edges(ctx: AwsContext, lb_id: str, targets: list[dict[str, Any]]) -> None:
    """lb -routes_to-> each instance, function or load balancer it forwards to (first target group in detail)."""
    seen: set[str] = set()
    for target in targets:
        if not target.get("id"):
            continue
        if target["type"] == "instance":
            dst = ctx.reference(ec2_arn(ctx, "instance", target["id"]), "compute.instance")
        elif target["type"] == "lambda":
            dst = ctx.reference(target["id"], "compute.function")
        elif target["type"] == "alb":
            dst = ctx.reference(target["id"], "network.load_balancer")
        else:
            continue  # IP targets stay in props.targets: no node stands for an address
        if dst in seen:
            continue
        seen.add(dst)
        detail = {"port": target["port"], "protocol": target["protocol"]}
        if target.get("target_group"):
            detail["target_group"] = target["target_group"]
        ctx.edge(lb_id, dst, "routes_to", **detail)


# --- classic -----------------------------------------------------------------


def collect_classic(ctx: AwsContext) -> None:
    """Classic load balancers with their listeners' TLS policies and registered instances."""
    client = ctx.client("elb")
    balancers = list(ctx.paginate(client, "describe_load_balancers", "LoadBalancerDescriptions"))
    names = [lb["LoadBalancerName"] for lb in balancers]
    tags = _tags_by(ctx, client, names, "LoadBalancerNames", "LoadBalancerName")
    for lb in balancers:
        _classic_balancer(ctx, client, lb, tags.get(lb["LoadBalancerName"], {}))


def _classic_balancer(ctx: AwsContext, client: Any, lb: dict[str, Any], tags: dict[str, str]) -> None:
    name = lb["LoadBalancerName"]
    arn = ctx.arn("elasticloadbalancing", f"loadbalancer/{name}")
    descriptions = lb.get("ListenerDescriptions", [])
    policies: dict[str, tuple[str, str | None]] = {}
    if any((d.get("Listener") or {}).get("Protocol", "").upper() in TLS_PROTOCOLS for d in descriptions):
        policies = _classic_ssl_policies(ctx, client, arn, name)
    listeners = [_classic_listener(d, policies) for d in descriptions]
    targets = [
        {"type": "instance", "id": i["InstanceId"], "port": (listeners[0]["instance_port"] if listeners else None),
         "protocol": (listeners[0]["instance_protocol"] if listeners else None)}
        for i in lb.get("Instances", []) if i.get("InstanceId")
    ]
    node_id = _emit_balancer(
        ctx, arn, "AWS::ElasticLoadBalancing::LoadBalancer", name, tags,
        {"type": "classic", "scheme": lb.get("Scheme"), "listeners": listeners, "targets": targets,
         "dns_name": lb.get("DNSName")},
        lb,
        {"vpc": lb.get("VPCId"), "subnets": lb.get("Subnets", []), "security_groups": lb.get("SecurityGroups", [])},
    )
    _target_edges(ctx, node_id, targets)


def _classic_ssl_policies(ctx: AwsContext, client: Any, arn: str, name: str) -> dict[str, tuple[str, str | None]]:
    """SSL negotiation policies of a classic LB: policy name -> (security policy name, min TLS)."""
    resp = ctx.call(client, "describe_load_balancer_policies", resource=arn, LoadBalancerName=name) or {}
    out: dict[str, tuple[str, str | None]] = {}
    for desc in resp.get("PolicyDescriptions", []):
        if desc.get("PolicyTypeName") != "SSLNegotiationPolicyType":
            continue
        attrs = {a.get("AttributeName"): a.get("AttributeValue") for a in desc.get("PolicyAttributeDescriptions", [])}
        reference = attrs.get("Reference-Security-Policy")
        min_tls = policy_min_tls(reference)
        if reference is None and str(attrs.get("Protocol-SSLv3", "false")).lower() != "true":
            # A custom policy lists its protocols; SSLv3 left on is reported as unknown, not as a TLS version.
            min_tls = next((v for attr, v in _CLASSIC_PROTOCOL_ATTRS if str(attrs.get(attr)).lower() == "true"), None)
        out[desc["PolicyName"]] = (reference or desc["PolicyName"], min_tls)
    return out


def _classic_listener(desc: dict[str, Any], policies: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    listener = desc.get("Listener") or {}
    protocol = str(listener.get("Protocol", "")).upper() or None
    policy: tuple[str, str | None] | None = None
    if protocol in TLS_PROTOCOLS:
        policy = next((policies[p] for p in desc.get("PolicyNames", []) if p in policies), None)
    return {
        "protocol": protocol,
        "port": listener.get("LoadBalancerPort"),
        "ssl_policy": policy[0] if policy else None,
        "instance_protocol": listener.get("InstanceProtocol"),
        "instance_port": listener.get("InstancePort"),
        "min_tls": policy[1] if policy else None,
    }


SERVICE = ServiceSpec("elb", "regional", collect, "Elastic Load Balancing: ALB/NLB/GWLB and classic load balancers")
