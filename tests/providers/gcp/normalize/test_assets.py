"""Records in any spelling, merged per resource; what the normalizer does with odd input."""

from __future__ import annotations

from cloudwarden.providers.gcp.normalize.assets import merge_assets

BUCKET = {"name": "//storage.googleapis.com/a", "assetType": "storage.googleapis.com/Bucket"}


def test_resource_and_iam_policy_records_of_one_resource_merge() -> None:
    [asset] = merge_assets([
        {**BUCKET, "resource": {"data": {"name": "a"}, "location": "eu"}},
        {"name": BUCKET["name"], "asset_type": BUCKET["assetType"],
         "iam_policy": {"bindings": [{"role": "roles/x", "members": ["allUsers"]}],
                       "audit_configs": [{"service": "allServices", "audit_log_configs": [{"log_type": 3}]}]}},
    ])
    assert asset.data == {"name": "a"} and asset.location == "eu"
    assert asset.iam_policy["bindings"] == [{"role": "roles/x", "members": ["allUsers"], "condition": None}]
    assert asset.iam_policy["audit_configs"][0]["audit_log_configs"][0]["log_type"] == "DATA_READ"


def test_the_newer_of_two_resource_records_wins() -> None:
    [asset] = merge_assets([
        {**BUCKET, "resource": {"data": {"v": 2}}, "updateTime": "2025-02-01T00:00:00Z"},
        {**BUCKET, "resource": {"data": {"v": 1}}, "updateTime": "2025-01-01T00:00:00Z"},
    ])
    assert asset.data == {"v": 2}


def test_records_without_a_name_are_skipped() -> None:
    assert merge_assets([{"assetType": "storage.googleapis.com/Bucket"}, "junk"]) == []  # type: ignore[list-item]


def test_unknown_asset_types_are_ignored(normalized) -> None:
    view = normalized([{"name": "//bigquery.googleapis.com/projects/p/datasets/d", "asset_type":
                        "bigquery.googleapis.com/Dataset", "resource": {"data": {}}}])
    assert "//bigquery.googleapis.com/projects/p/datasets/d" not in view.nodes
