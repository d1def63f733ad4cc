"""KMS key fixes: automatic rotation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, Session, Target


@dataclass(frozen=True)
class EnableKeyRotation:
    """Turn on yearly automatic rotation of a customer-managed symmetric key."""

    id: str = "aws.kms.enable-key-rotation"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("kms-key-rotation-enabled",)
    summary: str = "enable automatic key rotation"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Whether rotation is on."""
        found = session.read("kms", "get_key_rotation_status", target.region, KeyId=target.resource_id) or {}
        return {"rotation_enabled": bool(found.get("KeyRotationEnabled"))}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``EnableKeyRotation`` when off."""
        if state["rotation_enabled"]:
            return []
        return [ApiCall("kms", "enable_key_rotation", {"KeyId": target.resource_id}, target.resource_id,
                        target.region)]


ACTIONS = (EnableKeyRotation(),)
