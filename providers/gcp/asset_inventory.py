"""Resources and IAM policies of one scope from Cloud Asset Inventory (``ListAssets``).

Records are ``asset_v1.Asset.to_dict`` dicts (snake_case top level, the
resource's own camelCase JSON in ``resource.data``), the same shape as a
``gcloud asset export`` line, so the normalizer treats live and exported
inventories alike. Two facts of the wire format are smoothed here: a protobuf
``Struct`` carries every number as a double (``priority: 1000.0``), so integral
numbers in ``resource.data`` are turned back into ints; enums are given by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from google.api_core import retry as retries
from google.cloud import asset_v1

from cloudwarden.providers.gcp.credentials import GcpConnection
from cloudwarden.providers.gcp.errors import RETRYABLE

CLOUD_ASSET = "cloudasset"
PAGE_SIZE = 1000  # the API's maximum
CALL_TIMEOUT = 120.0
CONTENT_TYPES: dict[str, asset_v1.ContentType] = {
    "RESOURCE": asset_v1.ContentType.RESOURCE,
    "IAM_POLICY": asset_v1.ContentType.IAM_POLICY,
    "ORG_POLICY": asset_v1.ContentType.ORG_POLICY,  # constraints set inside the scope (see details/org_policies)
}

# Used when the normalizer does not publish the asset types it understands.
FALLBACK_ASSET_TYPES: tuple[str, ...] = (
    "cloudresourcemanager.googleapis.com/Organization",
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Project",
    "iam.googleapis.com/Role",
    "iam.googleapis.com/ServiceAccount",
    "iam.googleapis.com/ServiceAccountKey",
    "compute.googleapis.com/Network",
    "compute.googleapis.com/Subnetwork",
    "compute.googleapis.com/Firewall",
    "compute.googleapis.com/Route",
    "compute.googleapis.com/Instance",
    "compute.googleapis.com/Disk",
    "compute.googleapis.com/Address",
    "compute.googleapis.com/GlobalAddress",
    "compute.googleapis.com/ForwardingRule",
    "compute.googleapis.com/GlobalForwardingRule",
    "compute.googleapis.com/BackendService",
    "storage.googleapis.com/Bucket",
    "cloudkms.googleapis.com/KeyRing",
    "cloudkms.googleapis.com/CryptoKey",
    "secretmanager.googleapis.com/Secret",
    "sqladmin.googleapis.com/Instance",
    "cloudfunctions.googleapis.com/CloudFunction",
    "cloudfunctions.googleapis.com/Function",
    "run.googleapis.com/Service",
    "aiplatform.googleapis.com/Endpoint",
    "aiplatform.googleapis.com/Model",
    "aiplatform.googleapis.com/CustomJob",
    "notebooks.googleapis.com/Instance",
    "logging.googleapis.com/LogSink",
)
_REGISTRY_NAMES = ("ASSET_TYPES", "SUPPORTED_ASSET_TYPES", "asset_types", "supported_asset_types")


def normalizer_asset_types() -> list[str]:
    """The asset types the normalizer handles (its published registry), else the fallback list."""
    try:
        module = importlib.import_module("cloudwarden.providers.gcp.normalize")
    except ImportError:
        return list(FALLBACK_ASSET_TYPES)
    for name in _REGISTRY_NAMES:
        found = getattr(module, name, None)
        found = found() if callable(found) else found
        if found:
            types = sorted({str(t) for t in found if "/" in str(t)})
            if types:
                return types
    return list(FALLBACK_ASSET_TYPES)


def select_asset_types(narrow: Iterable[str]) -> list[str]:
    """The requested asset types (``--asset-type``), or every type the normalizer handles."""
    chosen = sorted({t.strip() for t in narrow if t.strip()})
    return chosen or normalizer_asset_types()


def default_retry(deadline: float = 300.0) -> retries.Retry:
    """Exponential backoff on 429/5xx (1 s doubling to 60 s), bounded by ``deadline`` seconds per call."""
    return retries.Retry(predicate=retries.if_exception_type(*RETRYABLE), initial=1.0, maximum=60.0,
                         multiplier=2.0, timeout=deadline)


def integral_numbers(value: Any) -> Any:
    """``value`` with every integral float (a ``Struct`` artefact) turned back into an int."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {k: integral_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    return value


def asset_record(asset: asset_v1.Asset) -> dict[str, Any]:
    """One CAI asset as the normalizer's record: ``to_dict`` without empty defaults, enums by name."""
    record: dict[str, Any] = asset_v1.Asset.to_dict(
        asset, use_integers_for_enums=False, preserving_proto_field_name=True,
        always_print_fields_with_no_presence=False,
    )
    resource = record.get("resource")
    if isinstance(resource, dict) and isinstance(resource.get("data"), dict):
        resource["data"] = integral_numbers(resource["data"])
    return record


def list_assets(conn: GcpConnection, scope: str, content_type: str, asset_types: list[str],
                retry: retries.Retry | None = None,
                on_page: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every asset of ``scope`` for one content type, following ``nextPageToken`` to the end.

    ``retry`` applies to each page (the pager passes it on); a failure after
    retries raises, and the caller turns it into a coverage gap for the scope.
    """
    client = conn.client(CLOUD_ASSET, asset_v1.AssetServiceClient)
    request = {"parent": scope, "content_type": CONTENT_TYPES[content_type], "asset_types": asset_types,
               "page_size": PAGE_SIZE}
    pager = client.list_assets(request=request, retry=retry or default_retry(), timeout=CALL_TIMEOUT)
    records: list[dict[str, Any]] = []
    for page in pager.pages:
        records.extend(asset_record(a) for a in page.assets)
        if on_page:
            on_page(len(records))
    return records
