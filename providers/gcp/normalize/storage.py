"""Cloud Storage buckets: uniform access, public access prevention, public members, CMEK, retention.

A bucket is public by policy when its IAM policy grants a role to ``allUsers`` or
``allAuthenticatedUsers``, and public by ACL when a bucket or default object ACL
names them and uniform bucket-level access is off (with it on, ACLs are not
evaluated). Public access prevention (PAP) ``enforced`` blocks both, like all four
flags of an S3 public access block, so ``public_access_block`` has the four flags
set to the effective PAP. ``inherited`` / ``unspecified`` defer to the
``storage.publicAccessPrevention`` organization policy: enforced when an
org-policy record of the project or an ancestor says so; when the input has no
org-policy record at all, the constraint's default (not enforced) is assumed and a
coverage gap says so. Cloud Storage serves authenticated requests over TLS only
and has no bucket setting that admits plain HTTP, so ``tls_only`` is true.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.iam import ancestors, policy_public, public_members
from cloudwarden.providers.gcp.normalize.members import PUBLIC_MEMBERS
from cloudwarden.providers.gcp.normalize.resources import cmek, resource_node

BUCKET = "storage.googleapis.com/Bucket"
PAP_CONSTRAINT = "constraints/storage.publicAccessPrevention"
_FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")


def acl_public(data: dict[str, Any], uniform: bool) -> bool | None:
    """Whether a bucket or default object ACL grants to everyone; False under uniform access; None when absent."""
    if uniform:
        return False
    if "acl" not in data and "defaultObjectAcl" not in data:
        return None
    entries = list(data.get("acl") or []) + list(data.get("defaultObjectAcl") or [])
    return any(isinstance(e, dict) and e.get("entity") in PUBLIC_MEMBERS for e in entries)


def retention(policy: Any) -> dict[str, Any]:
    """``retentionPolicy`` (``retentionPeriod`` in seconds, as a string) as ``{enabled, period_days, locked}``."""
    if not isinstance(policy, dict) or not policy.get("retentionPeriod"):
        return {"enabled": False, "period_days": None, "locked": False}
    seconds = int(float(policy["retentionPeriod"]))
    return {"enabled": True, "period_days": seconds // 86400, "locked": bool(policy.get("isLocked"))}


def bucket(b: Builder, asset: Asset) -> None:
    """One bucket; the facets that depend on IAM and organization policies are settled later."""
    data = asset.data
    config = data.get("iamConfiguration") or {}
    uniform = bool((config.get("uniformBucketLevelAccess") or {}).get("enabled")
                   or (config.get("bucketPolicyOnly") or {}).get("enabled"))
    encryption = cmek(b, asset.name, (data.get("encryption") or {}).get("defaultKmsKeyName"))
    encryption.update(in_transit=True, min_tls=None)
    log_bucket = (data.get("logging") or {}).get("logBucket")
    resource_node(b, asset, "storage.bucket", {
        "encryption": encryption,
        "uniform_access": uniform,
        "public_access_prevention": str(config.get("publicAccessPrevention") or "inherited").lower(),
        "acl_public": acl_public(data, uniform),
        "tls_only": True,
        "versioning": {"enabled": bool((data.get("versioning") or {}).get("enabled")), "mfa_delete": None},
        "logging": {"enabled": bool(log_bucket), "target_bucket": log_bucket},
        "retention": retention(data.get("retentionPolicy")),
        "storage_class": data.get("storageClass"),
        "location_type": data.get("locationType"),
    }, name=str(data.get("name") or asset.name.rsplit("/", 1)[-1]))


def _org_enforced(b: Builder, project_node: str | None, constraint: str) -> bool | None:
    """A boolean organization policy's effect at a project: nearest setting wins; None when the input has none."""
    policies: dict[str, list[dict[str, Any]]] = b.shared.get("org_policies", {})
    if not policies:
        return None
    for scope in ancestors(b, project_node) if project_node else []:
        for entry in policies.get(scope, []):
            if entry["constraint"] == constraint:
                return False if entry["restore_default"] else bool(entry["enforced"])
    return False


def settle_buckets(b: Builder) -> None:
    """Public access prevention, public members and the public facets of every bucket."""
    for node in list(b.nodes.values()):
        if node.kind != "storage.bucket" or node.cloud != "gcp" or node.reference:
            continue
        props = node.props
        project = b.project_node(node.account) if node.account else None
        raw_pap = props.get("public_access_prevention")
        if raw_pap == "enforced":
            enforced: bool | None = True
        elif raw_pap is None:
            enforced = None  # no resource data for this bucket
        else:
            enforced = _org_enforced(b, project, PAP_CONSTRAINT)
            if enforced is None:
                enforced = False
                with b.producing(node.account, "orgpolicy"):
                    b.gap("orgpolicy", "unsupported", "organization policies are not in the input: public access "
                          "prevention 'inherited' is taken as the constraint's default (not enforced)",
                          resource=PAP_CONSTRAINT, operation="GetEffectivePolicy", account=node.account)
        by_policy = _neutralized(policy_public(b, node.id), enforced)
        by_acl = _neutralized(props.get("acl_public"), enforced)
        props.update(
            public_access_block=dict.fromkeys(_FLAGS, enforced),
            public_access_prevention_enforced=enforced,
            public_members=public_members(b, node.id),
            public_by_policy=by_policy,
            public_by_acl=by_acl,
            public=_any_public(by_acl, by_policy),
        )


def _neutralized(exposed: bool | None, blocked: bool | None) -> bool | None:
    """Exposure that survives public access prevention: True only if exposed and known not blocked."""
    if exposed is False or blocked is True:
        return False
    if exposed is None or blocked is None:
        return None
    return True


def _any_public(*facts: bool | None) -> bool | None:
    if any(f is True for f in facts):
        return True
    return None if any(f is None for f in facts) else False


HANDLERS = {BUCKET: bucket}
