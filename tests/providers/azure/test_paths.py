"""``cloudwarden paths`` across Azure edges, on a snapshot ``collect azure`` wrote from the fake.

From the internet to a storage account: through a public IP and its NSGs to a VM,
then the VM's managed identity and its data-plane role; or through an internet-facing
load balancer. From a user to the subscription: an escalation, then the admin grant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cloudwarden.engine.cli import main

from tests.estates.azure_demo import DAVE
from tests.providers.azure.conftest import PROD, loopback_guard, service_principal

RG_APP = f"/subscriptions/{PROD}/resourcegroups/rg-prod-app/providers"
VM_WEB = f"{RG_APP}/microsoft.compute/virtualmachines/vm-web"
VM_API = f"{RG_APP}/microsoft.compute/virtualmachines/vm-api"
VM_APP = f"{RG_APP}/microsoft.compute/virtualmachines/vm-app"
LB_WEB = f"{RG_APP}/microsoft.network/loadbalancers/lb-web"
ID_WEB = f"{RG_APP}/microsoft.managedidentity/userassignedidentities/id-web"
VM_API_IDENTITY = "azure:principal:a9100000-0000-4000-8000-00000000000d"
VM_OPS_IDENTITY = "azure:principal:09500000-0000-4000-8000-00000000000e"
STPRODSECURE = f"/subscriptions/{PROD}/resourcegroups/rg-prod-data/providers/microsoft.storage/storageaccounts/stprodsecure"


@pytest.fixture(scope="module")
def snapshot(azure_fake_server, tmp_path_factory) -> Path:
    """``collect azure`` of the planted tenant (real sign-in), written to a snapshot file."""
    azure_fake_server.reset()
    path = tmp_path_factory.mktemp("paths") / "azure.json.gz"
    with service_principal(azure_fake_server) as sign_in, loopback_guard():
        assert main(["-q", "collect", "azure", *sign_in, "-o", str(path)]) == 0
    return path


def paths(snapshot: Path, capsys, source: str, target: str, fmt: str = "json") -> str:
    return run(snapshot, capsys, source, target, fmt)[0]


def run(snapshot: Path, capsys, source: str, target: str, fmt: str = "json") -> tuple[str, str]:
    """stdout and stderr of ``cloudwarden paths`` (exit 0 whether or not a path exists)."""
    capsys.readouterr()
    assert main(["paths", "--snapshot", str(snapshot), "--from", source, "--to", target, "--format", fmt]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def hops(path: dict) -> list[tuple[str, str, str]]:
    return [(h["from"], h["edge"], h["to"]) for h in path["hops"]]


def test_internet_reaches_the_storage_account_through_the_vm_and_its_identity(snapshot, capsys):
    doc = json.loads(paths(snapshot, capsys, "internet", STPRODSECURE))
    first = doc["paths"][0]
    assert hops(first) == [("internet", "reaches", VM_WEB), (VM_WEB, "runs_as", ID_WEB),
                           (ID_WEB, "can_access", STPRODSECURE)]
    via = {v["hop"]: v["id"] for v in first["hops"][0]["detail"]["via"]}
    assert via["public_ip"].endswith("/publicipaddresses/pip-web")
    assert via["network_security_group"].endswith("/networksecuritygroups/nsg-web")
    assert "write" in first["hops"][2]["detail"]["levels"]


def test_a_path_also_goes_through_the_internet_facing_load_balancer(snapshot, capsys):
    doc = json.loads(paths(snapshot, capsys, "internet", STPRODSECURE))
    through_lb = [hops(p) for p in doc["paths"] if p["hops"][0]["to"] == LB_WEB]
    assert through_lb == [[("internet", "reaches", LB_WEB), (LB_WEB, "reaches", VM_API), (VM_API, "runs_as", VM_API_IDENTITY),
                           (VM_API_IDENTITY, "can_access", STPRODSECURE)]]
    [lb_hop] = [p["hops"][1] for p in doc["paths"] if p["hops"][0]["to"] == LB_WEB]
    assert lb_hop["detail"]["ports"] == [[443, 443]]


def test_a_vm_both_nsg_levels_close_has_no_path_from_the_internet(snapshot, capsys):
    out, err = run(snapshot, capsys, "internet", VM_APP)
    assert json.loads(out)["paths"] == []
    assert "no path from internet" in err


def test_a_user_reaches_the_subscription_by_escalation_then_the_owner_grant(snapshot, capsys):
    doc = json.loads(paths(snapshot, capsys, f"azure:principal:{DAVE}", f"/subscriptions/{PROD}"))
    [path] = doc["paths"]
    assert hops(path) == [(f"azure:principal:{DAVE}", "can_escalate", VM_OPS_IDENTITY),
                          (VM_OPS_IDENTITY, "can_access", f"/subscriptions/{PROD}")]
    assert path["hops"][0]["detail"]["technique"] == "azure-vm-run-command"
    assert path["hops"][1]["detail"]["admin"] is True


def test_mermaid_draws_every_hop_with_its_node(snapshot, capsys):
    out = paths(snapshot, capsys, "internet", STPRODSECURE, "mermaid")
    assert out.startswith("flowchart")
    for label in ("internet", "compute.instance<br/>vm-web", "identity.service_account<br/>id-web",
                  "storage.bucket<br/>stprodsecure", "network.load_balancer<br/>lb-web"):
        assert label in out
    assert '-->|"reaches tcp 22,443"|' in out and '-->|"runs_as"|' in out


def test_the_table_names_each_hop(snapshot, capsys):
    out = paths(snapshot, capsys, "internet", STPRODSECURE, "table")
    assert "internet => stprodsecure (3 hops)" in out
    assert "vm-web --runs_as--> id-web" in out


def test_kind_selectors_work_on_azure_nodes(snapshot, capsys):
    doc = json.loads(paths(snapshot, capsys, "internet", "kind:storage.bucket"))
    targets = {p["target"] for p in doc["paths"]}
    assert STPRODSECURE in targets
