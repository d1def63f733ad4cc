"""End to end: ``cloudwarden scan azure`` on the fake's planted tenant, signed in as a service principal.

Every planted issue must be reported on the right resource by the cross-cloud pack
(and, where their files exist, by the Azure-specific policies), no clean twin may be,
no policy may error, and the attack paths must come with their hops.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cloudwarden.engine.cli import main

from tests.estates import Expect
from tests.estates.azure_demo import (
    AZURE_POLICY_DETAIL_EXPECTATIONS,
    AZURE_POLICY_EXPECTATIONS,
    BOB,
    DAVE,
    expectations,
    policy_file,
)
from tests.providers.azure.conftest import PROD, loopback_guard, service_principal

RG_APP = f"/subscriptions/{PROD}/resourcegroups/rg-prod-app/providers"
VM_WEB = f"{RG_APP}/microsoft.compute/virtualmachines/vm-web"
ID_WEB = f"{RG_APP}/microsoft.managedidentity/userassignedidentities/id-web"
STPRODSECURE = f"/subscriptions/{PROD}/resourcegroups/rg-prod-data/providers/microsoft.storage/storageaccounts/stprodsecure"
VM_OPS_IDENTITY = "azure:principal:09500000-0000-4000-8000-00000000000e"


@pytest.fixture(scope="module")
def scanned(azure_fake_server, tmp_path_factory) -> Path:
    """One ``scan azure`` of the whole tenant through the CLI (real sign-in, nothing beyond 127.0.0.1)."""
    azure_fake_server.reset()
    out = tmp_path_factory.mktemp("planted")
    with service_principal(azure_fake_server) as sign_in, loopback_guard():
        code = main(["-q", "scan", "azure", *sign_in, "--format", "json", "-o", str(out / "findings.json"),
                     "--no-store", "--save-snapshot", str(out / "estate.json.gz")])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def report(scanned: Path) -> dict:
    """The findings document of that scan."""
    return json.loads((scanned / "findings.json").read_text())


def reported(doc: dict) -> set[tuple[str, str, str]]:
    return {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in doc["findings"]}


def finding(doc: dict, policy: str, name: str) -> dict:
    [found] = [f for f in doc["findings"] if f["policy"] == policy and f["resource"]["name"] == name]
    return found


def test_every_planted_issue_is_reported_on_its_resource(report):
    missing = [e for e in expectations() if e.fires and (e.policy, e.kind, e.name) not in reported(report)]
    assert missing == []


def test_no_clean_twin_is_reported(report):
    false_positives = [e for e in expectations() if not e.fires and (e.policy, e.kind, e.name) in reported(report)]
    assert false_positives == []


def test_every_cross_cloud_finding_is_a_planted_issue(report):
    planted = {(e.policy, e.kind, e.name) for e in expectations() if e.fires}
    unexpected = sorted(r for r in reported(report) if not r[0].startswith("azure-") and r not in planted)
    assert unexpected == []


def test_every_expectation_names_a_policy_of_the_pack():
    missing = sorted({e.policy for e in expectations() if policy_file(e.policy) is None})
    assert missing == []


def test_the_planted_estate_has_no_policy_errors_and_no_coverage_gaps(report):
    assert [u for u in report["undetermined"] if u["error"]] == []
    assert report["coverage"] == []


@pytest.mark.parametrize("expect", AZURE_POLICY_EXPECTATIONS + AZURE_POLICY_DETAIL_EXPECTATIONS,
                         ids=lambda e: f"{e.policy}:{e.name}:{'fires' if e.fires else 'clean'}")
def test_azure_specific_policy_on_its_planted_resource_and_twin(report, expect: Expect):
    assert policy_file(expect.policy) is not None, f"policies/azure/{expect.policy}.yaml is missing from the pack"
    assert ((expect.policy, expect.kind, expect.name) in reported(report)) is expect.fires


def test_internet_to_data_path_goes_through_the_public_ip_nsg_vm_and_identity(report):
    found = finding(report, "exposed-workload-can-write-data", "vm-web")
    hops = [(h["from"], h["edge"], h["to"]) for h in found["path"]]
    assert hops == [("internet", "reaches", VM_WEB), (VM_WEB, "runs_as", ID_WEB), (ID_WEB, "can_access", STPRODSECURE)]
    via = {v["hop"]: v for v in found["path"][0]["detail"]["via"]}
    assert via["public_ip"]["address"] == "20.50.1.10"
    assert via["network_security_group"]["id"].endswith("/networksecuritygroups/nsg-web")
    assert [22, 22] in found["path"][0]["detail"]["ports"]
    grant = found["path"][2]["detail"]
    assert "write" in grant["levels"] and grant["grants"][0]["role_name"] == "Storage Blob Data Contributor"
    assert found["evidence"]["writes"] == STPRODSECURE


def test_run_command_on_a_vm_running_as_owner_is_an_escalation_to_admin(report):
    found = finding(report, "principal-can-escalate-to-admin", DAVE)
    [hop] = found["path"]
    assert (hop["from"], hop["edge"], hop["to"]) == (f"azure:principal:{DAVE}", "can_escalate", VM_OPS_IDENTITY)
    assert hop["detail"]["technique"] == "azure-vm-run-command"
    assert hop["detail"]["via"].endswith("/resourcegroups/rg-prod-ops/providers/microsoft.compute/virtualmachines/vm-ops")
    assert found["evidence"]["actions"] == ["Microsoft.Compute/virtualMachines/runCommand/action"]


def test_an_escalation_chain_through_two_managed_identities_is_reported_with_every_hop(report):
    found = finding(report, "principal-can-escalate-to-admin", BOB)
    chain = [(h["from"], h["to"], h["detail"]["technique"]) for h in found["path"]]
    vm_web_identity = "azure:principal:f00dcafe-0000-4000-8000-000000000006"
    assert chain == [(f"azure:principal:{BOB}", vm_web_identity, "azure-vm-run-command"),
                     (vm_web_identity, VM_OPS_IDENTITY, "azure-vm-run-command")]


def test_the_saved_snapshot_holds_every_reported_resource(scanned, report):
    from cloudwarden.graph.snapshot import load_snapshot

    snapshot = load_snapshot(scanned / "estate.json.gz")
    assert {f["resource"]["id"] for f in report["findings"]} <= {n.id for n in snapshot.nodes}
    assert {s.account for s in snapshot.sources} >= {PROD}


def test_the_demo_collection_is_deterministic_and_holds_every_planted_issue():
    import msgspec
    from cloudwarden.engine.cel import get_backend
    from cloudwarden.engine.commands import load_pack
    from cloudwarden.engine.evaluate import evaluate

    from tests.estates.azure_demo import DEMO_COLLECTED_AT, collect_azure_demo

    first, second = collect_azure_demo(), collect_azure_demo()
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    assert first.collected_at == DEMO_COLLECTED_AT and not first.coverage_gaps()
    backend = get_backend()
    found = {(f.policy, f.resource.kind, f.resource.name) for f in evaluate(first, load_pack([], backend), backend).findings}
    assert [e for e in expectations() if ((e.policy, e.kind, e.name) in found) is not e.fires] == []
