"""Organization policies a project inherits are read as effective values (Org Policy API)."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from tests.providers.gcp.fake_gcp import FakeGcp

PUBLIC_BUCKET = "//storage.googleapis.com/acme-prod-public"
PAP = {"constraint": "constraints/storage.publicAccessPrevention", "booleanPolicy": {"enforced": True}}


def test_public_access_prevention_enforced_on_the_folder_keeps_an_inheriting_bucket_private(
        gcp_fake: FakeGcp, collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.state.org_policies["folders/200000000001"] = [PAP]

    snapshot = collect_fake(projects=["acme-prod"])

    bucket = snapshot.node_index()[PUBLIC_BUCKET].props
    assert bucket["public_access_prevention_enforced"] is True and bucket["public"] is False
    assert gcp_fake.calls(r"^GET /v2/projects/300000000001/policies/storage.publicAccessPrevention:getEffectivePolicy$")


def test_denied_effective_policy_is_a_gap(gcp_fake: FakeGcp, collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(r":getEffectivePolicy$", 403, "permission_denied")

    snapshot = collect_fake(projects=["acme-prod"])

    gaps = [g for s in snapshot.sources for g in s.errors if g.service == "orgpolicy"]
    assert ("access_denied", "GetEffectivePolicy") in {(g.reason, g.operation) for g in gaps}
