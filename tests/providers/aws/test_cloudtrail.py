"""CloudTrail collection through boto3 against moto, and the account summary finalize derives from it."""

from __future__ import annotations

import boto3

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

REGIONS = ["eu-west-1", "us-east-1"]
ACCOUNT_ID = "arn:aws:iam::123456789012:root"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/{}"


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=REGIONS, services=["cloudtrail"]), "test")


def _trail(name: str, *, logging: bool, **kwargs) -> str:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="audit-logs-bucket")
    ct = boto3.client("cloudtrail", region_name="us-east-1")
    ct.create_trail(Name=name, S3BucketName="audit-logs-bucket", **kwargs)
    if logging:
        ct.start_logging(Name=name)
    return TRAIL_ARN.format(name)


def test_multi_region_validated_logging_trail_reports_its_facets(aws: str) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    arn = _trail("org-audit", logging=True, IsMultiRegionTrail=True, EnableLogFileValidation=True, KmsKeyId=key)
    props = _collect().node_index()[arn].props
    assert (props["multi_region"], props["log_validation"], props["logging"]) == (True, True, {"enabled": True})
    assert props["encryption"] == {"at_rest": True, "key_id": key, "customer_managed": True}
    assert props["s3_bucket"] == "audit-logs-bucket"


def test_single_region_trail_that_is_not_logging_reports_it(aws: str) -> None:
    arn = _trail("stopped-trail", logging=False)
    props = _collect().node_index()[arn].props
    assert (props["multi_region"], props["log_validation"], props["logging"]["enabled"]) == (False, False, False)
    assert props["encryption"]["customer_managed"] is False


def test_trail_is_collected_once_in_its_home_region(aws: str) -> None:
    arn = _trail("everywhere-trail", logging=True, IsMultiRegionTrail=True)
    trails = [n for n in _collect().nodes if n.kind == "logging.trail"]
    assert [(t.id, t.region) for t in trails] == [(arn, "us-east-1")]


def test_trail_writes_to_its_bucket_and_is_encrypted_by_its_key(aws: str) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    arn = _trail("linked-trail", logging=True, KmsKeyId=key)
    snapshot = _collect()
    edges = {e.key for e in snapshot.edges}
    assert {(arn, "arn:aws:s3:::audit-logs-bucket", "writes_to"), (arn, key, "encrypted_by"),
            (ACCOUNT_ID, arn, "contains")} <= edges
    assert snapshot.node_index()["arn:aws:s3:::audit-logs-bucket"].kind == "storage.bucket"


def test_account_summary_sees_every_region_logged_by_a_multi_region_trail(aws: str) -> None:
    _trail("everywhere-trail", logging=True, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    summary = _collect().node_index()[ACCOUNT_ID].props["cloudtrail"]
    assert summary["multi_region_logging"] is True
    assert summary["regions_unlogged"] == []


def test_account_summary_lists_regions_a_single_region_trail_misses(aws: str) -> None:
    _trail("home-only-trail", logging=True)
    summary = _collect().node_index()[ACCOUNT_ID].props["cloudtrail"]
    assert summary["multi_region_logging"] is False
    assert summary["regions_unlogged"] == ["eu-west-1"]


def test_account_summary_ignores_a_trail_that_is_not_logging(aws: str) -> None:
    _trail("stopped-multi-trail", logging=False, IsMultiRegionTrail=True)
    summary = _collect().node_index()[ACCOUNT_ID].props["cloudtrail"]
    assert summary["multi_region_logging"] is False
    assert summary["regions_unlogged"] == REGIONS
