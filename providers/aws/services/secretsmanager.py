"""Secrets Manager: secrets with their rotation and encryption key. Secret values are never read."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload
from cloudwarden.providers.aws.services import ServiceSpec

# The AWS-managed key Secrets Manager uses when a secret names no key of its own.
DEFAULT_KEY_ALIAS = "alias/aws/secretsmanager"
_RATE = re.compile(r"rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)", re.IGNORECASE)
# Listing fields that are bookkeeping, not configuration (version ids carry no secret, but no value either).
_RAW_DROP = ("SecretVersionsToStages",)


def collect(ctx: AwsContext) -> None:
    """Every secret of the region: rotation, encryption and the key it is encrypted with."""
    sm = ctx.client()
    aliases: KeyAliases | None = None
    for entry in ctx.paginate(sm, "list_secrets", "SecretList"):
        key_ref = entry.get("KmsKeyId")
        key_arn = None
        if key_ref and not is_default_key(key_ref):
            if "alias/" in key_ref and aliases is None:
                aliases = KeyAliases(ctx)  # looked up only when some secret names a key by alias
            key_arn = key_arn_for(ctx, key_ref, aliases)
        node = secret_node(entry, key_arn)
        ctx.add(node)
        ctx.edge(ctx.account_id, node.id, "contains")
        if key_arn:
            ctx.reference(key_arn, "kms.key")
            ctx.edge(node.id, key_arn, "encrypted_by")


def secret_node(entry: dict[str, Any], key_arn: str | None) -> Node:
    """Normalize one ``ListSecrets`` entry (which never carries the value)."""
    key_ref = entry.get("KmsKeyId")
    customer = bool(key_ref) and not is_default_key(key_ref)
    rules = entry.get("RotationRules") or {}
    return Node(
        id=entry["ARN"],
        cloud="aws",
        kind="secret",
        native_type="AWS::SecretsManager::Secret",
        name=entry.get("Name", entry["ARN"]),
        tags={t["Key"]: t["Value"] for t in entry.get("Tags") or []},
        props={
            # ListSecrets omits RotationEnabled for a secret that does not rotate.
            "rotation": {"enabled": bool(entry.get("RotationEnabled")), "period_days": rotation_period_days(rules)},
            "encryption": {"at_rest": True, "key_id": key_arn or key_ref or None, "customer_managed": customer},
        },
        raw=raw_payload(entry, drop=_RAW_DROP),
    )


def rotation_period_days(rules: dict[str, Any]) -> int | None:
    """Days between rotations: ``AutomaticallyAfterDays`` or a ``rate(N days|hours)`` schedule; None for cron."""
    if rules.get("AutomaticallyAfterDays"):
        return int(rules["AutomaticallyAfterDays"])
    match = _RATE.fullmatch(str(rules.get("ScheduleExpression", "")).strip())
    if not match:
        return None
    amount = int(match.group(1))
    return amount if match.group(2).lower().startswith("day") else max(1, amount // 24)


def is_default_key(key_ref: str) -> bool:
    """Whether a key reference is the AWS-managed ``aws/secretsmanager`` key (by alias name or alias ARN)."""
    return key_ref == DEFAULT_KEY_ALIAS or key_ref.endswith(":" + DEFAULT_KEY_ALIAS)


class KeyAliases:
    """The region's KMS aliases, to turn an alias into the key ARN the KMS collector uses as node id."""

    def __init__(self, ctx: AwsContext) -> None:
        self.targets: dict[str, str] = {}
        try:
            for alias in ctx.paginate(ctx.client("kms"), "list_aliases", "Aliases"):
                if alias.get("TargetKeyId"):
                    self.targets[alias["AliasName"]] = alias["TargetKeyId"]
        except (ClientError, BotoCoreError) as exc:
            # The secret is still collected; its key edge points at the alias instead.
            ctx.record_gap(exc, operation="kms:ListAliases")

    def target(self, alias_name: str) -> str | None:
        """The key id an alias points at, if known."""
        return self.targets.get(alias_name)


def key_arn_for(ctx: AwsContext, key_ref: str, aliases: KeyAliases | None) -> str:
    """The key ARN for a ``KmsKeyId`` given as key ARN, key id, alias name or alias ARN.

    An alias that cannot be resolved is kept as its alias ARN.
    """
    if key_ref.startswith("arn:") and ":key/" in key_ref:
        return key_ref
    if key_ref.startswith("arn:") and ":alias/" in key_ref:
        region, account = key_ref.split(":")[3:5]
        name = "alias/" + key_ref.split(":alias/", 1)[1]
        target = aliases.target(name) if aliases and account == ctx.account and region == ctx.region else None
        return ctx.arn("kms", f"key/{target}", region=region, account=account) if target else key_ref
    if key_ref.startswith("alias/"):
        target = aliases.target(key_ref) if aliases else None
        return ctx.arn("kms", f"key/{target}") if target else ctx.arn("kms", key_ref)
    return ctx.arn("kms", f"key/{key_ref}")


SERVICE = ServiceSpec("secretsmanager", "regional", collect, "Secrets Manager secrets, rotation and encryption keys")
