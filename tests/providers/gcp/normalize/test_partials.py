"""Which Source each normalized fact is filed under: always a real project or organization, never "unknown".

The normalizer builds some facts after every handler has run (``member_of`` edges
into ``projectOwner:<p>`` groups, instance -> firewall ``protected_by`` edges,
principals first seen in a binding); each must join a partial named for an
account, so a snapshot never shows an extra Source with account "unknown".
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.merge import Partial, merge_partials
from cloudwarden.providers.gcp.normalize import normalize

ANCESTORS = ["projects/500000000001", "organizations/500000000009"]
PROJECT = "//cloudresourcemanager.googleapis.com/projects/500000000001"
NET = "https://www.googleapis.com/compute/v1/projects/shop-prod/global/networks/main"
VM = "//compute.googleapis.com/projects/shop-prod/zones/europe-west1-b/instances/vm-1"
RULE = "//compute.googleapis.com/projects/shop-prod/global/firewalls/allow-web"


def record(name: str, asset_type: str, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "asset_type": asset_type, "ancestors": ANCESTORS, **extra}
    if data is not None:
        out["resource"] = {"data": data, "parent": PROJECT, "location": "global"}
    return out


def estate() -> list[dict[str, Any]]:
    """A project whose owner is bound at the project, a bucket naming ``projectOwner:``, a VM behind a rule."""
    return [
        record(PROJECT, "cloudresourcemanager.googleapis.com/Project",
               {"projectNumber": "500000000001", "projectId": "shop-prod"},
               iam_policy={"bindings": [{"role": "roles/owner", "members": ["user:root@shop.example"]}]}),
        record("//storage.googleapis.com/shop-assets", "storage.googleapis.com/Bucket",
               {"name": "shop-assets", "projectNumber": "500000000001"},
               iam_policy={"bindings": [{"role": "roles/storage.legacyBucketOwner",
                                         "members": ["projectOwner:shop-prod"]}]}),
        record("//compute.googleapis.com/projects/shop-prod/global/networks/main", "compute.googleapis.com/Network",
               {"name": "main", "selfLink": NET}),
        record(RULE, "compute.googleapis.com/Firewall",
               {"name": "allow-web", "network": NET, "direction": "INGRESS", "priority": 1000,
                "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}], "sourceRanges": ["0.0.0.0/0"]}),
        record(VM, "compute.googleapis.com/Instance",
               {"name": "vm-1", "zone": "projects/shop-prod/zones/europe-west1-b",
                "networkInterfaces": [{"network": NET, "networkIP": "10.0.0.2"}]}),
    ]


def partial_with_edge(partials: list[Partial], source: str, target: str, kind: str) -> Partial:
    [found] = [p for p in partials for e in p.edges if (e.source, e.target, e.kind) == (source, target, kind)]
    return found


def test_member_of_edges_into_project_owner_groups_are_filed_under_the_project() -> None:
    partials = normalize(estate())

    found = partial_with_edge(partials, "user:root@shop.example", "projectOwner:shop-prod", "member_of")

    assert found.account == "shop-prod"


def test_protected_by_edges_from_instances_to_firewall_rules_are_filed_under_the_project() -> None:
    partials = normalize(estate())

    assert partial_with_edge(partials, VM, RULE, "protected_by").account == "shop-prod"


def test_no_source_of_the_snapshot_is_unknown() -> None:
    snapshot = merge_partials(normalize(estate()), "test")

    assert sorted(s.account for s in snapshot.sources) == ["shop-prod"]


def test_a_record_no_project_can_be_named_for_joins_the_inputs_first_project() -> None:
    orphan = {"name": "//storage.googleapis.com/stray", "asset_type": "storage.googleapis.com/Bucket",
              "iam_policy": {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}}

    snapshot = merge_partials(normalize([*estate(), orphan]), "test")

    assert "allUsers" in snapshot.node_index()
    assert sorted(s.account for s in snapshot.sources) == ["shop-prod"]


def test_an_input_without_project_or_organization_is_filed_as_unattributed_not_unknown() -> None:
    orphan = {"name": "//storage.googleapis.com/stray", "asset_type": "storage.googleapis.com/Bucket",
              "resource": {"data": {"name": "stray"}}}

    snapshot = merge_partials(normalize([orphan]), "test")

    assert [s.account for s in snapshot.sources] == ["unattributed"]
