"""Key Vault purge protection: turned on, read back, and said to be irreversible."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cloudwarden.engine.remediation.audit import read_audit_log
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import (
    LEGACY_VAULT,
    VAULT,
    apply,
    azure_finding,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm


def test_purge_protection_is_on_when_read_back_after_apply(arm: StatefulArm, session_for: Callable[[str], Session],
                                                          tmp_path: Path) -> None:
    [fix] = apply([azure_finding("azure-keyvault-purge-protection", VAULT)], session_for, tmp_path / "a.jsonl")
    assert fix.status == "applied"
    final = read_audit_log(tmp_path / "a.jsonl")[-1]
    assert final["after"] == {"enable_purge_protection": True, "enable_soft_delete": True}
    assert arm.get(VAULT)["properties"]["enablePurgeProtection"] is True
    assert arm.seen("PATCH")[0].body == {"properties": {"enablePurgeProtection": True}}


def test_the_summary_says_purge_protection_cannot_be_turned_off() -> None:
    summary = action_for("azure", "azure-keyvault-purge-protection").summary
    assert "cannot be undone" in summary and "turned off" in summary


def test_a_vault_with_soft_delete_off_is_left_alone_with_a_reason(arm: StatefulArm, tmp_path: Path,
                                                                   session_for: Callable[[str], Session]) -> None:
    [fix] = apply([azure_finding("azure-keyvault-purge-protection", LEGACY_VAULT)], session_for, tmp_path / "a.jsonl")
    assert fix.status == "error" and "soft delete" in fix.reason
    assert fix.calls == [] and arm.seen("PATCH") == []
