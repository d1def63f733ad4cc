"""429 from Asset Inventory: retried with backoff; still throttled after the deadline, a coverage gap."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from tests.providers.gcp.conftest import fast_retry
from tests.providers.gcp.fake_gcp import FakeGcp

BUCKET = "//storage.googleapis.com/acme-prod-public"
ASSETS = r"^GET /v1/projects/acme-prod/assets$"


def gaps(snapshot: Snapshot, account: str) -> list:
    return [g for s in snapshot.sources if s.account == account for g in s.errors]


def test_throttled_list_assets_is_retried_until_it_succeeds(gcp_fake: FakeGcp,
                                                            collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(ASSETS, 429, "resource_exhausted", times=2)

    snapshot = collect_fake(projects=["acme-prod"])

    assert BUCKET in snapshot.node_index()
    assert not [g for g in gaps(snapshot, "acme-prod") if g.service == "cloudasset"]
    assert len(gcp_fake.calls(ASSETS)) >= 4  # two 429s, then both content types answered


def test_throttling_that_outlasts_the_deadline_is_a_throttled_gap(gcp_fake: FakeGcp,
                                                                  collect_fake: Callable[..., Snapshot]) -> None:
    gcp_fake.fail(ASSETS, 429, "resource_exhausted")

    snapshot = collect_fake(projects=["acme-prod"], retry=fast_retry(timeout=0.3))

    found = [g for g in gaps(snapshot, "acme-prod") if g.service == "cloudasset"]
    assert {g.reason for g in found} == {"throttled"}
    assert {g.resource for g in found} == {"projects/acme-prod"}
    assert BUCKET not in snapshot.node_index()
