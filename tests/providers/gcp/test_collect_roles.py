"""Roles bound somewhere but known from nowhere else are read from the IAM API; failures leave them unknown."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from tests.providers.gcp.fake_gcp import FakeGcp

ORG_ROLE = "organizations/100000000001/roles/securityAuditorLite"


def test_predefined_role_missing_from_the_catalogue_gets_its_permissions_live(
        gcp_fake: FakeGcp, collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-prod"])

    role = snapshot.node_index()["roles/logging.viewer"]
    assert "logging.logEntries.list" in role.props["permissions"]
    assert gcp_fake.calls(r"^GET /v1/roles/logging.viewer$")
    assert not gcp_fake.calls(r"^GET /v1/roles/storage.admin$")  # the shipped catalogue has it


def test_organization_custom_role_used_by_an_ancestor_is_read_live(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-prod"])

    assert "iam.roles.list" in snapshot.node_index()[ORG_ROLE].props["permissions"]


def test_role_the_api_cannot_return_is_a_gap_and_stays_unknown(gcp_fake: FakeGcp,
                                                                collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(r"^GET /v1/roles/logging.viewer$", 403, "permission_denied")

    snapshot = collect_fake(projects=["acme-prod"])

    role = snapshot.node_index()["roles/logging.viewer"]
    assert role.props.get("permissions") is None
    gaps = {(g.reason, g.operation, g.resource) for s in snapshot.sources for g in s.errors if g.service == "iam"}
    assert ("access_denied", "GetRole", "roles/logging.viewer") in gaps
