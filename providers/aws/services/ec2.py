"""EC2: the network (via ec2_network / ec2_interfaces), instances, EBS volumes, EBS default encryption.

Each resource family is listed on its own (``collect_family``), so one denied
listing is a coverage gap for that family without hiding the rest.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.rules import merge_port_ranges, world_open_ports
from cloudwarden.providers.aws.services import ServiceSpec
from cloudwarden.providers.aws.services.ec2_interfaces import (
    collect_elastic_ips,
    collect_interfaces,
    collect_security_groups,
    interface_addresses,
)
from cloudwarden.providers.aws.services.ec2_network import collect_network
from cloudwarden.providers.aws.services.ec2_resources import (
    collect_family,
    display_name,
    ec2_arn,
    emit,
    plain,
    tag_map,
)

# Instances in this state are gone: AWS keeps listing them for about an hour.
_GONE_STATES = frozenset({"terminated"})
_ATTACHED_STATES = frozenset({"attached", "attaching"})


def collect(ctx: AwsContext) -> None:
    """Every network resource, instance and volume of the region, and the account's EBS default."""
    ec2 = ctx.client()
    collect_network(ctx, ec2)
    usage = collect_family(ctx, lambda: collect_interfaces(ctx, ec2))
    rules = collect_family(ctx, lambda: collect_security_groups(ctx, ec2, usage))
    collect_family(ctx, lambda: collect_elastic_ips(ctx, ec2))
    resolver = _IdentityResolver(ctx)
    collect_family(ctx, lambda: collect_instances(ctx, ec2, rules, resolver))
    collect_family(ctx, lambda: collect_volumes(ctx, ec2, resolver))
    collect_ebs_default_encryption(ctx, ec2)


class _IdentityResolver:
    """Per-task caches for the IAM and KMS look-ups that instances and volumes share."""

    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx
        self._profiles: dict[str, list[str] | None] = {}
        self._keys: dict[str, bool | None] = {}

    def profile_roles(self, profile_arn: str) -> list[str] | None:
        """Role ARNs of an instance profile (None when it cannot be read)."""
        if profile_arn not in self._profiles:
            iam = self.ctx.client("iam")
            name = profile_arn.rsplit("/", 1)[-1]
            resp = self.ctx.call(iam, "get_instance_profile", resource=profile_arn, InstanceProfileName=name)
            self._profiles[profile_arn] = (
                None if resp is None else [r["Arn"] for r in resp["InstanceProfile"].get("Roles", [])]
            )
        return self._profiles[profile_arn]

    def key_customer_managed(self, key_arn: str) -> bool | None:
        """Whether a KMS key is customer managed (not aws/ebs or another AWS-managed key); None if unknown."""
        if key_arn not in self._keys:
            self._keys[key_arn] = self._resolve_key(key_arn)
        return self._keys[key_arn]

    def _resolve_key(self, key_arn: str) -> bool | None:
        parts = key_arn.split(":")
        if len(parts) > 4 and parts[4] and parts[4] != self.ctx.account:
            return True  # AWS-managed keys cannot be used from another account
        kms = self.ctx.client("kms")
        resp = self.ctx.call(kms, "describe_key", resource=key_arn, KeyId=key_arn)
        if resp is None:
            return None
        if resp["KeyMetadata"].get("KeyManager") != "CUSTOMER":
            return False
        # An alias under alias/aws/ marks an AWS-managed key even where KeyManager
        # says otherwise (moto reports aws/ebs as CUSTOMER). KeyManager already
        # answered, so a failure here is not a coverage gap.
        try:
            aliases = kms.list_aliases(KeyId=key_arn).get("Aliases", [])
        except (ClientError, BotoCoreError):
            return True
        return not any(str(a.get("AliasName", "")).startswith("alias/aws/") for a in aliases)


def imds_facts(options: dict[str, Any] | None) -> tuple[bool | None, dict[str, Any] | None]:
    """(imdsv2_required, imds detail) from MetadataOptions.

    With the metadata endpoint disabled, IMDSv1 is not reachable either, so the
    instance counts as not exposing IMDSv1 (``imdsv2_required`` True) and the
    detail says ``endpoint_enabled: False``.
    """
    if not options:
        return None, None
    enabled = options.get("HttpEndpoint", "enabled") != "disabled"
    detail = {
        "endpoint_enabled": enabled,
        "http_tokens": options.get("HttpTokens"),
        "hop_limit": options.get("HttpPutResponseHopLimit"),
    }
    return (not enabled) or options.get("HttpTokens") == "required", detail


def instance_addresses(inst: dict[str, Any]) -> dict[str, list[str]]:
    """Public, private and IPv6 addresses over all of an instance's interfaces."""
    merged: dict[str, list[str]] = {"public_ips": [], "private_ips": [], "ipv6_ips": []}
    seed = {"PrivateIpAddress": inst.get("PrivateIpAddress")}
    if inst.get("PublicIpAddress"):
        seed["Association"] = {"PublicIp": inst["PublicIpAddress"]}
    for eni in [seed, *inst.get("NetworkInterfaces", [])]:
        for key, values in interface_addresses(eni).items():
            merged[key] += [v for v in values if v not in merged[key]]
    return merged


def instance_groups(inst: dict[str, Any]) -> list[str]:
    """Security-group ids of the instance and of every interface attached to it, in order."""
    ids = [g["GroupId"] for g in inst.get("SecurityGroups", []) if g.get("GroupId")]
    for eni in inst.get("NetworkInterfaces", []):
        ids += [g["GroupId"] for g in eni.get("Groups", []) if g.get("GroupId")]
    return list(dict.fromkeys(ids))


def exposed_ports(groups: list[str], rules: dict[str, list[dict[str, Any]]] | None) -> list[list[int]] | None:
    """Ports open to the world through any of ``groups``; None when a group's rules are unknown."""
    if rules is None or any(g not in rules for g in groups):
        return None
    return merge_port_ranges(r for g in groups for r in world_open_ports(rules[g]))


def collect_instances(
    ctx: AwsContext, ec2: Any, rules: dict[str, list[dict[str, Any]]] | None, resolver: _IdentityResolver
) -> None:
    """Instances with exposure facts, placement edges and the role they run as."""
    for reservation in ctx.paginate(ec2, "describe_instances", "Reservations"):
        for inst in reservation.get("Instances", []):
            if (inst.get("State") or {}).get("Name") in _GONE_STATES:
                continue
            _instance(ctx, inst, rules, resolver)


def _instance(
    ctx: AwsContext, inst: dict[str, Any], rules: dict[str, list[dict[str, Any]]] | None, resolver: _IdentityResolver
) -> None:
    iid = inst["InstanceId"]
    tags = tag_map(inst.get("Tags"))
    groups = instance_groups(inst)
    imdsv2, imds = imds_facts(inst.get("MetadataOptions"))
    profile = (inst.get("IamInstanceProfile") or {}).get("Arn")
    node_id = emit(ctx, Node(
        id=ec2_arn(ctx, "instance", iid),
        cloud="aws",
        kind="compute.instance",
        native_type="AWS::EC2::Instance",
        name=display_name(tags, iid),
        tags=tags,
        props={
            "state": (inst.get("State") or {}).get("Name"),
            "network": instance_addresses(inst),
            "imdsv2_required": imdsv2,
            "imds": imds,
            "world_open_ports": exposed_ports(groups, rules),
            "instance_profile": profile,
            "image_id": inst.get("ImageId"),
            "instance_type": inst.get("InstanceType"),
            "security_groups": groups,
        },
        raw=plain(inst),
    ))
    if inst.get("SubnetId"):
        ctx.edge(node_id, ec2_arn(ctx, "subnet", inst["SubnetId"]), "in_subnet")
    if inst.get("VpcId"):
        ctx.edge(node_id, ec2_arn(ctx, "vpc", inst["VpcId"]), "in_vpc")
    for gid in groups:
        ctx.edge(node_id, ec2_arn(ctx, "security-group", gid), "protected_by")
    if profile:
        for role_arn in resolver.profile_roles(profile) or []:
            ctx.edge(node_id, ctx.reference(role_arn, "identity.role"), "runs_as", instance_profile=profile)


def collect_volumes(ctx: AwsContext, ec2: Any, resolver: _IdentityResolver) -> None:
    """EBS volumes: encryption (and whose key), attachment, and instance -contains-> volume edges."""
    for vol in ctx.paginate(ec2, "describe_volumes", "Volumes"):
        vid = vol["VolumeId"]
        tags = tag_map(vol.get("Tags"))
        encrypted = bool(vol.get("Encrypted"))
        key = vol.get("KmsKeyId") if encrypted else None
        attachments = [a for a in vol.get("Attachments", []) if a.get("InstanceId")]
        node_id = emit(ctx, Node(
            id=ec2_arn(ctx, "volume", vid),
            cloud="aws",
            kind="compute.disk",
            native_type="AWS::EC2::Volume",
            name=display_name(tags, vid),
            tags=tags,
            props={
                "encryption": {
                    "at_rest": encrypted,
                    "key_id": key,
                    "customer_managed": _customer_managed(resolver, encrypted, key),
                },
                "attached": any(a.get("State") in _ATTACHED_STATES for a in attachments),
                "attachments": [a["InstanceId"] for a in attachments],
                "size_gb": vol.get("Size"),
                "volume_type": vol.get("VolumeType"),
                "state": vol.get("State"),
                "availability_zone": vol.get("AvailabilityZone"),
            },
            raw=plain(vol),
        ))
        if key:
            ctx.edge(node_id, ctx.reference(key, "kms.key"), "encrypted_by")
        for att in attachments:
            instance = ctx.reference(ec2_arn(ctx, "instance", att["InstanceId"]), "compute.instance")
            ctx.edge(instance, node_id, "contains", device=att.get("Device"))


def _customer_managed(resolver: _IdentityResolver, encrypted: bool, key: str | None) -> bool | None:
    if not encrypted:
        return False  # an unencrypted volume is certainly not under a customer key
    return resolver.key_customer_managed(key) if key else None


def collect_ebs_default_encryption(ctx: AwsContext, ec2: Any) -> None:
    """Patch the account with this region's EBS encryption-by-default (nothing when unreadable: unknown)."""
    resp = ctx.call(ec2, "get_ebs_encryption_by_default", resource=ctx.account_id)
    if resp is not None and "EbsEncryptionByDefault" in resp:
        ctx.patch(ctx.account_id, {"ebs_default_encryption": {ctx.region: bool(resp["EbsEncryptionByDefault"])}})


SERVICE = ServiceSpec("ec2", "regional", collect, "VPC network, security groups, instances, EBS volumes")
