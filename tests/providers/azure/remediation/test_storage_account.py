"""Storage account fixes: each finding's plan changes exactly the property its policy is about."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import (
    ACCOUNT,
    MODERN_ACCOUNT,
    apply,
    azure_finding,
    plan,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm


@pytest.mark.parametrize(("policy", "parameters"), [
    ("storage-tls-only", {"enable_https_traffic_only": True}),
    ("azure-storage-min-tls-12", {"minimum_tls_version": "TLS1_2"}),
    ("azure-storage-blob-public-access-disabled", {"allow_blob_public_access": False}),
    ("storage-not-public-by-acl", {"allow_blob_public_access": False}),
])
def test_each_policy_plans_one_update_of_its_own_property(arm: StatefulArm, session_for: Callable[[str], Session],
                                                          policy: str, parameters: dict) -> None:
    [fix] = plan([azure_finding(policy, ACCOUNT)], session_for)
    [call] = fix.calls
    assert (call.service, call.operation, call.resource) == ("storage", "storage_accounts.update", ACCOUNT)
    assert call.params == {"resource_group_name": "prod-rg", "account_name": "proddata", "parameters": parameters}


def test_the_update_sends_only_that_property(arm: StatefulArm, session_for: Callable[[str], Session],
                                             tmp_path: Path) -> None:
    apply([azure_finding("azure-storage-blob-public-access-disabled", ACCOUNT)], session_for, tmp_path / "a.jsonl")
    [patch] = arm.seen("PATCH")
    assert patch.body == {"properties": {"allowBlobPublicAccess": False}}
    assert arm.get(ACCOUNT)["properties"]["minimumTlsVersion"] == "TLS1_0"


def test_an_account_already_on_tls_1_3_is_compliant_and_never_lowered(arm: StatefulArm,
                                                                       session_for: Callable[[str], Session]) -> None:
    [fix] = plan([azure_finding("azure-storage-min-tls-12", MODERN_ACCOUNT)], session_for)
    assert (fix.status, fix.calls) == ("compliant", [])
    assert fix.before == {"minimum_tls_version": "TLS1_3"}


def test_an_unreported_setting_counts_as_not_compliant(arm: StatefulArm, session_for: Callable[[str], Session]) -> None:
    del arm.resources[ACCOUNT]["properties"]["allowBlobPublicAccess"]  # old accounts: unset means allowed
    [fix] = plan([azure_finding("azure-storage-blob-public-access-disabled", ACCOUNT)], session_for)
    assert fix.before == {"allow_blob_public_access": None}
    assert [c.params["parameters"] for c in fix.calls] == [{"allow_blob_public_access": False}]


def test_a_missing_account_is_an_error_not_compliant(arm: StatefulArm, session_for: Callable[[str], Session]) -> None:
    gone = ACCOUNT.replace("proddata", "gone")
    [fix] = plan([azure_finding("storage-tls-only", gone)], session_for)
    assert fix.status == "error" and "not found" in fix.reason


def test_a_resource_of_another_type_is_refused_with_an_error(arm: StatefulArm,
                                                             session_for: Callable[[str], Session]) -> None:
    vault_as_account = ACCOUNT.replace("microsoft.storage/storageaccounts", "microsoft.keyvault/vaults")
    [fix] = plan([azure_finding("storage-tls-only", vault_as_account)], session_for)
    assert fix.status == "error" and "not the id of a microsoft.storage/storageaccounts" in fix.reason
