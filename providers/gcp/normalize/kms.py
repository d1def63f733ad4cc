"""Cloud KMS key rings and crypto keys, and Secret Manager secrets.

Key rings are ``kms.vault`` nodes that ``contain`` their keys (a key inherits the
ring's IAM policy). Every Cloud KMS key is customer-managed (Google-managed
encryption has no visible key). ``rotationPeriod`` (``"7776000s"``) gives
``rotation {enabled, period_days}``; only symmetric ``ENCRYPT_DECRYPT`` keys
rotate automatically. ``origin`` is ``CLOUD_KMS`` for key material Cloud KMS
generated (SOFTWARE or HSM), ``IMPORTED`` for import-only keys and ``EXTERNAL``
for Cloud EKM keys.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.resources import cmek, resource_node

KEY_RING = "cloudkms.googleapis.com/KeyRing"
CRYPTO_KEY = "cloudkms.googleapis.com/CryptoKey"
SECRET = "secretmanager.googleapis.com/Secret"


def duration_seconds(value: Any) -> int | None:
    """A protobuf Duration string (``"7776000s"``, ``"3.5s"``) or a number of seconds as whole seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, dict):  # {"seconds": N} from some converters
        value = value.get("seconds")
    try:
        return int(float(str(value).rstrip("s")))
    except ValueError:
        return None


def rotation(period: Any) -> dict[str, Any]:
    """``{enabled, period_days}`` from a rotation period."""
    seconds = duration_seconds(period)
    return {"enabled": bool(seconds), "period_days": round(seconds / 86400, 2) if seconds else None}


def key_ring(b: Builder, asset: Asset) -> None:
    """A key ring."""
    resource_node(b, asset, "kms.vault", {"vault_type": "key_ring"})


def _origin(data: dict[str, Any], protection: str) -> str:
    if protection.startswith("EXTERNAL"):
        return "EXTERNAL"
    if data.get("importOnly") or (data.get("primary") or {}).get("importJob"):
        return "IMPORTED"
    return "CLOUD_KMS"


def crypto_key(b: Builder, asset: Asset) -> None:
    """A crypto key under its ring."""
    data = asset.data
    primary = data.get("primary") or {}
    template = data.get("versionTemplate") or {}
    purpose = str(data.get("purpose") or "").upper() or None
    protection = str(primary.get("protectionLevel") or template.get("protectionLevel") or "SOFTWARE").upper()
    symmetric = purpose == "ENCRYPT_DECRYPT"
    state = primary.get("state")
    node_id = resource_node(b, asset, "kms.key", {
        "customer_managed": True,
        "rotation": rotation(data.get("rotationPeriod")),
        "next_rotation": data.get("nextRotationTime"),
        "symmetric": symmetric if purpose else None,
        "purpose": purpose,
        "state": str(state).lower() if state else None,
        "origin": _origin(data, protection),
        "protection_level": protection,
        "algorithm": primary.get("algorithm") or template.get("algorithm"),
        "key_ring": asset.name.split("/cryptoKeys/", 1)[0],
    })
    ring = b.resolve(asset.name.split("/cryptoKeys/", 1)[0])
    if "/keyRings/" in ring:
        b.edge(b.reference(ring, "kms.vault"), node_id, "contains")


def secret(b: Builder, asset: Asset) -> None:
    """A Secret Manager secret (never its payload): replication keys and rotation schedule."""
    data = asset.data
    replication = data.get("replication") or {}
    automatic = replication.get("automatic")
    replicas = (replication.get("userManaged") or replication.get("user_managed") or {}).get("replicas") or []
    if isinstance(automatic, dict):
        keys = [((automatic.get("customerManagedEncryption") or {}).get("kmsKeyName"))]
    else:
        keys = [(r.get("customerManagedEncryption") or {}).get("kmsKeyName") for r in replicas if isinstance(r, dict)]
    node_id = asset.name
    encryption = {"at_rest": True, "key_id": None, "customer_managed": False}
    for key in keys:
        if key:
            encryption = {**cmek(b, node_id, key), "customer_managed": all(keys)}
    resource_node(b, asset, "secret", {
        "encryption": encryption,
        "rotation": rotation((data.get("rotation") or {}).get("rotationPeriod")),
        "next_rotation": (data.get("rotation") or {}).get("nextRotationTime"),
        "replication": "automatic" if isinstance(automatic, dict) else ("user_managed" if replicas else None),
        "locations": [names.region_of(r.get("location")) for r in replicas if isinstance(r, dict)],
    })


HANDLERS = {KEY_RING: key_ring, CRYPTO_KEY: crypto_key, SECRET: secret}
