"""The whole built-in pack on the planted Azure subscription: every planted issue found, no clean twin flagged.

The rows are ``fixtures/azure/rows/*.json`` (the normalizer's planted subscription:
Resource Graph rows plus the child records the collector adds) and
``fixtures/azure/policy-rows/*.json``, the cases the Azure-specific policies need
that those lack: SQL auditing policies, a key without expiry, a secret with one,
classified disks, a VM running as an Owner identity, a custom role listing specific
actions. They are normalized and merged as a collection run would and evaluated with
the pack the CLI loads (graph analyzers included), once per CEL backend.

Undetermined results are allowed only where listed below with the reason the fact is
really unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cloudwarden.engine.cel import BACKENDS, get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.policy import builtin_policy_dir, load_policies
from cloudwarden.graph.merge import merge_partials
from cloudwarden.providers.azure.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the planted keys' and secrets' ages are taken at this time
SUB = "/subscriptions/11111111-1111-4111-8111-111111111111"
APP = f"{SUB}/resourcegroups/rg-app/providers/"
DATA = f"{SUB}/resourcegroups/rg-data/providers/"
ST_OPEN, ST_CLEAN = DATA + "microsoft.storage/storageaccounts/stplainhttp", DATA + "microsoft.storage/storageaccounts/stclean"
KV_OPEN, KV_CLEAN = DATA + "microsoft.keyvault/vaults/kv-nopurge", DATA + "microsoft.keyvault/vaults/kv-clean"
SQL_OPEN, SQL_CLEAN = DATA + "microsoft.sql/servers/sql-open", DATA + "microsoft.sql/servers/sql-clean"
OAI_OPEN, OAI_CLEAN = DATA + "microsoft.cognitiveservices/accounts/oai-open", DATA + "microsoft.cognitiveservices/accounts/oai-clean"
CI = DATA + "microsoft.machinelearningservices/workspaces/mlw-research/computes/"
NSG = APP + "microsoft.network/networksecuritygroups/"
VM = APP + "microsoft.compute/virtualmachines/"
VM_ADMIN = DATA + "microsoft.compute/virtualmachines/vm-admin"
DISK = APP + "microsoft.compute/disks/"
DATA_DISK = DATA + "microsoft.compute/disks/"
ID_APP = APP + "microsoft.managedidentity/userassignedidentities/id-app"
ROLE = "/providers/microsoft.authorization/roledefinitions/"
EVERYTHING_OPERATOR, OWNER, VM_OPERATOR = (ROLE + "99999999-0000-4000-8000-00000000c0de",
                                           ROLE + "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                                           ROLE + "77777777-0000-4000-8000-00000000beef")
ALICE, OPS_GROUP = "azure:principal:cccccccc-0000-4000-8000-000000000004", "azure:principal:dddddddd-0000-4000-8000-000000000005"

# (policy, resource) pairs that must be reported, and nothing else.
PLANTED: list[tuple[str, str]] = [
    # stplainhttp: HTTP allowed, TLS 1.0, public container, shared keys, firewall open, no versioning,
    # tagged confidential on Microsoft-managed keys.
    *[(p, ST_OPEN) for p in ("storage-tls-only", "storage-not-public-by-acl", "storage-versioning-enabled",
                             "storage-encrypted-with-cmk", "azure-storage-min-tls-12",
                             "azure-storage-blob-public-access-disabled", "azure-storage-default-network-deny",
                             "azure-storage-shared-key-disabled")],
    # kv-nopurge: no purge protection, access policies, reachable from anywhere; its keys and secret.
    *[(p, KV_OPEN) for p in ("azure-keyvault-purge-protection", "azure-keyvault-rbac-authorization",
                             "azure-keyvault-not-public")],
    ("azure-keyvault-key-rotation", KV_OPEN + "/keys/legacy"),
    ("azure-keyvault-key-expiry", KV_OPEN + "/keys/signing"),
    ("azure-keyvault-secret-expiry", KV_OPEN + "/secrets/db-password"),
    # sql-open: 0.0.0.0-255.255.255.255, TDE off, auditing off.
    *[(p, SQL_OPEN) for p in ("database-not-public", "database-encrypted", "azure-sql-no-world-firewall",
                              "azure-sql-auditing")],
    # oai-open: public, API keys, Microsoft-managed keys.
    *[(p, OAI_OPEN) for p in ("azure-openai-not-public", "azure-openai-local-auth-disabled", "azure-openai-cmk")],
    # ci-public: public IP with SSH open.
    ("ai-notebook-no-direct-internet", CI + "ci-public"),
    ("azure-ml-compute-ssh-disabled", CI + "ci-public"),
    # SSH from Internet on the subnet NSG and on nsg-open-ssh; vm-web behind them with a public IP.
    ("firewall-no-world-admin-ports", NSG + "nsg-subnet-web"),
    ("firewall-no-world-admin-ports", NSG + "nsg-open-ssh"),
    ("instance-public-ip-behind-world-open-firewall", VM + "vm-web"),
    ("azure-disk-network-access-private", DISK + "osdisk-web"),
    ("azure-disk-cmk", DATA_DISK + "datadisk-payroll"),
    # vm-admin runs as an Owner of the subscription; id-app (Contributor) may run commands on it.
    ("azure-vm-managed-identity-not-owner", VM_ADMIN),
    ("principal-can-escalate-to-admin", ID_APP),
    # The custom role "Everything Operator" (* at the subscription) is assigned to a group on rg-app;
    # Alice holds Owner directly.
    *[(p, EVERYTHING_OPERATOR) for p in ("policy-no-admin-equivalent", "policy-no-wildcard-sensitive-services",
                                         "azure-custom-role-no-owner-equivalent")],
    ("principal-no-admin-policy", ALICE),
    ("principal-no-admin-policy", OPS_GROUP),
    ("user-no-direct-policies", ALICE),
    # The activity log is exported without the Alert and Policy categories.
    ("azure-activity-log-exported", SUB),
]

# The clean twins of the planted resources, each beside the policies its twin fails.
CLEAN_TWINS: list[tuple[str, str]] = [
    *[(p, ST_CLEAN) for p, r in PLANTED if r == ST_OPEN],
    *[(p, KV_CLEAN) for p, r in PLANTED if r == KV_OPEN],
    ("azure-keyvault-key-rotation", KV_CLEAN + "/keys/cmk"),
    ("azure-keyvault-key-expiry", KV_CLEAN + "/keys/cmk"),
    ("azure-keyvault-secret-expiry", KV_CLEAN + "/secrets/api-token"),
    *[(p, SQL_CLEAN) for p, r in PLANTED if r == SQL_OPEN],
    *[(p, OAI_CLEAN) for p, r in PLANTED if r == OAI_OPEN],
    ("ai-notebook-no-direct-internet", CI + "ci-private"),
    ("azure-ml-compute-ssh-disabled", CI + "ci-private"),
    ("firewall-no-world-admin-ports", NSG + "nsg-shadowed-ssh"),
    ("instance-public-ip-behind-world-open-firewall", VM + "vm-locked"),
    ("azure-disk-network-access-private", DISK + "osdisk-locked"),
    ("azure-disk-cmk", DATA_DISK + "datadisk-ledger"),
    ("azure-vm-managed-identity-not-owner", VM + "vm-web"),
    ("azure-vm-managed-identity-not-owner", VM + "vm-locked"),
    ("azure-custom-role-no-owner-equivalent", VM_OPERATOR),
    ("policy-no-wildcard-sensitive-services", VM_OPERATOR),
    ("azure-custom-role-no-owner-equivalent", OWNER),
]

# Facts the input really cannot tell, and why.
HONEST_UNKNOWNS: dict[tuple[str, str], str] = {
    **{("ai-notebook-encrypted-with-cmk", CI + ci): "ARM does not report a compute instance's disk key"
       for ci in ("ci-public", "ci-private")},
    **{("ai-notebook-no-root-access", CI + ci): "enableRootAccess is only in preview API versions"
       for ci in ("ci-public", "ci-private")},
    **{("database-backups-enabled", sql): "the rows hold no backupShortTermRetentionPolicies records"
       for sql in (SQL_OPEN, SQL_CLEAN)},
    **{("secret-rotation-enabled", secret): "Key Vault has no managed secret rotation to read"
       for secret in (KV_OPEN + "/secrets/db-password", KV_CLEAN + "/secrets/api-token")},
    ("user-console-mfa", ALICE): "Entra ID sign-in and MFA state are not collected",
    ("user-unused-credentials", ALICE): "Entra ID sign-in activity is not collected",
}

# Azure policies the planted rows give no failing resource (their policy tests cover them).
NOT_PLANTED = {"azure-keyvault-soft-delete"}  # soft delete can no longer be turned off on a vault


@dataclass(frozen=True)
class Scan:
    """The pack's evaluation of the planted rows with one CEL backend."""

    backend: str
    result: Evaluation

    def reported(self) -> set[tuple[str, str]]:
        return {(f.policy, f.resource.id) for f in self.result.findings}

    def undetermined(self) -> set[tuple[str, str]]:
        return {(u.policy, u.resource) for u in self.result.undetermined}


def planted_rows() -> list[dict]:
    """Every record of the planted subscription and of the policy cases."""
    files = sorted((ROOT / "fixtures/azure/rows").glob("*.json")) + sorted((ROOT / "fixtures/azure/policy-rows").glob("*.json"))
    return [record for path in files for record in json.loads(path.read_text())]


@pytest.fixture(scope="module", params=BACKENDS)
def scan(request: pytest.FixtureRequest) -> Scan:
    """The built-in pack evaluated on the normalized rows."""
    backend = get_backend(request.param)
    policies, problems = load_policies([builtin_policy_dir()], backend)
    assert problems == []
    snapshot = merge_partials(normalize(planted_rows(), now=NOW), "test")
    return Scan(request.param, evaluate(snapshot, policies, backend))


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: f"{p[0]}:{p[1].rsplit('/', 1)[-1]}")
def test_every_planted_misconfiguration_is_reported(scan: Scan, planted: tuple[str, str]) -> None:
    assert planted in scan.reported()


@pytest.mark.parametrize("twin", CLEAN_TWINS, ids=lambda p: f"{p[0]}:{p[1].rsplit('/', 1)[-1]}")
def test_no_clean_twin_is_reported(scan: Scan, twin: tuple[str, str]) -> None:
    assert twin not in scan.reported()


def test_nothing_but_the_planted_misconfigurations_is_reported(scan: Scan) -> None:
    assert sorted(scan.reported() - set(PLANTED)) == []


def test_no_policy_errors_on_either_backend(scan: Scan) -> None:
    assert [(u.policy, u.resource, u.reason) for u in scan.result.undetermined if u.error] == []


def test_undetermined_results_are_only_facts_the_input_cannot_tell(scan: Scan) -> None:
    assert sorted(scan.undetermined() - set(HONEST_UNKNOWNS)) == []
    assert sorted(set(HONEST_UNKNOWNS) - scan.undetermined()) == []


def test_each_undetermined_result_names_why(scan: Scan) -> None:
    assert [u for u in scan.result.undetermined if "unknown" not in u.reason] == []


def test_every_azure_policy_is_exercised_by_a_planted_resource() -> None:
    azure_ids = {path.stem for path in (builtin_policy_dir() / "azure").glob("*.yaml")}
    assert sorted(azure_ids - {p for p, _ in PLANTED} - NOT_PLANTED) == []


def test_the_snapshot_records_no_coverage_gap_for_the_planted_rows(scan: Scan) -> None:
    assert scan.result.coverage == []
