"""Azure remediation end to end on the stateful ARM fake: plan, apply, verify, re-run, failure midway."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.engine.remediation.audit import read_audit_log
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import (
    ACCOUNT,
    NSG,
    OPERATOR_OID,
    VAULT,
    apply,
    azure_finding,
    plan,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm

FINDINGS = [("storage-tls-only", ACCOUNT), ("azure-storage-min-tls-12", ACCOUNT),
            ("azure-storage-blob-public-access-disabled", ACCOUNT), ("firewall-no-world-admin-ports", NSG),
            ("azure-keyvault-purge-protection", VAULT)]


def _findings() -> list:
    return [azure_finding(policy, resource) for policy, resource in FINDINGS]


@pytest.mark.parametrize("policy", [p for p, _ in FINDINGS] + ["storage-not-public-by-acl"])
def test_the_registry_finds_an_azure_action_for_each_fixable_policy(policy: str) -> None:
    action = action_for("azure", policy)
    assert action is not None and action.cloud == "azure" and action.id.startswith("azure.")


def test_plan_lists_the_exact_calls_and_changes_nothing(arm: StatefulArm,
                                                        session_for: Callable[[str], Session]) -> None:
    fixes = plan(_findings(), session_for)
    rendered = {f.target.policy: [c.render() for c in f.calls] for f in fixes}
    assert rendered["storage-tls-only"] == [(
        "storage.storage_accounts.update(resource_group_name='prod-rg', account_name='proddata', "
        "parameters={'enable_https_traffic_only': True})")]
    assert rendered["azure-keyvault-purge-protection"] == [(
        "keyvault.vaults.update(resource_group_name='prod-rg', vault_name='prod-secrets', "
        "parameters={'properties': {'enable_purge_protection': True}})")]
    assert {f.status for f in fixes} == {"planned"}
    assert arm.seen("PATCH") == [] and arm.seen("DELETE") == []


def test_apply_changes_each_setting_and_verifies_it(arm: StatefulArm, session_for: Callable[[str], Session],
                                                    tmp_path: Path) -> None:
    fixes = apply(_findings(), session_for, tmp_path / "audit.jsonl")
    assert [f.status for f in fixes] == ["applied"] * len(FINDINGS)
    account = arm.get(ACCOUNT)["properties"]
    assert (account["supportsHttpsTrafficOnly"], account["minimumTlsVersion"], account["allowBlobPublicAccess"]) == (
        True, "TLS1_2", False)
    assert arm.get(VAULT)["properties"]["enablePurgeProtection"] is True


def test_audit_entries_name_the_operator_and_carry_before_and_after(arm: StatefulArm, tmp_path: Path,
                                                                    session_for: Callable[[str], Session]) -> None:
    apply([azure_finding("azure-storage-min-tls-12", ACCOUNT)], session_for, tmp_path / "audit.jsonl")
    started, applied = read_audit_log(tmp_path / "audit.jsonl")
    assert (started["event"], applied["event"]) == ("started", "applied")
    assert applied["actor"] == OPERATOR_OID
    assert applied["before"] == {"minimum_tls_version": "TLS1_0"}
    assert applied["after"] == {"minimum_tls_version": "TLS1_2"}
    assert applied["verified"] is True and applied["cloud"] == "azure"


def test_a_rerun_after_apply_is_a_no_op(arm: StatefulArm, session_for: Callable[[str], Session],
                                        tmp_path: Path) -> None:
    apply(_findings(), session_for, tmp_path / "audit.jsonl")
    writes = len(arm.seen("PATCH")) + len(arm.seen("DELETE"))
    again = apply(_findings(), session_for, tmp_path / "audit.jsonl")
    assert {f.status for f in again} == {"compliant"}
    assert not any(f.calls for f in again)
    assert len(arm.seen("PATCH")) + len(arm.seen("DELETE")) == writes


def test_a_failure_midway_leaves_an_accurate_audit_log(arm: StatefulArm, session_for: Callable[[str], Session],
                                                      tmp_path: Path) -> None:
    arm.fail("PATCH", r"/vaults/prod-secrets$", 409, code="ConflictingOperation")
    findings = [azure_finding("storage-tls-only", ACCOUNT), azure_finding("azure-keyvault-purge-protection", VAULT),
                azure_finding("firewall-no-world-admin-ports", NSG)]
    fixes = apply(findings, session_for, tmp_path / "audit.jsonl")
    assert [f.status for f in fixes] == ["applied", "failed", "applied"]
    final = [e for e in read_audit_log(tmp_path / "audit.jsonl") if e["event"] != "started"]
    assert [(e["resource"], e["event"]) for e in final] == [(ACCOUNT, "applied"), (VAULT, "failed"), (NSG, "applied")]
    failed = final[1]
    assert "409" in failed["reason"] and "ConflictingOperation" in failed["reason"]
    assert failed["completed_calls"] == []
    assert failed["before"] == failed["after"] == {"enable_purge_protection": None, "enable_soft_delete": True}
    assert arm.get(VAULT)["properties"].get("enablePurgeProtection") is None


def test_max_changes_stops_after_n_resources(arm: StatefulArm, session_for: Callable[[str], Session],
                                             tmp_path: Path) -> None:
    from cloudwarden.engine.remediation.apply import apply_fixes
    from cloudwarden.engine.remediation.audit import AuditLog

    fixes = plan(_findings(), session_for)
    audit = AuditLog(tmp_path / "audit.jsonl")
    apply_fixes(fixes, session_for, audit, max_changes=2)
    audit.close()
    assert [f.status for f in fixes] == ["applied", "applied", "skipped", "skipped", "skipped"]
    assert arm.get(VAULT)["properties"].get("enablePurgeProtection") is None
