"""IAM fixes: deactivate (never delete) access keys unused for too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cloudwarden.providers.remediation import ApiCall, Session, Target

UNUSED_DAYS = 45  # the threshold of user-unused-credentials (CIS AWS 1.12)


def user_name(target: Target) -> str:
    """``arn:aws:iam::a:user/path/name`` -> ``name``."""
    return target.resource_id.rsplit("/", 1)[-1]


def _days_since(when: Any, now: datetime) -> int | None:
    if not isinstance(when, datetime):
        return None
    return (now - when.astimezone(timezone.utc)).days


@dataclass(frozen=True)
class DeactivateUnusedAccessKeys:
    """Set active access keys unused for more than 45 days (or never used and older) to Inactive."""

    id: str = "aws.iam.deactivate-unused-credentials"
    cloud: str = "aws"
    policies: tuple[str, ...] = ("user-unused-credentials",)
    summary: str = f"deactivate access keys unused for more than {UNUSED_DAYS} days"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Each key's status and days since last use (or since creation when never used)."""
        now = datetime.now(timezone.utc)
        keys = []
        listed = session.read("iam", "list_access_keys", None, UserName=user_name(target)) or {}
        for meta in listed.get("AccessKeyMetadata", []):
            used = session.read("iam", "get_access_key_last_used", None, AccessKeyId=meta["AccessKeyId"]) or {}
            last = used.get("AccessKeyLastUsed", {}).get("LastUsedDate")
            idle = _days_since(last, now) if last else _days_since(meta.get("CreateDate"), now)
            keys.append({"id": meta["AccessKeyId"], "status": meta["Status"], "idle_days": idle, "used": bool(last)})
        return {"access_keys": keys}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``UpdateAccessKey Status=Inactive`` for each active key idle beyond the threshold."""
        return [ApiCall("iam", "update_access_key", {"UserName": user_name(target), "AccessKeyId": k["id"],
                        "Status": "Inactive"}, target.resource_id)
                for k in state["access_keys"]
                if k["status"] == "Active" and k["idle_days"] is not None and k["idle_days"] > UNUSED_DAYS]


ACTIONS = (DeactivateUnusedAccessKeys(),)
