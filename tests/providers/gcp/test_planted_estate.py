"""End to end: ``cloudwarden scan gcp`` on the fake's planted organization, signed in with a service-account key.

Every planted issue must be reported on the right resource by the cross-cloud pack
(and, where their files exist, by the GCP-specific policies), no clean twin may be,
no policy may error, the attack paths must come with their hops, and the two
projects that could not be read must show as coverage gaps, never as clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.graph.snapshot import Snapshot, load_snapshot

from tests.estates import Expect
from tests.estates.gcp_demo import (
    DATA_READERS,
    DEPLOYER,
    FOLDER_NODE,
    GCP_POLICY_EXPECTATIONS,
    MALLORY,
    PROJECT_NODE,
    WEB_1,
    WEB_SA,
    expectations,
    policy_file,
)
from tests.fakes.network import loopback_guard
from tests.providers.gcp.fake_gcp import FakeGcp, service_account_key

PROJECTS = ["acme-prod", "acme-denied", "acme-disabled"]


@pytest.fixture(scope="module")
def scanned(gcp_fake_server: FakeGcp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``scan gcp`` of the three projects through the CLI (real sign-in, nothing beyond 127.0.0.1)."""
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    out = tmp_path_factory.mktemp("planted")
    key = out / "scanner-key.json"
    key.write_text(json.dumps(service_account_key(f"{gcp_fake_server.endpoint}/token")))
    scope = [arg for project in PROJECTS for arg in ("--project", project)]
    with loopback_guard() as asked:
        code = main(["-q", "scan", "gcp", "--key-file", str(key), "--endpoint", gcp_fake_server.endpoint, *scope,
                     "--format", "json", "-o", str(out / "findings.json"), "--no-store",
                     "--save-snapshot", str(out / "estate.json.gz")])
    assert code == 0
    (out / "resolved.json").write_text(json.dumps(sorted(set(asked))))
    assert gcp_fake_server.calls(r"^POST /token$"), "the key's JWT grant must go to the fake's token endpoint"
    return out


@pytest.fixture(scope="module")
def report(scanned: Path) -> dict[str, Any]:
    """The findings document of that scan."""
    return json.loads((scanned / "findings.json").read_text())


@pytest.fixture(scope="module")
def snapshot(scanned: Path) -> Snapshot:
    """The snapshot that scan saved."""
    return load_snapshot(scanned / "estate.json.gz")


def reported(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in doc["findings"]}


def finding(doc: dict[str, Any], policy: str, name: str) -> dict[str, Any]:
    [found] = [f for f in doc["findings"] if f["policy"] == policy and f["resource"]["name"] == name]
    return found


def test_no_request_leaves_the_loopback(scanned: Path) -> None:
    assert set(json.loads((scanned / "resolved.json").read_text())) <= {"127.0.0.1", "localhost"}


def test_every_planted_issue_is_reported_on_its_resource(report: dict[str, Any]) -> None:
    missing = [e for e in expectations() if e.fires and (e.policy, e.kind, e.name) not in reported(report)]
    assert missing == []


def test_no_clean_twin_is_reported(report: dict[str, Any]) -> None:
    false_positives = [e for e in expectations() if not e.fires and (e.policy, e.kind, e.name) in reported(report)]
    assert false_positives == []


def test_every_cross_cloud_finding_is_a_planted_issue(report: dict[str, Any]) -> None:
    planted = {(e.policy, e.kind, e.name) for e in expectations() if e.fires}
    unexpected = sorted(r for r in reported(report) if not r[0].startswith("gcp-") and r not in planted)
    assert unexpected == []


def test_every_expectation_names_a_policy_of_the_pack() -> None:
    assert sorted({e.policy for e in expectations() if policy_file(e.policy) is None}) == []


def test_the_planted_estate_has_no_policy_errors_and_nothing_undetermined(report: dict[str, Any]) -> None:
    assert [u for u in report["undetermined"] if u["error"]] == []
    assert report["undetermined"] == []


@pytest.mark.parametrize("expect", GCP_POLICY_EXPECTATIONS,
                         ids=lambda e: f"{e.policy}:{e.name}:{'fires' if e.fires else 'clean'}")
def test_gcp_specific_policy_on_its_planted_resource_and_twin(report: dict[str, Any], expect: Expect) -> None:
    assert policy_file(expect.policy) is not None, f"policies/gcp/{expect.policy}.yaml is missing from the pack"
    assert ((expect.policy, expect.kind, expect.name) in reported(report)) is expect.fires


def test_the_denied_and_disabled_projects_are_coverage_gaps(report: dict[str, Any]) -> None:
    gaps = {(g["account"], g["service"], g["reason"]) for g in report["coverage"]}
    assert gaps == {("acme-denied", "cloudasset", "access_denied"), ("acme-disabled", "cloudasset", "not_enabled")}
    assert report["summary"]["coverage_gaps"] == 2


def test_nothing_of_an_unread_project_is_judged_clean(report: dict[str, Any], snapshot: Snapshot) -> None:
    unread = {"acme-denied", "acme-disabled"}
    resources = [n.id for n in snapshot.nodes if n.account in unread and n.kind != "account"]
    assert resources == []  # their buckets were never seen, so no policy passed on them
    assert not [f for f in report["findings"] if f["resource"]["account"] in unread]


def test_every_source_names_a_real_account(snapshot: Snapshot) -> None:
    accounts = sorted(s.account for s in snapshot.sources)
    assert accounts == ["acme-denied", "acme-disabled", "acme-prod", "organizations/100000000001"]


def test_internet_to_data_path_goes_through_the_firewall_the_instance_and_its_service_account(
        report: dict[str, Any]) -> None:
    found = finding(report, "exposed-workload-can-write-data", "web-1")
    hops = [(h["from"], h["edge"], h["to"]) for h in found["path"]]
    bucket = found["evidence"]["writes"]
    assert hops == [("internet", "reaches", WEB_1), (WEB_1, "runs_as", WEB_SA), (WEB_SA, "can_access", bucket)]
    assert bucket.startswith("//storage.googleapis.com/acme-prod-")
    reach = found["path"][0]["detail"]
    assert reach["public_ip"] == "34.68.10.20" and [22, 22] in reach["ports"]
    firewall = next(v for v in reach["via"] if v["hop"] == "firewall")
    assert "allow-ssh-from-anywhere" in json.dumps(firewall)
    grant = found["path"][2]["detail"]
    assert "write" in grant["levels"] and grant["grants"][0]["role"] == "roles/storage.admin"


def test_impersonating_the_owner_service_account_is_an_escalation_to_admin(report: dict[str, Any]) -> None:
    found = finding(report, "principal-can-escalate-to-admin", "mallory@acme.example")
    first = found["path"][0]
    assert (first["from"], first["edge"], first["to"]) == (MALLORY, "can_assume", DEPLOYER)
    assert first["detail"]["technique"] == "gcp-sa-get-access-token"
    assert first["detail"]["grants"][0]["role"] == "roles/iam.serviceAccountTokenCreator"
    assert "iam.serviceAccounts.getAccessToken" in found["evidence"]["actions"]


def test_a_folder_binding_grants_read_on_the_projects_buckets(snapshot: Snapshot) -> None:
    from cloudwarden.graph.analyzers import analyze

    bound_at = {b["scope"] for e in snapshot.edges if e.source == DATA_READERS and e.kind == "has_policy"
                for b in e.detail["bindings"]}
    graph = analyze(snapshot)
    edge = graph.edge(DATA_READERS, "//storage.googleapis.com/acme-prod-private", "can_access")

    assert bound_at == {FOLDER_NODE}  # bound on the folder only: the access is inherited
    assert edge is not None and edge.detail["levels"] == ["list", "read"]
    assert {g["scope"] for g in edge.detail["grants"]} == {FOLDER_NODE}
    assert graph.edge(DATA_READERS, PROJECT_NODE, "can_access") is None  # not an admin of the project


def test_the_demo_collection_is_deterministic_and_holds_every_planted_issue() -> None:
    import msgspec
    from cloudwarden.engine.cel import get_backend
    from cloudwarden.engine.commands import load_pack
    from cloudwarden.engine.evaluate import evaluate

    from tests.estates.gcp_demo import DEMO_COLLECTED_AT, collect_gcp_demo

    first, second = collect_gcp_demo(), collect_gcp_demo()
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    assert first.collected_at == DEMO_COLLECTED_AT and not first.coverage_gaps()
    backend = get_backend()
    result = evaluate(first, load_pack([], backend), backend)
    found = {(f.policy, f.resource.kind, f.resource.name) for f in result.findings}
    assert [e for e in expectations() if ((e.policy, e.kind, e.name) in found) is not e.fires] == []
