"""Cloud Storage bucket fixes: public IAM members removed, public access prevention, uniform access.

Bucket finding ids are Cloud Asset Inventory names, ``//storage.googleapis.com/<bucket>``.
Writes carry preconditions so a fix never overwrites a change made since it read:
the IAM policy's ``etag``, the bucket's ``metageneration``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

PREFIX = "//storage.googleapis.com/"
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def bucket_name(target: Target) -> str:
    """``//storage.googleapis.com/<bucket>`` -> ``<bucket>``."""
    if not target.resource_id.startswith(PREFIX) or "/" in target.resource_id[len(PREFIX):]:
        raise RemediationError(f"{target.resource_id} is not a Cloud Storage bucket id")
    return target.resource_id[len(PREFIX):]


def read_bucket(session: Session, target: Target) -> dict[str, Any]:
    """The bucket's metadata (JSON API resource); a missing bucket is an error."""
    found = session.read("gcs", "get_bucket", bucket_or_name=bucket_name(target))
    if found is None:
        raise RemediationError(f"bucket {bucket_name(target)} not found")
    return found


def _metageneration(bucket: dict[str, Any]) -> int | None:
    value = bucket.get("metageneration")
    return int(value) if value not in (None, "") else None


def without_public_members(policy: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(bindings to keep, public grants removed): each binding minus allUsers/allAuthenticatedUsers.

    A binding left with no member is dropped; conditions stay with their binding.
    Members are sorted, as the SDK sends them.
    """
    kept, removed = [], []
    for binding in policy.get("bindings") or []:
        members = list(binding.get("members") or [])
        public = [m for m in members if m in PUBLIC_MEMBERS]
        rest = sorted(m for m in members if m not in PUBLIC_MEMBERS)
        extra = {"condition": binding["condition"]} if binding.get("condition") else {}
        if public:
            removed.append({"role": binding.get("role"), "members": public, **extra})
        if rest:
            kept.append({"role": binding.get("role"), "members": rest, **extra})
    return kept, removed


@dataclass(frozen=True)
class RemovePublicMembers:
    """Take ``allUsers`` and ``allAuthenticatedUsers`` out of the bucket's IAM policy; every other member stays.

    Bucket ACLs appear in the IAM policy as legacy roles, so a public bucket ACL
    goes too. Object ACLs and the default object ACL are not edited (public access
    prevention blocks them).
    """

    id: str = "gcp.storage.remove-public-members"
    cloud: str = "gcp"
    policies: tuple[str, ...] = ("storage-not-public-by-policy", "storage-not-public-by-acl")
    summary: str = "remove allUsers/allAuthenticatedUsers from the bucket's IAM policy (other members stay)"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The public grants of the bucket's IAM policy, and the whole policy (the plan keeps the rest)."""
        policy = session.read("gcs", "bucket.get_iam_policy", bucket=bucket_name(target), requested_policy_version=3)
        if policy is None:
            raise RemediationError(f"bucket {bucket_name(target)} not found")
        bindings = [{k: v for k, v in b.items() if k in ("role", "members", "condition")}
                    for b in policy.get("bindings") or []]
        full = {"bindings": bindings, "etag": policy.get("etag"), "version": policy.get("version") or 1}
        return {"public_bindings": without_public_members(full)[1], "policy": full}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``set_iam_policy`` with the public members taken out, conditioned on the policy's etag."""
        if not state["public_bindings"]:
            return []
        kept, _ = without_public_members(state["policy"])
        policy = {"bindings": kept, "etag": state["policy"]["etag"], "version": state["policy"]["version"]}
        return [ApiCall("gcs", "bucket.set_iam_policy", {"bucket": bucket_name(target), "policy": policy},
                        target.resource_id)]


@dataclass(frozen=True)
class EnforcePublicAccessPrevention:
    """Set ``iamConfiguration.publicAccessPrevention`` to ``enforced``: no public grant can take effect."""

    id: str = "gcp.storage.enforce-public-access-prevention"
    cloud: str = "gcp"
    policies: tuple[str, ...] = ("gcp-storage-public-access-prevention",)
    summary: str = "enforce public access prevention on the bucket (public IAM members and ACLs stop working)"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The bucket's setting (``inherited`` when absent) and metageneration."""
        bucket = read_bucket(session, target)
        config = bucket.get("iamConfiguration") or {}
        return {"public_access_prevention": config.get("publicAccessPrevention") or "inherited",
                "metageneration": _metageneration(bucket)}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """A bucket patch of this one field, conditioned on the metageneration read."""
        if state["public_access_prevention"] == "enforced":
            return []
        return [_patch(target, {"iamConfiguration": {"publicAccessPrevention": "enforced"}}, state["metageneration"])]


@dataclass(frozen=True)
class EnableUniformAccess:
    """Turn on uniform bucket-level access: only IAM decides access, ACLs stop being evaluated."""

    id: str = "gcp.storage.enable-uniform-access"
    cloud: str = "gcp"
    policies: tuple[str, ...] = ("gcp-storage-uniform-access",)
    summary: str = ("enable uniform bucket-level access (object and bucket ACLs stop granting access; "
                    "Cloud Storage lets this be undone within 90 days)")
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Whether uniform access (or its older name, bucket policy only) is on, and the metageneration."""
        bucket = read_bucket(session, target)
        config = bucket.get("iamConfiguration") or {}
        enabled = ((config.get("uniformBucketLevelAccess") or {}).get("enabled")
                   or (config.get("bucketPolicyOnly") or {}).get("enabled"))
        return {"uniform_access": bool(enabled), "metageneration": _metageneration(bucket)}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """A bucket patch of this one field, conditioned on the metageneration read."""
        if state["uniform_access"]:
            return []
        return [_patch(target, {"iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}}},
                       state["metageneration"])]


def _patch(target: Target, body: dict[str, Any], metageneration: int | None) -> ApiCall:
    params: dict[str, Any] = {"bucket": bucket_name(target), "body": body}
    if metageneration is not None:
        params["if_metageneration_match"] = metageneration
    return ApiCall("gcs", "bucket.patch", params, target.resource_id)


ACTIONS = (RemovePublicMembers(), EnforcePublicAccessPrevention(), EnableUniformAccess())
