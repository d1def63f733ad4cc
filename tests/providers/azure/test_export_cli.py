"""End to end offline: ``collect azure --from-export`` on `az graph query -o json` output, then ``scan --snapshot``.

The export files hold the fake's own Resource Graph rows (the three tables), in
both shapes the CLI prints: an object with ``data`` and a bare array. What Resource
Graph carries must be judged as in a live scan; what only per-service calls give
(SQL firewall rules and TDE, blob containers and versioning) must be undetermined
with a coverage gap, never clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.graph.snapshot import load_snapshot

from tests.estates import Expect
from tests.estates.azure_demo import (
    AZURE_POLICY_DETAIL_EXPECTATIONS,
    AZURE_POLICY_EXPECTATIONS,
    DETAIL_EXPECTATIONS,
    GRAPH_EXPECTATIONS,
    policy_file,
)
from tests.providers.azure.conftest import PROD, loopback_guard
from tests.providers.azure.fake_arm import ARM_FIXTURES

TABLES = ("resources", "resourcecontainers", "authorizationresources")
# What stays unknown without the per-service call, and the coverage gap that says so.
DETAIL_GAPS = {
    "storage-not-public-by-acl": ("storage", None),  # blob containers: no gap of their own, the storage family's
    "storage-versioning-enabled": ("storage", "Microsoft.Storage/storageAccounts/blobServices"),
    "database-not-public": ("sql", "Microsoft.Sql/servers/firewallRules"),
    "database-encrypted": ("sql", "Microsoft.Sql/servers/databases/transparentDataEncryption"),
}


def export_files(folder: Path) -> list[str]:
    """The three tables as `az graph query -q "<table>" -o json` prints them (one as a bare array)."""
    paths = []
    for table in TABLES:
        rows = json.loads((ARM_FIXTURES / "graph" / f"{table}.json").read_text())
        document = rows if table == "resourcecontainers" else {
            "count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}
        path = folder / f"{table}.json"
        path.write_text(json.dumps(document, indent=2))
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> tuple[dict, object, list[str]]:
    """(findings document, snapshot, host names resolved) of collect --from-export then scan --snapshot."""
    folder = tmp_path_factory.mktemp("export")
    snapshot = folder / "snap.json"
    with loopback_guard() as asked:
        assert main(["-q", "collect", "azure", "--from-export", *export_files(folder), "-o", str(snapshot)]) == 0
        assert main(["-q", "scan", "--snapshot", str(snapshot), "--format", "json",
                     "-o", str(folder / "findings.json"), "--no-store"]) == 0
    return json.loads((folder / "findings.json").read_text()), load_snapshot(snapshot), list(asked)


def reported(doc: dict) -> set[tuple[str, str, str]]:
    return {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in doc["findings"]}


def node_id(snapshot, expect: Expect) -> str | None:
    found = [n.id for n in snapshot.nodes if n.kind == expect.kind and n.name == expect.name and not n.reference]
    return found[0] if found else None


def undetermined(doc: dict, policy: str, resource: str) -> list[dict]:
    return [u for u in doc["undetermined"] if u["policy"] == policy and u["resource"] == resource]


def test_the_export_is_read_without_any_network(offline):
    _, snapshot, asked = offline
    assert asked == []
    assert {s.account for s in snapshot.sources} >= {PROD}
    assert all("export" in s.services for s in snapshot.sources if s.account == PROD)


def test_every_issue_resource_graph_shows_is_reported(offline):
    doc, _, _ = offline
    missing = [e for e in GRAPH_EXPECTATIONS if e.fires and (e.policy, e.kind, e.name) not in reported(doc)]
    assert missing == []


def test_no_clean_twin_is_reported(offline):
    doc, _, _ = offline
    twins = [e for e in GRAPH_EXPECTATIONS + DETAIL_EXPECTATIONS if not e.fires]
    assert [e for e in twins if (e.policy, e.kind, e.name) in reported(doc)] == []


def test_facts_only_detail_calls_give_are_undetermined_not_clean(offline):
    doc, snapshot, _ = offline
    for expect in (e for e in DETAIL_EXPECTATIONS if e.fires):
        resource = node_id(snapshot, expect)
        assert resource is not None, expect
        assert (expect.policy, expect.kind, expect.name) not in reported(doc)
        assert undetermined(doc, expect.policy, resource), f"{expect.policy} on {expect.name} should be undetermined"


@pytest.mark.parametrize("policy", sorted(DETAIL_GAPS))
def test_each_undetermined_fact_comes_with_its_coverage_gap(offline, policy):
    doc, _, _ = offline
    service, operation = DETAIL_GAPS[policy]
    gaps = [g for g in doc["coverage"] if g["account"] == PROD and g["service"] == service]
    assert gaps and all(g["reason"] == "unsupported" for g in gaps)
    if operation:
        assert operation in {g["operation"] for g in gaps}


def test_no_policy_errors_on_the_export(offline):
    doc, _, _ = offline
    assert [u for u in doc["undetermined"] if u["error"]] == []


@pytest.mark.parametrize("expect", AZURE_POLICY_EXPECTATIONS,
                         ids=lambda e: f"{e.policy}:{e.name}:{'fires' if e.fires else 'clean'}")
def test_azure_specific_policy_judges_resource_graph_facts_as_live(offline, expect: Expect):
    assert policy_file(expect.policy) is not None, f"policies/azure/{expect.policy}.yaml is missing from the pack"
    doc, _, _ = offline
    assert ((expect.policy, expect.kind, expect.name) in reported(doc)) is expect.fires


@pytest.mark.parametrize("expect", [e for e in AZURE_POLICY_DETAIL_EXPECTATIONS if e.fires],
                         ids=lambda e: f"{e.policy}:{e.name}")
def test_azure_specific_detail_facts_are_never_clean_on_an_export(offline, expect: Expect):
    assert policy_file(expect.policy) is not None, f"policies/azure/{expect.policy}.yaml is missing from the pack"
    doc, snapshot, _ = offline
    assert (expect.policy, expect.kind, expect.name) not in reported(doc)
    resource = node_id(snapshot, expect)
    # Keys and secrets are child records: absent from the export, so nothing about them is judged.
    assert resource is None or undetermined(doc, expect.policy, resource)
