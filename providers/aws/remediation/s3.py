"""S3 bucket fixes: default encryption, public access block, versioning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, Session, Target

_BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": True}


def bucket_name(target: Target) -> str:
    """``arn:aws:s3:::name`` -> ``name``."""
    return target.resource_id.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class EnableDefaultEncryption:
    """Turn on SSE-S3 default encryption where a bucket has none (an existing SSE-KMS setting is kept)."""

    id: str = "aws.s3.enable-default-encryption"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("storage-encrypted-at-rest",)
    summary: str = "set the bucket's default encryption to SSE-S3 (AES256)"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The bucket's default-encryption rules (empty when none)."""
        found = session.read("s3", "get_bucket_encryption", target.region, Bucket=bucket_name(target))
        rules = (found or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        return {"rules": rules}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``PutBucketEncryption`` with AES256 when no rule applies a default."""
        if any(r.get("ApplyServerSideEncryptionByDefault") for r in state["rules"]):
            return []
        config = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        return [ApiCall("s3", "put_bucket_encryption", {"Bucket": bucket_name(target),
                        "ServerSideEncryptionConfiguration": config}, target.resource_id, target.region)]


@dataclass(frozen=True)
class EnableBlockPublicAccess:
    """Turn on all four settings of the bucket's public access block."""

    id: str = "aws.s3.enable-block-public-access"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("storage-public-access-blocked", "storage-not-public-by-acl",
                                 "storage-not-public-by-policy")
    summary: str = "block public ACLs and policies on the bucket"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The bucket-level public access block (all false when none is set)."""
        found = session.read("s3", "get_public_access_block", target.region, Bucket=bucket_name(target))
        config = (found or {}).get("PublicAccessBlockConfiguration", {})
        return {"public_access_block": {k: bool(config.get(k)) for k in _BLOCK_ALL}}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``PutPublicAccessBlock`` with every setting on, unless they all are."""
        if all(state["public_access_block"].values()):
            return []
        return [ApiCall("s3", "put_public_access_block", {"Bucket": bucket_name(target),
                        "PublicAccessBlockConfiguration": dict(_BLOCK_ALL)}, target.resource_id, target.region)]


@dataclass(frozen=True)
class EnableVersioning:
    """Turn on object versioning (suspending or MFA delete are left alone)."""

    id: str = "aws.s3.enable-versioning"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("storage-versioning-enabled",)
    summary: str = "enable versioning on the bucket"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The versioning status (``Enabled``, ``Suspended`` or null when never set)."""
        found = session.read("s3", "get_bucket_versioning", target.region, Bucket=bucket_name(target)) or {}
        return {"status": found.get("Status")}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``PutBucketVersioning`` Enabled."""
        if state["status"] == "Enabled":
            return []
        return [ApiCall("s3", "put_bucket_versioning", {"Bucket": bucket_name(target),
                        "VersioningConfiguration": {"Status": "Enabled"}}, target.resource_id, target.region)]


ACTIONS = (EnableDefaultEncryption(), EnableBlockPublicAccess(), EnableVersioning())
