"""S3 buckets: encryption, public access (ACL, policy, effective block), TLS-only, versioning, logging.

S3 is listed once per account; each bucket's details are asked of a client in
the bucket's own region. Whether a bucket is public depends on the account's
public access block as well as the bucket's, so the account block is read first
(``s3control``) and also patched onto the account node.

Encryption: the API's word is taken. A bucket without a default encryption
configuration (``ServerSideEncryptionConfigurationNotFoundError``) is reported
as not encrypted at rest. Real AWS has applied SSE-S3 to every bucket since
January 2023 and always returns a configuration, so this answer only arises
where the API itself says there is none (older S3-compatible endpoints, moto).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import Outcome, fetch, raw_payload, tag_map
from cloudwarden.providers.aws.references import KeyResolver, bucket_arn, link_key
from cloudwarden.providers.aws.resource_policy import (
    allows_public,
    any_public,
    denies_insecure_transport,
    normalize_policy,
    public_acl_grants,
)
from cloudwarden.providers.aws.services import ServiceSpec

# (API field, facet name) of the four public access block flags.
BLOCK_FLAGS: tuple[tuple[str, str], ...] = (
    ("BlockPublicAcls", "block_public_acls"),
    ("IgnorePublicAcls", "ignore_public_acls"),
    ("BlockPublicPolicy", "block_public_policy"),
    ("RestrictPublicBuckets", "restrict_public_buckets"),
)

Flags = dict[str, bool | None]


def block_flags(outcome: Outcome, config: dict[str, Any] | None) -> Flags:
    """The four flags of a public access block: all False when none is set, all None when unreadable."""
    if outcome == "failed":
        return {facet: None for _, facet in BLOCK_FLAGS}
    config = config or {}
    return {facet: bool(config.get(field)) for field, facet in BLOCK_FLAGS}


def effective_flags(bucket: Flags, account: Flags | None) -> Flags:
    """Each flag holds if the bucket or the account sets it; unknown if neither does and one is unreadable."""
    out: Flags = {}
    for _, facet in BLOCK_FLAGS:
        mine, theirs = bucket.get(facet), (account or {}).get(facet)
        if mine or theirs:
            out[facet] = True
        elif mine is None or theirs is None:
            out[facet] = None
        else:
            out[facet] = False
    return out


def neutralized(exposed: bool | None, blocked: bool | None) -> bool | None:
    """Exposure that survives a block flag: True only if exposed and known not to be blocked."""
    if exposed is False or blocked is True:
        return False
    if exposed is None or blocked is None:
        return None
    return True


def account_public_access_block(ctx: AwsContext) -> Flags | None:
    """The account-wide block (None when unreadable, which is also recorded as a gap)."""
    s3control = ctx.client("s3control")
    outcome, resp = fetch(
        ctx, s3control, "get_public_access_block", ctx.account_id,
        absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=ctx.account,
    )
    if outcome == "failed":
        return None
    return block_flags(outcome, (resp or {}).get("PublicAccessBlockConfiguration"))


def bucket_region(ctx: AwsContext, s3: Any, bucket: dict[str, Any]) -> str | None:
    """The bucket's region: from the listing when given, else GetBucketLocation (None/"" is us-east-1, "EU" eu-west-1)."""
    if bucket.get("BucketRegion"):
        return str(bucket["BucketRegion"])
    resp = ctx.call(s3, "get_bucket_location", resource=bucket_arn(ctx.partition, bucket["Name"]), Bucket=bucket["Name"])
    if resp is None:
        return None
    location = resp.get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def encryption_facet(
    ctx: AwsContext, client: Any, arn: str, name: str, region: str, keys: KeyResolver
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The encryption facet (without in_transit) and the raw configuration."""
    outcome, resp = fetch(
        ctx, client, "get_bucket_encryption", arn,
        absent=("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name,
    )
    if outcome == "failed":
        return {"at_rest": None, "key_id": None, "customer_managed": None}, None
    config = (resp or {}).get("ServerSideEncryptionConfiguration")
    rules = (config or {}).get("Rules") or []
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    algorithm = default.get("SSEAlgorithm")
    if not algorithm:
        return {"at_rest": False, "key_id": None, "customer_managed": False, "algorithm": None}, config
    key_ref = default.get("KMSMasterKeyID")
    facet: dict[str, Any] = {"at_rest": True, "key_id": None, "customer_managed": False, "algorithm": algorithm}
    if str(algorithm).startswith("aws:kms") and key_ref:  # aws:kms and aws:kms:dsse
        key = keys.resolve(key_ref, region)
        facet.update(key_id=key.arn, customer_managed=key.customer_managed)
        link_key(ctx, arn, key.arn)
    return facet, config


def policy_facts(ctx: AwsContext, client: Any, arn: str, name: str) -> tuple[str, dict[str, Any] | None]:
    """(outcome, normalized bucket policy)."""
    outcome, resp = fetch(ctx, client, "get_bucket_policy", arn, absent=("NoSuchBucketPolicy",), Bucket=name)
    if outcome != "ok" or not resp or not resp.get("Policy"):
        return ("failed" if outcome == "failed" else "absent"), None
    try:
        return "ok", normalize_policy(resp["Policy"])
    except ValueError as exc:  # an unreadable document must not read as "no policy"
        ctx.record_gap(exc, operation="get_bucket_policy", resource=arn)
        return "failed", None


def bucket_node(
    ctx: AwsContext, home: Any, bucket: dict[str, Any], account_block: Flags | None, keys: KeyResolver
) -> Node:
    """Normalize one bucket, asking each detail of a client in its region."""
    name = bucket["Name"]
    arn = bucket_arn(ctx.partition, name)
    region = bucket_region(ctx, home, bucket)
    client = ctx.client("s3", region=region) if region else home
    encryption, sse_config = encryption_facet(ctx, client, arn, name, region or ctx.home_region, keys)

    pab_outcome, pab = fetch(
        ctx, client, "get_public_access_block", arn, absent=("NoSuchPublicAccessBlockConfiguration",), Bucket=name
    )
    pab_config = (pab or {}).get("PublicAccessBlockConfiguration")
    effective = effective_flags(block_flags(pab_outcome, pab_config), account_block)

    acl = ctx.call(client, "get_bucket_acl", resource=arn, Bucket=name)
    acl_grants = public_acl_grants(acl.get("Grants", [])) if acl is not None else None
    by_acl = neutralized(None if acl_grants is None else bool(acl_grants), effective["ignore_public_acls"])

    policy_outcome, policy = policy_facts(ctx, client, arn, name)
    known_policy = policy_outcome != "failed"
    by_policy = neutralized(allows_public(policy) if known_policy else None, effective["restrict_public_buckets"])
    tls_only = denies_insecure_transport(policy, arn) if known_policy else None
    encryption["in_transit"] = tls_only

    versioning = ctx.call(client, "get_bucket_versioning", resource=arn, Bucket=name)
    logging_resp = ctx.call(client, "get_bucket_logging", resource=arn, Bucket=name)
    logging_enabled = (logging_resp or {}).get("LoggingEnabled")
    tags = ctx.call(client, "get_bucket_tagging", resource=arn, absent=("NoSuchTagSet",), Bucket=name) or {}

    ctx.edge(ctx.account_id, arn, "contains")
    return Node(
        id=arn,
        cloud="aws",
        kind="storage.bucket",
        native_type="AWS::S3::Bucket",
        region=region,
        name=name,
        tags=tag_map(tags.get("TagSet")),
        props={
            "encryption": encryption,
            "public_access_block": effective,
            "public_by_acl": by_acl,
            "public_by_policy": by_policy,
            "public": any_public(by_acl, by_policy),
            "tls_only": tls_only,
            "versioning": {
                "enabled": None if versioning is None else versioning.get("Status") == "Enabled",
                "mfa_delete": None if versioning is None else versioning.get("MFADelete") == "Enabled",
            },
            "logging": {
                "enabled": None if logging_resp is None else bool(logging_enabled),
                "target_bucket": (logging_enabled or {}).get("TargetBucket"),
            },
            "policy": policy,
        },
        raw=raw_payload(
            {
                "Name": name,
                "CreationDate": bucket.get("CreationDate"),
                "Region": region,
                "Grants": (acl or {}).get("Grants"),
                "ServerSideEncryptionConfiguration": sse_config,
                "PublicAccessBlockConfiguration": pab_config,
                "Versioning": versioning,
                "LoggingEnabled": logging_enabled,
            }
        ),
    )


def collect(ctx: AwsContext) -> None:
    """The account's public access block, then every bucket of the account."""
    account_block = account_public_access_block(ctx)
    ctx.patch(ctx.account_id, {"public_access_block": account_block})
    home = ctx.client("s3")
    keys = KeyResolver(ctx)
    buckets = ctx.paginate(home, "list_buckets", "Buckets")
    for node in ctx.for_each(buckets, lambda bucket: bucket_node(ctx, home, bucket, account_block, keys)):
        ctx.add(node)


SERVICE = ServiceSpec("s3", "global", collect, "S3 buckets: encryption, public access, TLS, versioning, logging")
