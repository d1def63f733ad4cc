"""Remediation end to end on moto: scan, plan, apply, verify, re-run as a no-op, and a failure midway."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from cloudwarden.engine.cli import main
from cloudwarden.engine.remediation.apply import apply_fixes
from cloudwarden.engine.remediation.audit import AuditLog, read_audit_log
from cloudwarden.engine.remediation.command import sessions
from cloudwarden.engine.remediation.plan import check_safe, plan_fixes, select
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.remediation import ApiCall
from cloudwarden.engine.findings import Finding, ResourceRef

FIXED_POLICIES = ["storage-encrypted-at-rest", "storage-public-access-blocked", "kms-key-rotation-enabled",
                  "firewall-no-world-admin-ports"]


def _finding(policy: str, resource: str, kind: str) -> Finding:
    return Finding(id=f"fp-{policy}-{resource}", policy=policy, title=policy, severity="high", categories=[],
                   resource=ResourceRef(id=resource, kind=kind, cloud="aws", account="123456789012",
                                        region="us-east-1", name=resource), message="m")


@pytest.fixture
def estate(aws: str) -> dict[str, str]:
    """A bucket without encryption or public access block, a key without rotation, SSH open to the world."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="plain-data")
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return {"bucket": "arn:aws:s3:::plain-data", "key": key,
            "sg": f"arn:aws:ec2:us-east-1:123456789012:security-group/{sg}", "sg_id": sg}


def _scan(tmp_path: Path) -> Path:
    out = tmp_path / "findings.json"
    code = main(["-q", "scan", "aws", "--region", "us-east-1", "--service", "s3", "--service", "kms",
                 "--service", "ec2", "--format", "json", "-o", str(out)])
    assert code == 0
    return out


def _remediate(findings: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "result.json"
    args = ["remediate", "--findings", str(findings), "--format", "json", "-o", str(out),
            "--audit-log", str(tmp_path / "audit.jsonl")]
    for policy in FIXED_POLICIES:
        args += ["--policy", policy]
    main(args + list(extra))
    return json.loads(out.read_text())


def test_plan_lists_exact_calls_and_changes_nothing(estate: dict[str, str], tmp_path: Path) -> None:
    plan = _remediate(_scan(tmp_path), tmp_path)
    calls = {c["call"].split("(")[0] for f in plan["fixes"] for c in f["calls"]}
    assert plan["mode"] == "plan"
    assert {"s3.put_bucket_encryption", "s3.put_public_access_block", "kms.enable_key_rotation",
            "ec2.revoke_security_group_ingress"} <= calls
    assert boto3.client("kms", region_name="us-east-1").get_key_rotation_status(
        KeyId=estate["key"])["KeyRotationEnabled"] is False
    assert not (tmp_path / "audit.jsonl").exists()


def test_apply_fixes_verifies_and_a_rerun_is_a_no_op(estate: dict[str, str], tmp_path: Path) -> None:
    findings = _scan(tmp_path)
    applied = _remediate(findings, tmp_path, "--apply")
    assert {f["status"] for f in applied["fixes"]} == {"applied"}
    again = _remediate(findings, tmp_path, "--apply")
    assert {f["status"] for f in again["fixes"]} == {"compliant"}
    assert not any(f["calls"] for f in again["fixes"])
    assert _scan_findings(_scan(tmp_path)) & set(FIXED_POLICIES) == set()


def _scan_findings(path: Path) -> set[str]:
    return {f["policy"] for f in json.loads(path.read_text())["findings"]}


def test_revoking_world_ssh_keeps_other_sources_and_ports(estate: dict[str, str], tmp_path: Path) -> None:
    _remediate(_scan(tmp_path), tmp_path, "--apply", "--resource", estate["sg"])
    perms = boto3.client("ec2", region_name="us-east-1").describe_security_groups(
        GroupIds=[estate["sg_id"]])["SecurityGroups"][0]["IpPermissions"]
    by_port = {p["FromPort"]: sorted(r["CidrIp"] for r in p["IpRanges"]) for p in perms}
    assert by_port == {22: ["10.0.0.0/8"], 443: ["0.0.0.0/0"]}


def test_max_changes_stops_after_n_resources(estate: dict[str, str], tmp_path: Path) -> None:
    result = _remediate(_scan(tmp_path), tmp_path, "--apply", "--max-changes", "1")
    statuses = [f["status"] for f in result["fixes"]]
    assert statuses.count("applied") == 1
    assert statuses.count("skipped") == len(statuses) - 1


def test_failure_midway_leaves_an_accurate_audit_log(estate: dict[str, str], tmp_path: Path) -> None:
    findings = [_finding("kms-key-rotation-enabled", estate["key"], "kms.key"),
                _finding("storage-encrypted-at-rest", estate["bucket"], "storage.bucket"),
                _finding("firewall-no-world-admin-ports", estate["sg"], "network.firewall")]
    session_for = sessions({})
    fixes = plan_fixes(select(findings, [], []), session_for)
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket="plain-data")  # gone after planning
    audit = AuditLog(tmp_path / "audit.jsonl")
    apply_fixes(fixes, session_for, audit)
    audit.close()
    entries = read_audit_log(tmp_path / "audit.jsonl")
    final = {e["resource"]: e for e in entries if e["event"] != "started"}
    assert final[estate["key"]]["event"] == "applied" and final[estate["key"]]["verified"] is True
    assert final[estate["bucket"]]["event"] == "failed"
    assert final[estate["sg"]]["event"] == "applied"
    assert final[estate["key"]]["before"] == {"rotation_enabled": False}
    assert final[estate["key"]]["after"] == {"rotation_enabled": True}
    assert all(e["actor"].startswith("arn:aws:") for e in final.values())


def test_findings_without_a_safe_action_are_left_for_tickets(aws: str) -> None:
    fixes = plan_fixes(select([_finding("trail-log-validation", "arn:aws:cloudtrail:us-east-1:1:trail/t",
                                        "logging.trail")], [], []), sessions({}))
    assert [(f.status, f.action) for f in fixes] == [("no_action", None)]


def test_suppressed_and_unselected_findings_are_never_touched(estate: dict[str, str]) -> None:
    suppressed = _finding("kms-key-rotation-enabled", estate["key"], "kms.key")
    suppressed.suppressed = True
    other = _finding("storage-encrypted-at-rest", estate["bucket"], "storage.bucket")
    assert select([suppressed, other], ["kms-*"], []) == []


def test_apply_without_a_writable_audit_log_changes_nothing(estate: dict[str, str], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    findings = _scan(tmp_path)
    code = main(["remediate", "--findings", str(findings), "--apply", "--audit-log", str(tmp_path)])
    assert code == 2
    assert "audit log" in capsys.readouterr().err
    assert boto3.client("kms", region_name="us-east-1").get_key_rotation_status(
        KeyId=estate["key"])["KeyRotationEnabled"] is False


def test_calls_outside_the_finding_or_destructive_are_refused() -> None:
    target = select([_finding("storage-encrypted-at-rest", "arn:aws:s3:::a", "storage.bucket")], [], [])[0]
    action = action_for("aws", "storage-encrypted-at-rest")
    elsewhere = ApiCall("s3", "put_bucket_encryption", {"Bucket": "b"}, "arn:aws:s3:::b")
    deleting = ApiCall("s3", "delete_bucket", {"Bucket": "a"}, "arn:aws:s3:::a")
    assert "outside" in check_safe(target, action, [elsewhere])
    assert "destructive" in check_safe(target, action, [deleting])
    assert check_safe(target, action, [ApiCall("s3", "put_bucket_versioning", {}, "arn:aws:s3:::a")]) is None


def test_public_database_is_made_private(aws: str, tmp_path: Path) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="u", MasterUserPassword="p4ssword-long", AllocatedStorage=20,
                           PubliclyAccessible=True)
    arn = "arn:aws:rds:us-east-1:123456789012:db:orders"
    session_for = sessions({})
    fixes = plan_fixes(select([_finding("database-not-public", arn, "database.instance")], [], []), session_for)
    assert [c.operation for c in fixes[0].calls] == ["modify_db_instance"]
    audit = AuditLog(tmp_path / "audit.jsonl")
    apply_fixes(fixes, session_for, audit)
    assert fixes[0].status == "applied"
    assert rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"][0]["PubliclyAccessible"] is False


def test_already_compliant_fixes_are_audited_with_the_actor(estate: dict[str, str], tmp_path: Path) -> None:
    boto3.client("kms", region_name="us-east-1").enable_key_rotation(KeyId=estate["key"])
    session_for = sessions({})
    fixes = plan_fixes(select([_finding("kms-key-rotation-enabled", estate["key"], "kms.key")], [], []), session_for)
    audit = AuditLog(tmp_path / "audit.jsonl")
    apply_fixes(fixes, session_for, audit)
    audit.close()
    [entry] = read_audit_log(tmp_path / "audit.jsonl")
    assert entry["event"] == "compliant" and entry["actor"].startswith("arn:aws:")
