"""An API not enabled in the project (403 SERVICE_DISABLED / accessNotConfigured) is a not_enabled gap."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from tests.providers.gcp.fake_gcp import FakeGcp


def inventory_gaps(snapshot: Snapshot, account: str) -> list:
    return [g for s in snapshot.sources if s.account == account for g in s.errors if g.service == "cloudasset"]


def test_service_disabled_is_a_not_enabled_gap(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-disabled"])

    found = inventory_gaps(snapshot, "acme-disabled")
    assert {g.reason for g in found} == {"not_enabled"}
    assert all("Cloud Asset API has not been used" in g.message for g in found)


def test_legacy_access_not_configured_is_a_not_enabled_gap(gcp_fake: FakeGcp,
                                                           collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(r"^GET /v1/projects/acme-prod/assets$", 403, "access_not_configured")

    snapshot = collect_fake(projects=["acme-prod"])

    assert {g.reason for g in inventory_gaps(snapshot, "acme-prod")} == {"not_enabled"}
