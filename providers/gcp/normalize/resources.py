"""What every resource node shares: its id, account, region, labels, raw payload, and its place in the hierarchy.

Also the small links most handlers make: ``encrypted_by`` a Cloud KMS key,
``runs_as`` a service account given by email, ``reads_from`` / ``writes_to`` a
bucket named in a ``gs://`` URI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder

# Fields whose values can hold secrets or bulky material: dropped from ``raw`` wherever they appear.
SECRET_FIELDS = frozenset({
    "privateKeyData", "publicKeyData", "environmentVariables", "buildEnvironmentVariables",
    "secretEnvironmentVariables",
    "env", "rootPassword", "password", "startupScript", "startup-script", "userData", "sshKeys", "ssh-keys",
})
_GCS_URI = re.compile(r"gs://[a-z0-9][a-z0-9._-]*[a-z0-9](?:/[^\s,;'\"]*)?")
# Instance metadata keys whose values are configuration (kept); every other value is dropped.
SAFE_METADATA_KEYS = frozenset({
    "enable-oslogin", "enable-oslogin-2fa", "block-project-ssh-keys", "serial-port-enable", "enable-guest-attributes",
    "notebook-disable-root", "proxy-mode", "disable-swap-binaries", "enable-windows-ssh", "google-logging-enabled",
    "google-monitoring-enabled", "install-nvidia-driver",
})


def scrub(value: Any) -> Any:
    """A payload without secret-bearing fields; metadata items keep their keys, and values only when safe."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_FIELDS:
                continue
            if key == "items" and isinstance(item, list) and all(isinstance(i, dict) and "key" in i for i in item):
                out[key] = [{"key": i["key"], **({"value": i.get("value")} if i["key"] in SAFE_METADATA_KEYS else {})}
                            for i in item]
            else:
                out[key] = scrub(item)
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def labels(data: dict[str, Any], key: str = "labels") -> dict[str, str]:
    """Resource labels as string tags."""
    raw = data.get(key)
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def metadata_items(metadata: Any) -> dict[str, str]:
    """Compute metadata ``{items: [{key, value}]}`` (or a plain map) as a dict."""
    if isinstance(metadata, dict) and isinstance(metadata.get("items"), list):
        return {str(i.get("key")): str(i.get("value", "")) for i in metadata["items"] if isinstance(i, dict)}
    if isinstance(metadata, dict):
        return {str(k): str(v) for k, v in metadata.items() if not isinstance(v, (dict, list))}
    return {}


def flag(value: str | None) -> bool | None:
    """A metadata flag (``TRUE``, ``true``, ``1``, ``false``...) as a bool; None when unset."""
    if value is None:
        return None
    return str(value).strip().lower() in ("true", "1", "yes", "y", "on")


def region_of_asset(asset: Asset) -> str:
    """The asset's region: its location, else the zone or region in its data or name."""
    for location in (asset.location, asset.data.get("zone"), asset.data.get("region"), asset.data.get("location")):
        if location:
            return names.region_of(str(location))
    parts = asset.name.split("/")
    for marker in ("zones", "regions", "locations"):
        if marker in parts and parts.index(marker) + 1 < len(parts):
            return names.region_of(parts[parts.index(marker) + 1])
    return "global"


def resource_node(b: Builder, asset: Asset, kind: str, props: dict[str, Any], name: str | None = None,
                  tags: dict[str, str] | None = None, region: str | None = None) -> str:
    """Add the node of a project resource and its ``contains`` edge from the project."""
    account = b.project_of(asset)
    node = Node(
        id=asset.name,
        cloud="gcp",
        kind=kind,
        native_type=asset.asset_type,
        account=account,
        region=region or region_of_asset(asset),
        name=name or str(asset.data.get("displayName") or asset.data.get("name") or "").rsplit("/", 1)[-1]
        or names.basename(asset.name),
        tags=tags if tags is not None else labels(asset.data),
        props=props,
        raw=scrub(asset.data),
    )
    b.add(node)
    if account:
        b.edge(b.project_node(account), node.id, "contains")
    return node.id


def cmek(b: Builder, source: str, key_name: str | None, at_rest: bool | None = True) -> dict[str, Any]:
    """The encryption facet of a resource Google encrypts at rest, with its Cloud KMS key when one is set."""
    key = names.kms_key_id(key_name)
    if key:
        b.edge(source, b.reference(key, "kms.key"), "encrypted_by")
    return {"at_rest": at_rest, "key_id": key, "customer_managed": bool(key) if at_rest is not None else None}


# Google-managed identities (service agents, the Google APIs agent): not the customer's to govern.
_SERVICE_AGENT = re.compile(
    r"(^service-\d+@|@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$|@cloudservices\.gserviceaccount\.com$"
    r"|@cloudbuild\.gserviceaccount\.com$|@container-engine-robot\.iam\.gserviceaccount\.com$"
    r"|@gcp-sa-|@system\.gserviceaccount\.com$)")


def is_service_agent(email: str) -> bool:
    """Whether a service account email belongs to a Google-managed service agent."""
    return bool(_SERVICE_AGENT.search(email.lower()))


def service_account_ref(b: Builder, email: str) -> str:
    """The node of a service account by email: the collected one, else a reference ``serviceAccount:<email>``."""
    email = email.strip().lower()
    if email in b.sa_by_email:
        return b.sa_by_email[email]
    return b.reference(f"serviceAccount:{email}", "identity.service_account", email, email=email,
                       member=f"serviceAccount:{email}", service_linked=is_service_agent(email))


def runs_as(b: Builder, source: str, email: str | None, **detail: Any) -> None:
    """``source -runs_as-> service account``."""
    if email:
        b.edge(source, service_account_ref(b, str(email)), "runs_as", **detail)


def link_buckets(b: Builder, source: str, uris: Iterable[str | None], kind: str) -> list[str]:
    """One ``reads_from``/``writes_to`` edge per bucket named in ``uris`` (URIs as evidence); returns the URIs."""
    found: dict[str, list[str]] = {}
    for uri in uris:
        bucket = names.bucket_of_uri(uri)
        if bucket and uri:
            found.setdefault(bucket, []).append(str(uri))
    for bucket, uris_of in found.items():
        target = b.reference(names.bucket_id(bucket), "storage.bucket", bucket)
        detail: dict[str, Any] = {"uri": uris_of[0]}
        if len(uris_of) > 1:
            detail["uris"] = uris_of
        b.edge(source, target, kind, **detail)
    return [u for v in found.values() for u in v]


def gcs_uris(value: Any, skip: frozenset[str] = SECRET_FIELDS) -> list[str]:
    """Every ``gs://`` string inside a payload (environment blocks skipped)."""
    out: list[str] = []
    if isinstance(value, str):
        out += _GCS_URI.findall(value)  # also inside arguments such as ``--data=gs://bucket/path``
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                out += gcs_uris(item, skip)
    elif isinstance(value, list):
        for item in value:
            out += gcs_uris(item, skip)
    return out
