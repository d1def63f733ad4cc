"""RDS fixes: make an instance private."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target


def instance_identifier(target: Target) -> str:
    """``arn:aws:rds:r:a:db:name`` -> ``name``; clusters are not instances."""
    parts = target.resource_id.split(":")
    if len(parts) < 7 or parts[5] != "db":
        raise RemediationError(f"{target.resource_id} is not an RDS DB instance")
    return parts[6]


@dataclass(frozen=True)
class DisablePublicAccess:
    """Set ``PubliclyAccessible`` false (applied immediately; the endpoint resolves to private addresses)."""

    id: str = "aws.rds.disable-public-access"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("database-not-public",)
    summary: str = "make the DB instance not publicly accessible"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Whether the instance is publicly accessible."""
        found = session.read("rds", "describe_db_instances", target.region,
                             DBInstanceIdentifier=instance_identifier(target)) or {}
        instances = found.get("DBInstances") or []
        if not instances:
            raise RemediationError(f"DB instance {instance_identifier(target)} not found")
        return {"publicly_accessible": bool(instances[0].get("PubliclyAccessible"))}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``ModifyDBInstance`` with ``PubliclyAccessible=False`` when it is public."""
        if not state["publicly_accessible"]:
            return []
        return [ApiCall("rds", "modify_db_instance", {"DBInstanceIdentifier": instance_identifier(target),
                        "PubliclyAccessible": False, "ApplyImmediately": True}, target.resource_id, target.region)]


ACTIONS = (DisablePublicAccess(),)
