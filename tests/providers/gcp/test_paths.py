"""``cloudwarden paths`` across GCP edges, on a snapshot ``collect gcp`` wrote from the fake.

From the internet to a bucket: through an external IP and a world-open firewall rule
to an instance, then the instance's service account and its project-level role.
From a user to a service account and on to the project: token minting (impersonation)
then the owner grant. From a group to a bucket: a binding inherited from the folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main

from tests.estates.gcp_demo import (
    CAROL,
    DATA_READERS,
    DEPLOYER,
    FOLDER_NODE,
    INSTANCES,
    MALLORY,
    PROJECT_NODE,
    WEB_1,
    WEB_SA,
)
from tests.fakes.network import loopback_guard
from tests.providers.gcp.fake_gcp import FakeGcp, service_account_key

PRIVATE_BUCKET = "//storage.googleapis.com/acme-prod-private"


@pytest.fixture(scope="module")
def snapshot(gcp_fake_server: FakeGcp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``collect gcp --project acme-prod`` of the planted estate (key-file sign-in), written to a snapshot file."""
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    folder = tmp_path_factory.mktemp("paths")
    key = folder / "scanner-key.json"
    key.write_text(json.dumps(service_account_key(f"{gcp_fake_server.endpoint}/token")))
    path = folder / "gcp.json.gz"
    with loopback_guard():
        assert main(["-q", "collect", "gcp", "--key-file", str(key), "--endpoint", gcp_fake_server.endpoint,
                     "--project", "acme-prod", "-o", str(path)]) == 0
    return path


def run(snapshot: Path, capsys: pytest.CaptureFixture[str], source: str, target: str,
        fmt: str = "json") -> tuple[str, str]:
    """stdout and stderr of ``cloudwarden paths`` (exit 0 whether or not a path exists)."""
    capsys.readouterr()
    assert main(["paths", "--snapshot", str(snapshot), "--from", source, "--to", target, "--format", fmt]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def paths(snapshot: Path, capsys: pytest.CaptureFixture[str], source: str, target: str) -> list[dict[str, Any]]:
    return json.loads(run(snapshot, capsys, source, target)[0])["paths"]


def hops(path: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(h["from"], h["edge"], h["to"]) for h in path["hops"]]


def test_internet_reaches_a_private_bucket_through_the_instance_and_its_service_account(snapshot, capsys):
    first = paths(snapshot, capsys, "internet", PRIVATE_BUCKET)[0]

    assert hops(first) == [("internet", "reaches", WEB_1), (WEB_1, "runs_as", WEB_SA),
                           (WEB_SA, "can_access", PRIVATE_BUCKET)]
    reach = first["hops"][0]["detail"]
    assert reach["public_ip"] == "34.68.10.20" and [22, 22] in reach["ports"]
    assert "allow-ssh-from-anywhere" in json.dumps([v for v in reach["via"] if v["hop"] == "firewall"])
    grant = first["hops"][2]["detail"]
    assert "write" in grant["levels"] and [g["scope"] for g in grant["grants"]] == [PROJECT_NODE]


def test_an_instance_without_an_external_ip_has_no_path_from_the_internet(snapshot, capsys):
    out, err = run(snapshot, capsys, "internet", INSTANCES + "internal-1")

    assert json.loads(out)["paths"] == [] and "no path from internet" in err


def test_a_user_impersonates_a_service_account_through_token_minting(snapshot, capsys):
    found = paths(snapshot, capsys, MALLORY, "kind:identity.service_account")
    direct = [p for p in found if hops(p) == [(MALLORY, "can_assume", DEPLOYER)]]

    assert len(direct) == 1
    hop = direct[0]["hops"][0]["detail"]
    assert hop["technique"] == "gcp-sa-get-access-token"
    assert [g["role"] for g in hop["grants"]] == ["roles/iam.serviceAccountTokenCreator"]
    assert [g["scope"] for g in hop["grants"]] == [DEPLOYER]  # bound on the account itself, not the project


def test_the_impersonated_owner_account_leads_to_the_project(snapshot, capsys):
    found = paths(snapshot, capsys, MALLORY, PROJECT_NODE)

    assert hops(found[0]) == [(MALLORY, "can_assume", DEPLOYER), (DEPLOYER, "can_access", PROJECT_NODE)]
    assert found[0]["hops"][1]["detail"]["admin"] is True


def test_impersonating_an_account_without_roles_leads_nowhere(snapshot, capsys):
    out, err = run(snapshot, capsys, CAROL, PROJECT_NODE)

    assert json.loads(out)["paths"] == [] and "no path from" in err


def test_a_folder_binding_gives_a_path_to_the_projects_bucket(snapshot, capsys):
    [path] = paths(snapshot, capsys, DATA_READERS, PRIVATE_BUCKET)

    assert hops(path) == [(DATA_READERS, "can_access", PRIVATE_BUCKET)]
    assert [(g["role"], g["scope"]) for g in path["hops"][0]["detail"]["grants"]] == [
        ("roles/storage.objectViewer", FOLDER_NODE)]


def test_mermaid_draws_every_hop_with_its_node(snapshot, capsys):
    out, _ = run(snapshot, capsys, "internet", PRIVATE_BUCKET, "mermaid")

    assert out.startswith("flowchart")
    for label in ("internet", "compute.instance<br/>web-1", "identity.service_account<br/>web-app@acme-prod",
                  "storage.bucket<br/>acme-prod-private"):
        assert label in out
    assert '-->|"reaches tcp 22"|' in out and '-->|"runs_as"|' in out


def test_the_table_names_each_hop(snapshot, capsys):
    out, _ = run(snapshot, capsys, MALLORY, PROJECT_NODE, "table")

    assert "mallory@acme.example => acme-prod" in out
    assert "mallory@acme.example --can_assume(gcp-sa-get-access-token" in out


def test_kind_selectors_work_on_gcp_nodes(snapshot, capsys):
    targets = {p["target"] for p in paths(snapshot, capsys, "internet", "kind:storage.bucket")}

    assert PRIVATE_BUCKET in targets and "//storage.googleapis.com/acme-prod-public" in targets
