"""Which scopes a run covers: every visible project by default, or the projects, folders, organizations named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from google.auth.credentials import AnonymousCredentials

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.gcp.credentials import GcpConnection
from cloudwarden.providers.gcp.errors import GcpScopeError
from cloudwarden.providers.gcp.scope import GcpScope, resolve_targets
from tests.providers.gcp.fake_gcp import FakeGcp


def targets(fake: FakeGcp, **scope: list[str]) -> list[tuple[str, str]]:
    conn = GcpConnection(AnonymousCredentials(), fake.endpoint)
    return [(t.scope, t.account) for t in resolve_targets(GcpScope(**scope), conn)]  # type: ignore[arg-type]


def test_default_scope_is_every_visible_active_project(gcp_fake: FakeGcp) -> None:
    assert targets(gcp_fake) == [("projects/acme-denied", "acme-denied"), ("projects/acme-disabled", "acme-disabled"),
                                 ("projects/acme-prod", "acme-prod")]
    assert gcp_fake.calls(r"^GET /v3/projects:search$")[0].query["query"] == ["state:ACTIVE"]


def test_project_named_by_number_is_scanned_under_its_id(gcp_fake: FakeGcp) -> None:
    assert targets(gcp_fake, projects=["300000000001"]) == [("projects/acme-prod", "acme-prod")]


def test_folder_and_organization_scopes_are_scanned_whole(gcp_fake: FakeGcp) -> None:
    assert targets(gcp_fake, organizations=["100000000001"], folders=["folders/200000000001"]) == [
        ("organizations/100000000001", "organizations/100000000001"), ("folders/200000000001", "folders/200000000001")]


def test_malformed_folder_id_is_a_scope_error(gcp_fake: FakeGcp) -> None:
    with pytest.raises(GcpScopeError, match="numeric id"):
        targets(gcp_fake, folders=["production"])


def test_project_that_does_not_exist_is_a_scope_error(gcp_fake: FakeGcp) -> None:
    gcp_fake.fail(r"^GET /v3/projects/no-such-project$", 404, "not_found")

    with pytest.raises(GcpScopeError, match="project no-such-project not found"):
        targets(gcp_fake, projects=["no-such-project"])


def test_organization_scope_collects_every_project_under_it(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(organizations=["100000000001"])

    nodes = snapshot.node_index()
    assert "//storage.googleapis.com/acme-prod-public" in nodes
    assert {f"//cloudresourcemanager.googleapis.com/projects/30000000000{i}" for i in (1, 2, 3)} <= set(nodes)
    assert "organizations/100000000001" in {s.account for s in snapshot.sources}
