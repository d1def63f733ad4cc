"""Cloud Asset Inventory records read into one shape, whatever spelling produced them.

The live client (``Asset.to_dict``) and ``gcloud asset export`` write proto field
names (``asset_type``, ``iam_policy``, ``update_time``); ``gcloud asset list
--format=json`` and the REST API write camelCase (``assetType``, ``iamPolicy``).
``resource.data`` keeps the resource API's own camelCase fields in both. One
resource appears once per content type (RESOURCE, IAM_POLICY, ORG_POLICY), so
records of the same name merge into one :class:`Asset`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Asset types of older exports and tools (Forseti / policy-library style) and their CAI names.
_LEGACY_TYPES: dict[str, str] = {
    "google.cloud.resourcemanager.Organization": "cloudresourcemanager.googleapis.com/Organization",
    "google.cloud.resourcemanager.Folder": "cloudresourcemanager.googleapis.com/Folder",
    "google.cloud.resourcemanager.Project": "cloudresourcemanager.googleapis.com/Project",
    "google.cloud.storage.Bucket": "storage.googleapis.com/Bucket",
    "google.cloud.sql.Instance": "sqladmin.googleapis.com/Instance",
    "google.cloud.kms.KeyRing": "cloudkms.googleapis.com/KeyRing",
    "google.cloud.kms.CryptoKey": "cloudkms.googleapis.com/CryptoKey",
    "google.iam.ServiceAccount": "iam.googleapis.com/ServiceAccount",
    "google.iam.ServiceAccountKey": "iam.googleapis.com/ServiceAccountKey",
    "google.iam.Role": "iam.googleapis.com/Role",
    "google.logging.LogSink": "logging.googleapis.com/LogSink",
}
# Audit log types by enum number (a client asked for integer enums).
_LOG_TYPES = {1: "ADMIN_READ", 2: "DATA_WRITE", 3: "DATA_READ"}


def pick(record: dict[str, Any], *keys: str) -> Any:
    """The first present (non-None) value among ``keys``: snake_case and camelCase spellings."""
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None


def asset_type_of(record: dict[str, Any]) -> str:
    """The record's asset type in CAI spelling (``storage.googleapis.com/Bucket``)."""
    raw = str(pick(record, "asset_type", "assetType") or "")
    if raw in _LEGACY_TYPES:
        return _LEGACY_TYPES[raw]
    if raw.startswith("google.compute."):
        return "compute.googleapis.com/" + raw.rsplit(".", 1)[-1]
    return raw


@dataclass
class Asset:
    """One resource with everything the records of its name said about it."""

    name: str
    asset_type: str
    data: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    location: str | None = None
    ancestors: list[str] = field(default_factory=list)
    iam_policy: dict[str, Any] | None = None
    org_policies: list[dict[str, Any]] = field(default_factory=list)
    update_time: str | None = None
    has_resource: bool = False

    @property
    def service(self) -> str:
        """``storage.googleapis.com`` of ``storage.googleapis.com/Bucket``."""
        return self.asset_type.split("/", 1)[0]


def _condition(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw.get("expression"):
        return None
    return {"expression": str(raw["expression"]), "title": raw.get("title"), "description": raw.get("description")}


def _log_type(value: Any) -> str:
    if isinstance(value, int):
        return _LOG_TYPES.get(value, str(value))
    return str(value or "LOG_TYPE_UNSPECIFIED").upper()


def iam_policy_of(raw: Any) -> dict[str, Any] | None:
    """An IAM policy as ``{bindings: [{role, members, condition}], audit_configs: [...]}``."""
    if not isinstance(raw, dict):
        return None
    bindings = []
    for binding in raw.get("bindings") or ():
        if isinstance(binding, dict) and binding.get("role"):
            members = [str(m) for m in binding.get("members") or () if m]
            bindings.append({"role": str(binding["role"]), "members": members,
                             "condition": _condition(binding.get("condition"))})
    audits = []
    for config in pick(raw, "audit_configs", "auditConfigs") or ():
        if not isinstance(config, dict):
            continue
        logs = []
        for log in pick(config, "audit_log_configs", "auditLogConfigs") or ():
            if isinstance(log, dict):
                exempted = pick(log, "exempted_members", "exemptedMembers") or ()
                logs.append({"log_type": _log_type(pick(log, "log_type", "logType")),
                             "exempted_members": [str(m) for m in exempted]})
        audits.append({"service": str(config.get("service") or ""), "audit_log_configs": logs})
    return {"bindings": bindings, "audit_configs": audits}


def _org_policies(raw: Any) -> list[dict[str, Any]]:
    """Organization policy entries (``org_policy`` content): constraint and whether it is enforced."""
    out = []
    for entry in raw or ():
        if not isinstance(entry, dict) or not entry.get("constraint"):
            continue
        boolean = pick(entry, "boolean_policy", "booleanPolicy")
        out.append({
            "constraint": str(entry["constraint"]),
            "enforced": bool(boolean.get("enforced")) if isinstance(boolean, dict) else None,
            "restore_default": bool(pick(entry, "restore_default", "restoreDefault")),
        })
    return out


def canonical(value: Any) -> Any:
    """``value`` with every map's keys sorted: the live client's protobuf maps iterate in a per-process
    order, and the snapshot (raw payloads, labels, flag maps) must not change from one run to the next."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def read_asset(record: dict[str, Any]) -> Asset | None:
    """One record as an :class:`Asset`; None when it names no resource."""
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return None
    resource = record.get("resource") if isinstance(record.get("resource"), dict) else None
    data = (resource or {}).get("data")
    return Asset(
        name=name,
        asset_type=asset_type_of(record),
        data=canonical(data) if isinstance(data, dict) else {},
        parent=(resource or {}).get("parent") or None,
        location=(resource or {}).get("location") or None,
        ancestors=[str(a) for a in record.get("ancestors") or () if a],
        iam_policy=iam_policy_of(pick(record, "iam_policy", "iamPolicy")),
        org_policies=_org_policies(pick(record, "org_policy", "orgPolicy")),
        update_time=pick(record, "update_time", "updateTime"),
        has_resource=isinstance(data, dict),
    )


def _merge(into: Asset, other: Asset) -> None:
    """Fold a second record of the same resource into the first; the newer resource snapshot wins."""
    if other.has_resource and (not into.has_resource or str(other.update_time or "") >= str(into.update_time or "")):
        into.data, into.parent, into.location = other.data, other.parent or into.parent, other.location or into.location
        into.has_resource = True
        into.update_time = other.update_time or into.update_time
    if other.iam_policy is not None:
        into.iam_policy = other.iam_policy
    into.org_policies = into.org_policies + [p for p in other.org_policies if p not in into.org_policies]
    if not into.ancestors:
        into.ancestors = other.ancestors
    if not into.asset_type:
        into.asset_type = other.asset_type


def merge_assets(records: Iterable[dict[str, Any]]) -> list[Asset]:
    """Records merged by resource name, sorted by name (records without a name are skipped).

    The order is the names', not the input's: a live run gathers records from parallel
    tasks and an import from files in any order, and both must give the same snapshot.
    """
    assets: dict[str, Asset] = {}
    for record in records:
        if not isinstance(record, dict):
            continue
        asset = read_asset(record)
        if asset is None:
            continue
        if asset.name in assets:
            _merge(assets[asset.name], asset)
        else:
            assets[asset.name] = asset
    return sorted(assets.values(), key=lambda a: a.name)
