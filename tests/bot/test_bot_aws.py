"""The scheduled bot against moto: two nights of scan, diff, tickets sync and remediate --apply."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from cloudwarden.engine.findings import fingerprint

from tests.bot.conftest import (
    NightlyBot,
    check_audit_log,
    check_first_night,
    check_left_for_ticket,
    check_no_secret,
    check_rerun_is_a_no_op,
    check_second_night,
)

ACCOUNT = "123456789012"
FIXABLE = ["storage-encrypted-at-rest", "storage-public-access-blocked", "kms-key-rotation-enabled",
           "firewall-no-world-admin-ports"]
NO_ACTION = "storage-tls-only"  # a bucket policy to write: no safe automatic fix, left for its ticket
AWS_SECRET = "bot+Secret/AccessKey0123456789abcdefXYZ"


@pytest.fixture
def estate(aws: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A bucket with neither encryption nor a public access block, a key that never rotates, SSH open to the
    world, and a second bad bucket that nothing selects."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)  # a recognisable secret, to prove it never leaks
    s3 = boto3.client("s3", region_name="us-east-1")
    for bucket in ("bot-data", "bot-archive"):
        s3.create_bucket(Bucket=bucket)
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="bastion", Description="bastion", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return {"bucket": "arn:aws:s3:::bot-data", "key": key, "sg": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{sg}"}


def _unselected_bucket_is_untouched() -> bool:
    s3 = boto3.client("s3", region_name="us-east-1")
    for read, missing in ((s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration"),
                          (s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError")):
        try:
            read(Bucket="bot-archive")
            return False
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == missing
    return True


def test_two_nights_fix_what_is_safe_ticket_the_rest_and_converge(estate: dict[str, str],
                                                                  nightly: NightlyBot) -> None:
    nightly.scan_args = ["aws", "--region", "us-east-1", "--service", "s3", "--service", "kms", "--service", "ec2"]
    nightly.remediate_args = [arg for p in [*FIXABLE, NO_ACTION] for arg in ("--policy", p)]
    nightly.remediate_args += [arg for r in estate.values() for arg in ("--resource", r)]

    first = nightly.night()
    check_first_night(first)
    fixed = {fingerprint(p, r) for p, r in [("storage-encrypted-at-rest", estate["bucket"]),
                                            ("storage-public-access-blocked", estate["bucket"]),
                                            ("kms-key-rotation-enabled", estate["key"]),
                                            ("firewall-no-world-admin-ports", estate["sg"])]}
    assert {f["finding"] for f in first.fixes("applied")} == fixed

    second = nightly.night()
    check_second_night(nightly, first, second, resolved=fixed)
    check_rerun_is_a_no_op(nightly, second)
    check_left_for_ticket(nightly, first, second, fingerprint(NO_ACTION, estate["bucket"]))
    assert fingerprint("storage-encrypted-at-rest", "arn:aws:s3:::bot-archive") in second.findings
    assert _unselected_bucket_is_untouched()
    check_audit_log(nightly, actor=f"arn:aws:sts::{ACCOUNT}:user/moto")
    check_no_secret(nightly, AWS_SECRET)
