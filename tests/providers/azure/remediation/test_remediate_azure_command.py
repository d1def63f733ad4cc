"""The ``remediate`` command on Azure findings: the printed plan, and the exit code after a failed fix."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.engine.remediation.command import remediate
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import (
    ACCOUNT,
    NSG,
    VAULT,
    azure_finding,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm


def _args(tmp_path: Path, apply: bool = False) -> argparse.Namespace:
    return argparse.Namespace(policy=[], resource=[], apply=apply, max_changes=None, format="table", output=None,
                              audit_log=str(tmp_path / "audit.jsonl"))


def test_the_table_plan_shows_each_call_and_says_nothing_changed(arm: StatefulArm, tmp_path: Path,
                                                                  session_for: Callable[[str], Session],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    findings = [azure_finding("firewall-no-world-admin-ports", NSG), azure_finding("storage-tls-only", ACCOUNT)]
    assert remediate(findings, _args(tmp_path), session_for) == 0
    out = capsys.readouterr().out
    assert "network.security_rules.begin_delete(resource_group_name='prod-rg', network_security_group_name='web-nsg'," \
           " security_rule_name='ssh-from-anywhere')" in out
    assert "storage.storage_accounts.update(" in out
    assert "Nothing was changed" in out
    assert arm.seen("PATCH") == [] and arm.seen("DELETE") == []


def test_a_failed_fix_makes_the_command_fail(arm: StatefulArm, tmp_path: Path, session_for: Callable[[str], Session],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    arm.fail("PATCH", "/vaults/prod-secrets$", 409, code="Conflict")
    findings = [azure_finding("storage-tls-only", ACCOUNT), azure_finding("azure-keyvault-purge-protection", VAULT)]
    assert remediate(findings, _args(tmp_path, apply=True), session_for) == 1
    out = capsys.readouterr().out
    assert "[applied] storage-tls-only" in out and "[failed] azure-keyvault-purge-protection" in out
