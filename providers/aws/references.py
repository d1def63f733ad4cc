"""How one AWS resource points at another: KMS keys, S3 URIs, roles and network placement, as edges to node ids.

The target of such an edge may belong to a service this task does not collect
(an IAM role, a subnet, a key in another account), so it is also declared as a
reference: the merge keeps the collected node when there is one, and the
reference otherwise, so that no edge dangles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cloudwarden.providers.aws.context import AwsContext


def bucket_arn(partition: str, bucket: str) -> str:
    """The node id of an S3 bucket."""
    return f"arn:{partition}:s3:::{bucket}"


def s3_uri_bucket(uri: str | None) -> str | None:
    """The bucket named by an ``s3://bucket/key`` URI (None for anything else)."""
    if not uri or not uri.startswith("s3://"):
        return None
    bucket = uri[len("s3://"):].split("/", 1)[0]
    return bucket or None


def link_buckets(ctx: AwsContext, source: str, uris: Iterable[str | None], kind: str) -> None:
    """One ``reads_from``/``writes_to`` edge per bucket named in ``uris``, with the URIs as evidence."""
    by_bucket: dict[str, list[str]] = {}
    for uri in uris:
        bucket = s3_uri_bucket(uri)
        if bucket and uri:
            by_bucket.setdefault(bucket, []).append(uri)
    for bucket, found in by_bucket.items():
        target = ctx.reference(bucket_arn(ctx.partition, bucket), "storage.bucket", bucket)
        detail: dict[str, object] = {"uri": found[0]}
        if len(found) > 1:
            detail["uris"] = found
        ctx.edge(source, target, kind, **detail)


def link_role(ctx: AwsContext, source: str, role_arn: str | None) -> None:
    """``source -runs_as-> role``."""
    if role_arn:
        ctx.edge(source, ctx.reference(role_arn, "identity.role"), "runs_as")


def link_key(ctx: AwsContext, source: str, key_arn: str | None) -> None:
    """``source -encrypted_by-> key``."""
    if key_arn:
        ctx.edge(source, ctx.reference(key_arn, "kms.key"), "encrypted_by")


def link_network(
    ctx: AwsContext,
    source: str,
    region: str,
    *,
    vpc: str | None = None,
    subnets: Iterable[str] = (),
    security_groups: Iterable[str] = (),
) -> None:
    """``in_vpc``, ``in_subnet`` and ``protected_by`` edges from EC2 ids (vpc-.., subnet-.., sg-..)."""
    if vpc:
        ctx.edge(source, ctx.reference(ctx.arn("ec2", f"vpc/{vpc}", region=region), "network.vpc"), "in_vpc")
    for subnet in subnets:
        if subnet:
            target = ctx.reference(ctx.arn("ec2", f"subnet/{subnet}", region=region), "network.subnet")
            ctx.edge(source, target, "in_subnet")
    for group in security_groups:
        if group:
            target = ctx.reference(ctx.arn("ec2", f"security-group/{group}", region=region), "network.firewall")
            ctx.edge(source, target, "protected_by")


def kms_key_arn(ref: str, *, partition: str, region: str, account: str) -> str:
    """An ARN for a KMS key reference given as an ARN, a key id or ``alias/name``."""
    if ref.startswith("arn:"):
        return ref
    if ref.startswith("alias/"):
        return f"arn:{partition}:kms:{region}:{account}:{ref}"
    return f"arn:{partition}:kms:{region}:{account}:key/{ref}"


def is_aws_managed_alias(ref: str) -> bool:
    """``alias/aws/<service>`` names an AWS-managed key (e.g. ``alias/aws/s3``)."""
    return ref.startswith("alias/aws/") or ":alias/aws/" in ref


@dataclass(frozen=True)
class KeyRef:
    """What a KMS reference resolved to: the key's ARN and whether the customer manages it (None: unknown)."""

    arn: str
    customer_managed: bool | None


class KeyResolver:
    """Resolves KMS references of one task with ``DescribeKey``, once per key.

    A key ARN of another account needs no call: AWS-managed keys are never
    usable across accounts, so such a key is customer managed. A failed
    ``DescribeKey`` is a coverage gap and leaves ``customer_managed`` unknown.
    """

    def __init__(self, ctx: AwsContext) -> None:
        self._ctx = ctx
        self._cache: dict[str, KeyRef] = {}

    def resolve(self, ref: str, region: str) -> KeyRef:
        """The key named by ``ref`` (id, alias or ARN) as seen from ``region``."""
        ctx = self._ctx
        arn = kms_key_arn(ref, partition=ctx.partition, region=region, account=ctx.account)
        if arn in self._cache:
            return self._cache[arn]
        parts = arn.split(":")
        key_region, key_account = (parts[3], parts[4]) if len(parts) > 5 else (region, ctx.account)
        aws_managed = is_aws_managed_alias(arn)
        if key_account and key_account != ctx.account and not aws_managed:
            resolved = KeyRef(arn, True)
        else:
            kms = ctx.client("kms", region=key_region or region)
            meta = (ctx.call(kms, "describe_key", resource=arn, KeyId=arn) or {}).get("KeyMetadata")
            if aws_managed:
                resolved = KeyRef(meta["Arn"] if meta else arn, False)
            elif meta:
                resolved = KeyRef(meta.get("Arn", arn), meta.get("KeyManager") == "CUSTOMER")
            else:
                resolved = KeyRef(arn, None)
        self._cache[arn] = resolved
        return resolved
