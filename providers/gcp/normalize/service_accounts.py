"""Service accounts and their keys: identity nodes, default accounts, user-managed key ages.

Keys are facts of their account, not nodes: ``keys`` lists the user-managed keys
``[{id, age_days, active, disabled, expired, valid_after, valid_before, algorithm,
origin}]`` (key material is never read); system-managed keys are rotated by
Google and only counted. When the input holds no ``ServiceAccountKey`` record at
all (an export without that asset type), ``keys`` is null: unknown, not "none".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.resources import resource_node

SERVICE_ACCOUNT = "iam.googleapis.com/ServiceAccount"
SERVICE_ACCOUNT_KEY = "iam.googleapis.com/ServiceAccountKey"
_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds and ``Z`` allowed) as an aware datetime."""
    if not value:
        return None
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), str(value).strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def default_kind(b: Builder, email: str, project_id: str | None) -> str | None:
    """``compute`` / ``appengine`` when the email is a project's default service account."""
    email = email.lower()
    if email.endswith("-compute@developer.gserviceaccount.com"):
        return "compute"
    if project_id and email == f"{project_id}@appspot.gserviceaccount.com":
        return "appengine"
    defaults = b.shared.get("compute_projects", {})
    if any(facts.get("default_service_account") == email for facts in defaults.values()):
        return "compute"
    return None


def service_account(b: Builder, asset: Asset) -> None:
    """One service account (identity and resource: its own IAM policy says who may act as it)."""
    data = asset.data
    email = str(data.get("email") or "").lower() or None
    project_id = b.project_of(asset)
    props = {
        "email": email,
        "unique_id": data.get("uniqueId"),
        "display_name": data.get("displayName"),
        "description": data.get("description"),
        "disabled": bool(data.get("disabled")) if asset.has_resource else None,
        "default": default_kind(b, email, project_id) if email else None,
        "service_linked": False,
        "member": f"serviceAccount:{email}" if email else None,
        "last_used_days": None,
    }
    resource_node(b, asset, "identity.service_account", props, name=email or names.basename(asset.name),
                  region="global")


def _account_of_key(b: Builder, asset: Asset) -> str | None:
    """The node id of the service account a key belongs to."""
    if asset.parent and asset.parent in b.names:
        return asset.parent
    relative = str(asset.data.get("name") or "")
    if "/serviceAccounts/" in relative:
        owner = relative.split("/serviceAccounts/", 1)[1].split("/", 1)[0].lower()
        if owner in b.sa_by_email:
            return b.sa_by_email[owner]
    if "/keys/" in asset.name:
        candidate = asset.name.rsplit("/keys/", 1)[0]
        return b.resolve(candidate)
    return None


def service_account_key(b: Builder, asset: Asset) -> None:
    """Remember one key's facts for its account (no key material is kept)."""
    data = asset.data
    valid_after, valid_before = parse_time(data.get("validAfterTime")), parse_time(data.get("validBeforeTime"))
    key_type = str(data.get("keyType") or "").upper()
    if not key_type:
        key_type = "USER_MANAGED" if str(data.get("keyOrigin") or "").upper() == "USER_PROVIDED" else "UNKNOWN"
    disabled = bool(data.get("disabled"))
    expired = bool(valid_before and valid_before <= b.now)
    entry = {
        "id": names.basename(str(data.get("name") or asset.name)),
        "type": key_type,
        "age_days": (b.now - valid_after).days if valid_after else None,
        "active": not disabled and not expired,
        "disabled": disabled,
        "expired": expired,
        "valid_after": data.get("validAfterTime"),
        "valid_before": data.get("validBeforeTime"),
        "algorithm": data.get("keyAlgorithm"),
        "origin": data.get("keyOrigin"),
    }
    owner = _account_of_key(b, asset)
    if owner:
        b.shared.setdefault("sa_keys", {}).setdefault(owner, []).append(entry)


def apply_keys(b: Builder) -> None:
    """``keys`` / ``user_managed_keys`` / ``system_managed_keys`` on every collected service account."""
    known = bool(b.by_type.get(SERVICE_ACCOUNT_KEY))
    found: dict[str, list[dict[str, Any]]] = b.shared.get("sa_keys", {})
    for node in b.nodes.values():
        if node.kind != "identity.service_account" or node.reference or node.native_type != SERVICE_ACCOUNT:
            continue
        if not known:
            node.props.update(keys=None, user_managed_keys=None, system_managed_keys=None)
            continue
        entries = sorted(found.get(node.id, []), key=lambda e: str(e["id"]))
        user = [{k: v for k, v in e.items() if k != "type"} for e in entries if e["type"] == "USER_MANAGED"]
        node.props.update(keys=user, user_managed_keys=len(user),
                          system_managed_keys=sum(1 for e in entries if e["type"] == "SYSTEM_MANAGED"))


HANDLERS = {SERVICE_ACCOUNT: service_account, SERVICE_ACCOUNT_KEY: service_account_key}
