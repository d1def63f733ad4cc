"""A project whose inventory is denied is a coverage gap; the other projects are still collected."""

from __future__ import annotations

from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot


def test_denied_project_is_a_gap_and_the_other_project_is_collected(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-prod", "acme-denied"])

    denied = next(s for s in snapshot.sources if s.account == "acme-denied")
    inventory_gaps = [g for g in denied.errors if g.service == "cloudasset"]
    assert {g.reason for g in inventory_gaps} == {"access_denied"}
    assert {g.resource for g in inventory_gaps} == {"projects/acme-denied"}
    assert all("permission" in g.message for g in inventory_gaps)
    nodes = snapshot.node_index()
    assert "//storage.googleapis.com/acme-prod-public" in nodes
    assert "//storage.googleapis.com/acme-denied-data" not in nodes
    prod = next(s for s in snapshot.sources if s.account == "acme-prod")
    assert not [g for g in prod.errors if g.service == "cloudasset"]


def test_a_scope_denied_for_every_content_type_is_one_gap(collect_fake: Callable[..., Snapshot]) -> None:
    snapshot = collect_fake(projects=["acme-denied"])

    denied = next(s for s in snapshot.sources if s.account == "acme-denied")
    [gap] = [g for g in denied.errors if g.service == "cloudasset"]
    assert gap.operation == "ListAssets(IAM_POLICY,ORG_POLICY,RESOURCE)"
