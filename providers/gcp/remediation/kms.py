"""Cloud KMS key fixes: automatic rotation every 90 days.

Key ids are ``//cloudkms.googleapis.com/projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>``.
Only symmetric encryption keys (purpose ``ENCRYPT_DECRYPT``) can rotate
automatically; a finding on any other key is reported as an error, not fixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

KEY_ID = re.compile(
    r"^//cloudkms\.googleapis\.com/(?P<name>projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)$")
ROTATION_DAYS = 90
ROTATION_SECONDS = ROTATION_DAYS * 86400


def key_name(target: Target) -> str:
    """The key's resource name (``projects/.../cryptoKeys/<k>``) from its asset id."""
    match = KEY_ID.match(target.resource_id)
    if match is None:
        raise RemediationError(f"{target.resource_id} is not a Cloud KMS crypto key id")
    return match["name"]


def duration_seconds(value: Any) -> float | None:
    """Seconds of a proto3 JSON duration (``"7776000s"``, ``"7776000.5s"``); None when unset or unreadable."""
    if not isinstance(value, str) or not value.endswith("s"):
        return None
    try:
        return float(value[:-1])
    except ValueError:
        return None


@dataclass(frozen=True)
class SetRotationPeriod:
    """Rotate the key automatically every 90 days, the first rotation 90 days from now."""

    id: str = "gcp.kms.set-rotation-period"
    cloud: str = "gcp"
    policies: tuple[str, ...] = ("kms-key-rotation-enabled", "gcp-kms-rotation-90-days")
    summary: str = f"rotate the key automatically every {ROTATION_DAYS} days (rotationPeriod, nextRotationTime)"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The key's purpose, rotation period and next rotation time (null when not set)."""
        key = session.read("kms", "get_crypto_key", name=key_name(target))
        if key is None:
            raise RemediationError(f"crypto key {key_name(target)} not found")
        return {"purpose": key.get("purpose"), "rotation_period": key.get("rotationPeriod"),
                "next_rotation_time": key.get("nextRotationTime")}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``update_crypto_key`` of the two rotation fields alone, unless the key rotates every 90 days or sooner."""
        period = duration_seconds(state["rotation_period"])
        if period is not None and 0 < period <= ROTATION_SECONDS:
            return []
        if state["purpose"] not in (None, "ENCRYPT_DECRYPT"):
            raise RemediationError(f"a {state['purpose']} key cannot rotate automatically "
                                   "(only symmetric ENCRYPT_DECRYPT keys can)")
        first = (datetime.now(UTC) + timedelta(days=ROTATION_DAYS)).replace(microsecond=0)
        crypto_key = {"name": key_name(target), "rotationPeriod": f"{ROTATION_SECONDS}s",
                      "nextRotationTime": first.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return [ApiCall("kms", "update_crypto_key",
                        {"crypto_key": crypto_key, "update_mask": "rotationPeriod,nextRotationTime"},
                        target.resource_id)]


ACTIONS = (SetRotationPeriod(),)
