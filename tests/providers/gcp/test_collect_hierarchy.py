"""The hierarchy above a project (and its IAM policies) comes from Resource Manager."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from tests.providers.gcp.fake_gcp import FakeGcp

CRM = "//cloudresourcemanager.googleapis.com/"
ORG, FOLDER, PROJECT = CRM + "organizations/100000000001", CRM + "folders/200000000001", CRM + "projects/300000000001"


def edges(snapshot: Snapshot, kind: str) -> dict[tuple[str, str], dict]:
    return {(e.source, e.target): e.detail for e in snapshot.edges if e.kind == kind}


def test_project_scan_includes_its_folder_and_organization(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-prod"])

    contains = edges(snapshot, "contains")
    assert (ORG, FOLDER) in contains and (FOLDER, PROJECT) in contains
    assert snapshot.node_index()[FOLDER].kind == "org.unit"


def test_folder_level_binding_is_collected_with_the_folder_as_scope(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-prod"])

    detail = edges(snapshot, "has_policy")[("group:data-readers@acme.example", "roles/storage.objectViewer")]
    assert [b["scope"] for b in detail["bindings"]] == [FOLDER]


def test_denied_folder_is_a_gap_and_the_project_is_still_collected(gcp_fake: FakeGcp,
                                                                   collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(r"^(GET /v3/folders/200000000001|POST /v3/folders/200000000001:getIamPolicy)$", 403,
                  "permission_denied")

    snapshot = collect_fake(projects=["acme-prod"])

    gaps = [g for s in snapshot.sources if s.account == "acme-prod" for g in s.errors
            if g.service == "cloudresourcemanager"]
    assert {(g.reason, g.resource) for g in gaps} == {("access_denied", "folders/200000000001")}
    assert "//storage.googleapis.com/acme-prod-public" in snapshot.node_index()
