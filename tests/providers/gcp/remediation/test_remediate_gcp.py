"""GCP remediation end to end on the stateful fake: plan, apply, verify, re-run, failure midway."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.engine.remediation.audit import read_audit_log
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.remediation import Session

from tests.providers.gcp.remediation.gcp_estate import (
    OPERATOR,
    PUBLIC_BUCKET,
    apply,
    firewall,
    gcp_finding,
    key,
    plan,
)
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp

FINDINGS = [("storage-not-public-by-policy", PUBLIC_BUCKET), ("gcp-storage-public-access-prevention", PUBLIC_BUCKET),
            ("gcp-storage-uniform-access", PUBLIC_BUCKET), ("firewall-no-world-admin-ports", firewall("allow-ssh-world")),
            ("kms-key-rotation-enabled", key("data"))]
POLICIES = ["storage-not-public-by-policy", "storage-not-public-by-acl", "gcp-storage-public-access-prevention",
            "gcp-storage-uniform-access", "firewall-no-world-admin-ports", "firewall-no-world-all-ports",
            "firewall-no-world-database-ports", "kms-key-rotation-enabled"]
WRITES = ("PUT", "PATCH", "DELETE", "POST")


def _findings() -> list:
    return [gcp_finding(policy, resource) for policy, resource in FINDINGS]


def _writes(gcp: StatefulGcp) -> int:
    return sum(len(gcp.seen(method)) for method in WRITES)


@pytest.mark.parametrize("policy", POLICIES)
def test_the_registry_finds_a_gcp_action_for_each_fixable_policy(policy: str) -> None:
    action = action_for("gcp", policy)
    assert action is not None and action.cloud == "gcp" and action.id.startswith("gcp.")


def test_plan_lists_the_exact_calls_and_changes_nothing(gcp: StatefulGcp,
                                                        session_for: Callable[[str], Session]) -> None:
    fixes = plan(_findings(), session_for)
    rendered = {f.target.policy: [c.render() for c in f.calls] for f in fixes}
    assert rendered["gcp-storage-public-access-prevention"] == [(
        "gcs.bucket.patch(bucket='acme-public-assets', body={'iamConfiguration': {'publicAccessPrevention': "
        "'enforced'}}, if_metageneration_match=3)")]
    assert rendered["firewall-no-world-admin-ports"] == [
        "compute.firewalls.patch(project='acme-prod', firewall='allow-ssh-world', firewall_resource={'disabled': True})"]
    assert {f.status for f in fixes} == {"planned"}
    assert _writes(gcp) == 0


def test_apply_changes_each_resource_and_verifies_it(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                     tmp_path: Path) -> None:
    fixes = apply(_findings(), session_for, tmp_path / "audit.jsonl")
    assert [f.status for f in fixes] == ["applied"] * len(FINDINGS)
    config = gcp.buckets["acme-public-assets"]["iamConfiguration"]
    assert (config["publicAccessPrevention"], config["uniformBucketLevelAccess"]["enabled"]) == ("enforced", True)
    assert gcp.firewalls[("acme-prod", "allow-ssh-world")]["disabled"] is True
    assert gcp.keys["projects/acme-prod/locations/global/keyRings/app/cryptoKeys/data"]["rotationPeriod"] == "7776000s"


def test_audit_entries_name_the_service_account_and_carry_before_and_after(gcp: StatefulGcp, tmp_path: Path,
                                                                           session_for: Callable[[str], Session]) -> None:
    apply([gcp_finding("gcp-storage-uniform-access", PUBLIC_BUCKET)], session_for, tmp_path / "audit.jsonl")
    started, applied = read_audit_log(tmp_path / "audit.jsonl")
    assert (started["event"], applied["event"], applied["actor"]) == ("started", "applied", OPERATOR)
    assert applied["before"] == {"uniform_access": False, "metageneration": 3}
    assert applied["after"] == {"uniform_access": True, "metageneration": 4}


def test_a_rerun_after_apply_is_a_no_op(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                        tmp_path: Path) -> None:
    apply(_findings(), session_for, tmp_path / "audit.jsonl")
    writes = _writes(gcp)
    again = apply(_findings(), session_for, tmp_path / "audit.jsonl")
    assert {f.status for f in again} == {"compliant"}
    assert not any(f.calls for f in again)
    assert _writes(gcp) == writes


def test_a_failure_midway_leaves_an_accurate_audit_log(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                      tmp_path: Path) -> None:
    gcp.fail("PATCH", "/global/firewalls/allow-ssh-world$", 409)
    findings = [gcp_finding("kms-key-rotation-enabled", key("data")),
                gcp_finding("firewall-no-world-admin-ports", firewall("allow-ssh-world")),
                gcp_finding("gcp-storage-public-access-prevention", PUBLIC_BUCKET)]
    fixes = apply(findings, session_for, tmp_path / "audit.jsonl")
    assert [f.status for f in fixes] == ["applied", "failed", "applied"]
    final = [e for e in read_audit_log(tmp_path / "audit.jsonl") if e["event"] != "started"]
    assert [e["event"] for e in final] == ["applied", "failed", "applied"]
    failed = final[1]
    assert failed["resource"] == firewall("allow-ssh-world") and "HTTP 409" in failed["reason"]
    assert failed["completed_calls"] == [] and failed["after"]["disabled"] is False
    assert gcp.firewalls[("acme-prod", "allow-ssh-world")]["disabled"] is False
