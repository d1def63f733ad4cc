"""End to end offline: ``collect gcp --from-export`` on Cloud Asset Inventory exports, then ``scan --snapshot``.

The export files hold the fake's own planted organization, as the two tools write it:
``gcloud asset export`` (newline-delimited JSON, proto field names in snake_case, one
file per content type: resource and iam-policy) and ``gcloud asset list
--format=json`` (a JSON array, camelCase). Both must be judged as the live scan
judges them; what an export cannot carry (the permissions of roles outside the
shipped catalogue, the organization policies) must be undetermined or assumed with a
coverage gap, never silently clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.graph.snapshot import Snapshot, load_snapshot

from tests.estates import Expect
from tests.estates.gcp_demo import GCP_POLICY_EXPECTATIONS, expectations, policy_file
from tests.fakes.network import loopback_guard
from tests.providers.gcp.fake_gcp import FakeGcp

ORGANIZATION = "organizations/100000000001"
CONTENT_TYPES = {"resource": "1", "iam-policy": "2"}  # as the fake's ListAssets takes them
# What the export leaves unknown: each undetermined result and the role whose permissions are missing.
UNKNOWN = {
    ("principal-no-admin-policy", "group:auditors@acme.example"): "roles/logging.viewer",
    ("principal-no-admin-policy", "group:ops@acme.example"): "roles/compute.viewer",
    ("principal-no-admin-policy", "group:secops@acme.example"): "organizations/100000000001/roles/securityAuditorLite",
    ("policy-no-admin-equivalent", "organizations/100000000001/roles/securityAuditorLite"):
        "organizations/100000000001/roles/securityAuditorLite",
    ("policy-no-wildcard-sensitive-services", "organizations/100000000001/roles/securityAuditorLite"):
        "organizations/100000000001/roles/securityAuditorLite",
}


def planted_assets(fake: FakeGcp, content_type: str) -> list[dict[str, Any]]:
    """The organization's assets of one content type, as the fake's ListAssets answers (camelCase)."""
    status, body = fake.list_assets(ORGANIZATION, {"contentType": [CONTENT_TYPES[content_type]]})
    assert status == 200
    return body["assets"]


def snake_case(value: Any, inside: tuple[str, ...] = ()) -> Any:
    """An asset with proto field names, as ``gcloud asset export`` writes it (``resource.data`` stays as the API
    spells it)."""
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), key):
                item if inside[-1:] == ("resource",) and key == "data" else snake_case(item, (*inside, key))
                for key, item in value.items()}
    if isinstance(value, list):
        return [snake_case(item, inside) for item in value]
    return value


def export_files(fake: FakeGcp, folder: Path, tool: str) -> list[str]:
    """One file per content type, as ``gcloud asset export`` (NDJSON) or ``gcloud asset list`` (array) writes it."""
    paths = []
    for content_type in CONTENT_TYPES:
        assets = planted_assets(fake, content_type)
        if tool == "export":
            path = folder / f"acme-{content_type}.ndjson"
            path.write_text("".join(json.dumps(snake_case(asset)) + "\n" for asset in assets))
        else:
            path = folder / f"acme-{content_type}.json"
            path.write_text(json.dumps(assets, indent=2) + "\n")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module", params=["export", "list"])
def offline(request: pytest.FixtureRequest, gcp_fake_server: FakeGcp,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Snapshot, list[str]]:
    """(findings document, snapshot, host names resolved) of ``collect --from-export`` then ``scan --snapshot``."""
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    folder = tmp_path_factory.mktemp(f"gcloud-asset-{request.param}")
    files = export_files(gcp_fake_server, folder, request.param)
    snapshot, report = folder / "snap.json", folder / "findings.json"
    with loopback_guard() as asked:
        flags = [arg for path in files for arg in ("--from-export", path)]
        assert main(["-q", "collect", "gcp", *flags, "-o", str(snapshot)]) == 0
        assert main(["-q", "scan", "--snapshot", str(snapshot), "--format", "json", "-o", str(report),
                     "--no-store"]) == 0
    return json.loads(report.read_text()), load_snapshot(snapshot), asked


def reported(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in doc["findings"]}


def test_the_export_files_have_the_tools_spelling(gcp_fake_server: FakeGcp, tmp_path: Path) -> None:
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    ndjson = export_files(gcp_fake_server, tmp_path, "export")
    listed = export_files(gcp_fake_server, tmp_path, "list")

    line = json.loads(Path(ndjson[1]).read_text().splitlines()[0])
    assert {"asset_type", "iam_policy", "update_time"} <= set(line) and "assetType" not in line
    assert json.loads(Path(listed[0]).read_text())[0]["assetType"]


def test_one_from_export_flag_takes_several_files(gcp_fake_server: FakeGcp, tmp_path: Path) -> None:
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    files = export_files(gcp_fake_server, tmp_path, "export")

    assert main(["-q", "collect", "gcp", "--from-export", *files, "-o", str(tmp_path / "snap.json")]) == 0
    assert "//storage.googleapis.com/acme-prod-public" in load_snapshot(tmp_path / "snap.json").node_index()


def test_the_import_asks_nothing_of_the_network(offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    assert offline[2] == []


def test_every_planted_issue_is_reported_on_its_resource(offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    missing = [e for e in expectations() if e.fires and (e.policy, e.kind, e.name) not in reported(offline[0])]
    assert missing == []


def test_no_clean_twin_is_reported(offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    false_positives = [e for e in expectations() if not e.fires and (e.policy, e.kind, e.name) in reported(offline[0])]
    assert false_positives == []


def test_every_cross_cloud_finding_on_the_planted_project_is_a_planted_issue(
        offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    planted = {(e.policy, e.kind, e.name) for e in expectations() if e.fires}
    on_project = {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in offline[0]["findings"]
                  if f["resource"]["account"] in ("acme-prod", None) and not f["policy"].startswith("gcp-")}
    assert sorted(on_project - planted) == []


@pytest.mark.parametrize("expect", GCP_POLICY_EXPECTATIONS,
                         ids=lambda e: f"{e.policy}:{e.name}:{'fires' if e.fires else 'clean'}")
def test_gcp_specific_policy_on_its_planted_resource_and_twin(offline: tuple[dict[str, Any], Snapshot, list[str]],
                                                              expect: Expect) -> None:
    assert policy_file(expect.policy) is not None, f"policies/gcp/{expect.policy}.yaml is missing from the pack"
    assert ((expect.policy, expect.kind, expect.name) in reported(offline[0])) is expect.fires


def test_no_policy_fails_with_an_error(offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    assert [u for u in offline[0]["undetermined"] if u["error"]] == []


def test_a_role_the_export_cannot_resolve_leaves_its_holders_undetermined_with_a_gap(
        offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    doc = offline[0]
    gaps = {g["resource"]: g for g in doc["coverage"] if g["service"] == "iam"}

    assert {(u["policy"], u["resource"]) for u in doc["undetermined"]} == set(UNKNOWN)
    for role in UNKNOWN.values():
        assert gaps[role]["reason"] == "unsupported" and "grants from it are unknown" in gaps[role]["message"]


def test_public_access_prevention_without_organization_policies_is_an_assumption_with_a_gap(
        offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    doc, snapshot = offline[0], offline[1]
    [gap] = [g for g in doc["coverage"] if g["service"] == "orgpolicy" and g["account"] == "acme-prod"]
    bucket = snapshot.node_index()["//storage.googleapis.com/acme-prod-public"]

    assert gap["resource"] == "constraints/storage.publicAccessPrevention" and gap["reason"] == "unsupported"
    assert bucket.props["public_access_prevention"] == "inherited" and bucket.props["public"] is True


def test_the_snapshot_says_it_came_from_an_export(offline: tuple[dict[str, Any], Snapshot, list[str]]) -> None:
    sources = {s.account: s for s in offline[1].sources}
    assert "export" in sources["acme-prod"].services and "unknown" not in sources
