"""The three-valued evaluator of IAM Condition expressions (true, false, or undecided by the snapshot)."""

from __future__ import annotations

from datetime import UTC, datetime

from cloudwarden.graph.gcp_iam.cel import Clock, OpenName, evaluate

NOW = {"request": {"time": Clock(datetime(2025, 6, 1, tzinfo=UTC))}}
BUCKET = {"resource": {"name": "projects/_/buckets/shop-data", "type": "storage.googleapis.com/Bucket",
                       "service": "storage.googleapis.com"}, **NOW}
OBJECTS = {"resource": {"name": OpenName("projects/_/buckets/shop-data/objects/"),
                        "type": "storage.googleapis.com/Object", "service": "storage.googleapis.com"}, **NOW}


def test_a_name_prefix_is_decided_on_a_known_name() -> None:
    assert evaluate('resource.name.startsWith("projects/_/buckets/shop")', BUCKET) is True
    assert evaluate('resource.name.startsWith("projects/_/buckets/audit")', BUCKET) is False


def test_a_prefix_inside_the_unknown_part_of_a_name_is_undecided() -> None:
    assert evaluate('resource.name.startsWith("projects/_/buckets/shop-data/objects/tmp/")', OBJECTS) is None
    assert evaluate('resource.name.startsWith("projects/_/buckets/shop-data/")', OBJECTS) is True
    assert evaluate('resource.name.startsWith("projects/_/buckets/other/")', OBJECTS) is False


def test_false_and_anything_is_false_and_true_or_anything_is_true() -> None:
    assert evaluate('resource.type == "cloudkms.googleapis.com/CryptoKey" && resource.matchTag("1/env", "prod")',
                    BUCKET) is False
    assert evaluate('resource.service == "storage.googleapis.com" || resource.matchTag("1/env", "prod")',
                    BUCKET) is True
    assert evaluate('resource.service == "storage.googleapis.com" && resource.matchTag("1/env", "prod")',
                    BUCKET) is None


def test_request_time_compares_with_timestamps_but_its_clock_face_is_undecided() -> None:
    assert evaluate('request.time < timestamp("2026-01-01T00:00:00Z")', NOW) is True
    assert evaluate('request.time > timestamp("2026-01-01T00:00:00.000Z")', NOW) is False
    assert evaluate('request.time.getHours("Europe/Berlin") >= 9', NOW) is None


def test_membership_negation_and_parentheses() -> None:
    assert evaluate('!(resource.type in ["storage.googleapis.com/Bucket", "x"])', BUCKET) is False


def test_an_expression_outside_the_subset_is_undecided_not_false() -> None:
    assert evaluate('resource.name.startsWith(', BUCKET) is None
    assert evaluate('api.getAttribute("iam.googleapis.com/modifiedGrantsByRole", []).hasOnly(["roles/x"])',
                    BUCKET) is None
