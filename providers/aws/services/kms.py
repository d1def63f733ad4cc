"""KMS keys: rotation, key policy, who manages them."""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload
from cloudwarden.providers.aws.services import ServiceSpec


def collect(ctx: AwsContext) -> None:
    """Every key in the region with its rotation status and key policy."""
    kms = ctx.client()
    for entry in ctx.paginate(kms, "list_keys", "Keys"):
        arn = entry["KeyArn"]
        meta = (ctx.call(kms, "describe_key", resource=arn, KeyId=arn) or {}).get("KeyMetadata")
        if meta is None:
            ctx.add(Node(id=arn, cloud="aws", kind="kms.key", native_type="AWS::KMS::Key", name=entry["KeyId"]))
            continue
        ctx.add(key_node(ctx, kms, arn, meta))


def key_node(ctx: AwsContext, kms: Any, arn: str, meta: dict[str, Any]) -> Node:
    """Normalize one key; rotation is only asked of customer-managed symmetric keys that support it."""
    customer = meta.get("KeyManager") == "CUSTOMER"
    symmetric = meta.get("KeySpec", meta.get("CustomerMasterKeySpec")) == "SYMMETRIC_DEFAULT"
    state = str(meta.get("KeyState", "")).lower() or None
    rotation: dict[str, Any] = {"enabled": None, "period_days": None}
    if not customer:
        rotation = {"enabled": True, "period_days": 365}  # AWS rotates AWS-managed keys yearly
    elif symmetric and meta.get("Origin", "AWS_KMS") == "AWS_KMS":
        status = ctx.call(kms, "get_key_rotation_status", resource=arn, KeyId=arn)
        if status is not None:
            rotation = {
                "enabled": bool(status.get("KeyRotationEnabled")),
                "period_days": status.get("RotationPeriodInDays") or (365 if status.get("KeyRotationEnabled") else None),
            }
    policy_resp = ctx.call(kms, "get_key_policy", resource=arn, KeyId=arn, PolicyName="default")
    policy = json.loads(policy_resp["Policy"]) if policy_resp and policy_resp.get("Policy") else None
    tags: dict[str, str] = {}
    if customer:
        tag_resp = ctx.call(kms, "list_resource_tags", resource=arn, KeyId=arn) or {}
        tags = {t["TagKey"]: t["TagValue"] for t in tag_resp.get("Tags", [])}
    return Node(
        id=arn,
        cloud="aws",
        kind="kms.key",
        native_type="AWS::KMS::Key",
        name=meta.get("KeyId", arn),
        tags=tags,
        props={
            "customer_managed": customer,
            "symmetric": symmetric,
            "origin": meta.get("Origin"),
            "state": state,
            "rotation": rotation,
            "policy": policy,
        },
        raw=raw_payload(meta),
    )


SERVICE = ServiceSpec("kms", "regional", collect, "KMS keys, rotation and key policies")
