"""KMS collection through boto3 against moto."""

from __future__ import annotations

import boto3

from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope


def _keys(snapshot):
    return {n.id: n for n in snapshot.nodes if n.kind == "kms.key"}


def test_customer_key_without_rotation_is_reported_as_not_rotating(aws: str) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(Description="no rotation")["KeyMetadata"]
    snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=["kms"]), "test")
    node = _keys(snapshot)[key["Arn"]]
    assert node.props["customer_managed"] is True
    assert node.props["rotation"]["enabled"] is False


def test_rotating_key_reports_rotation_enabled(aws: str) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(Description="rotates")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=["kms"]), "test")
    assert _keys(snapshot)[key["Arn"]].props["rotation"]["enabled"] is True


def test_keys_are_collected_in_every_requested_region(aws: str) -> None:
    arns = {boto3.client("kms", region_name=r).create_key()["KeyMetadata"]["Arn"] for r in ("us-east-1", "eu-west-1")}
    snapshot = collect_aws(AwsScope(regions=["us-east-1", "eu-west-1"], services=["kms"]), "test")
    assert arns <= set(_keys(snapshot))
