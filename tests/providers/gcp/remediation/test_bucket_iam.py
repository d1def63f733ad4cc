"""Bucket IAM: allUsers and allAuthenticatedUsers come out; every other member and condition stays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.providers.gcp.remediation.storage import without_public_members
from cloudwarden.providers.remediation import RemediationError, Session

from tests.providers.gcp.remediation.gcp_estate import (
    OLD_BUCKET,
    PRIVATE_BUCKET,
    PUBLIC_BUCKET,
    apply,
    gcp_finding,
    plan,
)
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp

CONDITION = {"title": "reports-only",
             "expression": 'resource.name.startsWith("projects/_/buckets/acme-public-assets/objects/reports/")'}


def test_the_plan_shows_exactly_the_public_grants_removed(gcp: StatefulGcp,
                                                          session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("storage-not-public-by-policy", PUBLIC_BUCKET)], session_for)
    assert fix.before["public_bindings"] == [
        {"role": "roles/storage.legacyBucketReader", "members": ["allAuthenticatedUsers"]},
        {"role": "roles/storage.objectCreator", "members": ["allUsers"]},
        {"role": "roles/storage.objectViewer", "members": ["allUsers"]},
        {"role": "roles/storage.objectViewer", "members": ["allUsers"], "condition": CONDITION}]
    [call] = fix.calls
    assert (call.service, call.operation, call.resource) == ("gcs", "bucket.set_iam_policy", PUBLIC_BUCKET)


def test_removal_keeps_every_other_member_and_condition(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                        tmp_path: Path) -> None:
    [fix] = apply([gcp_finding("storage-not-public-by-policy", PUBLIC_BUCKET)], session_for, tmp_path / "a.jsonl")
    assert fix.status == "applied"
    bindings = {(b["role"], b.get("condition", {}).get("title")): b["members"]
                for b in gcp.policies["acme-public-assets"]["bindings"]}
    assert bindings == {
        ("roles/storage.legacyBucketOwner", None): ["projectEditor:acme-prod", "projectOwner:acme-prod"],
        ("roles/storage.legacyBucketReader", None): ["projectViewer:acme-prod"],
        ("roles/storage.objectAdmin", None): ["serviceAccount:deployer@acme-prod.iam.gserviceaccount.com"],
        ("roles/storage.objectViewer", None): ["group:web-team@acme.example"],
        ("roles/storage.objectViewer", "reports-only"): ["user:auditor@acme.example"]}


def test_the_policy_is_written_with_the_etag_and_version_it_was_read_with(gcp: StatefulGcp, tmp_path: Path,
                                                                          session_for: Callable[[str], Session]) -> None:
    etag = gcp.policies["acme-public-assets"]["etag"]
    apply([gcp_finding("storage-not-public-by-policy", PUBLIC_BUCKET)], session_for, tmp_path / "a.jsonl")
    [put] = gcp.seen("PUT", "/iam$")
    assert (put.body["etag"], put.body["version"]) == (etag, 3)
    assert gcp.seen("GET", "/iam$")[0].query["optionsRequestedPolicyVersion"] == ["3"]


def test_a_stale_plan_never_overwrites_a_policy_changed_since(gcp: StatefulGcp,
                                                              session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("storage-not-public-by-policy", OLD_BUCKET)], session_for)
    added = {"role": "roles/storage.admin", "members": ["user:new@acme.example"]}
    gcp.policies["acme-logs"]["bindings"].append(added)  # someone else writes the policy meanwhile
    gcp.policies["acme-logs"]["etag"] = "b3RoZXItd3JpdGVy"
    with pytest.raises(RemediationError, match="HTTP 412"):
        session_for("gcp").execute(fix.calls[0])
    assert added in gcp.policies["acme-logs"]["bindings"]


def test_a_bucket_whose_only_member_was_public_loses_the_binding(gcp: StatefulGcp, tmp_path: Path,
                                                                 session_for: Callable[[str], Session]) -> None:
    apply([gcp_finding("storage-not-public-by-acl", OLD_BUCKET)], session_for, tmp_path / "a.jsonl")
    assert gcp.policies["acme-logs"]["bindings"] == []


def test_a_bucket_without_public_members_is_compliant(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("storage-not-public-by-policy", PRIVATE_BUCKET)], session_for)
    assert (fix.status, fix.calls, fix.before["public_bindings"]) == ("compliant", [], [])


def test_members_are_sorted_as_the_sdk_sends_them() -> None:
    kept, removed = without_public_members({"bindings": [
        {"role": "roles/x", "members": ["user:b@x", "allUsers", "user:a@x"]}]})
    assert kept == [{"role": "roles/x", "members": ["user:a@x", "user:b@x"]}]
    assert removed == [{"role": "roles/x", "members": ["allUsers"]}]
