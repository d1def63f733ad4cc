"""Bucket settings: public access prevention and uniform access, each patched alone under a precondition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
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


def test_public_access_prevention_patches_that_field_alone(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                           tmp_path: Path) -> None:
    apply([gcp_finding("gcp-storage-public-access-prevention", PUBLIC_BUCKET)], session_for, tmp_path / "a.jsonl")
    [patch] = gcp.seen("PATCH", "/storage/v1/b/acme-public-assets$")
    assert patch.body == {"iamConfiguration": {"publicAccessPrevention": "enforced"}}
    assert patch.query["ifMetagenerationMatch"] == ["3"]
    assert gcp.buckets["acme-public-assets"]["iamConfiguration"]["uniformBucketLevelAccess"] == {"enabled": False}


def test_uniform_access_patches_that_field_alone(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                 tmp_path: Path) -> None:
    apply([gcp_finding("gcp-storage-uniform-access", PUBLIC_BUCKET)], session_for, tmp_path / "a.jsonl")
    [patch] = gcp.seen("PATCH", "/storage/v1/b/acme-public-assets$")
    assert patch.body == {"iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}}}
    assert gcp.buckets["acme-public-assets"]["iamConfiguration"]["publicAccessPrevention"] == "inherited"


def test_both_settings_on_one_bucket_apply_one_after_the_other(gcp: StatefulGcp, tmp_path: Path,
                                                               session_for: Callable[[str], Session]) -> None:
    fixes = apply([gcp_finding("gcp-storage-public-access-prevention", OLD_BUCKET),
                   gcp_finding("gcp-storage-uniform-access", OLD_BUCKET)], session_for, tmp_path / "a.jsonl")
    assert [f.status for f in fixes] == ["applied", "applied"]
    assert gcp.buckets["acme-logs"]["iamConfiguration"]["publicAccessPrevention"] == "enforced"
    assert gcp.buckets["acme-logs"]["iamConfiguration"]["uniformBucketLevelAccess"] == {"enabled": True}


def test_an_unspecified_setting_is_not_enforced(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("gcp-storage-public-access-prevention", OLD_BUCKET)], session_for)
    assert fix.before["public_access_prevention"] == "unspecified" and fix.status == "planned"


def test_a_bucket_with_both_settings_on_is_compliant(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    fixes = plan([gcp_finding("gcp-storage-public-access-prevention", PRIVATE_BUCKET),
                  gcp_finding("gcp-storage-uniform-access", PRIVATE_BUCKET)], session_for)
    assert [(f.status, f.calls) for f in fixes] == [("compliant", []), ("compliant", [])]


def test_a_bucket_changed_since_the_plan_is_not_patched(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("gcp-storage-uniform-access", PUBLIC_BUCKET)], session_for)
    gcp.buckets["acme-public-assets"]["metageneration"] = "4"  # another writer got there first
    with pytest.raises(RemediationError, match="HTTP 412"):
        session_for("gcp").execute(fix.calls[0])
    assert gcp.buckets["acme-public-assets"]["iamConfiguration"]["uniformBucketLevelAccess"] == {"enabled": False}


def test_a_missing_bucket_is_an_error(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("gcp-storage-uniform-access", "//storage.googleapis.com/nope")], session_for)
    assert fix.status == "error" and "not found" in fix.reason
