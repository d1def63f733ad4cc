"""Unused access keys are deactivated, never deleted; recent and inactive keys are left alone."""

from __future__ import annotations

from cloudwarden.providers.aws.remediation.iam import DeactivateUnusedAccessKeys
from cloudwarden.providers.remediation import Target

USER = Target(finding="f", policy="user-unused-credentials", resource_id="arn:aws:iam::1:user/ops/alice",
              kind="identity.user", cloud="aws", account="1", region=None, name="alice")


def _plan(keys: list[dict]) -> list:
    return DeactivateUnusedAccessKeys().plan(None, USER, {"access_keys": keys})  # type: ignore[arg-type]


def test_an_active_key_idle_beyond_45_days_is_set_inactive() -> None:
    calls = _plan([{"id": "AKIA1", "status": "Active", "idle_days": 46, "used": True}])
    assert [(c.operation, c.params) for c in calls] == [
        ("update_access_key", {"UserName": "alice", "AccessKeyId": "AKIA1", "Status": "Inactive"})]


def test_recent_inactive_and_unknown_keys_are_left_alone() -> None:
    assert _plan([{"id": "A", "status": "Active", "idle_days": 45, "used": True},
                  {"id": "B", "status": "Inactive", "idle_days": 400, "used": False},
                  {"id": "C", "status": "Active", "idle_days": None, "used": False}]) == []
