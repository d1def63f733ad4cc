"""Secrets Manager collection through boto3 against moto."""

from __future__ import annotations

import boto3
import msgspec
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope
from cloudwarden.providers.aws.services.secretsmanager import rotation_period_days

VALUE = "hunter2-do-not-collect"


def _scan() -> Snapshot:
    return collect_aws(AwsScope(regions=["us-east-1"], services=["secretsmanager"]), "test")


def _secret(snapshot: Snapshot, name: str):
    return next(n for n in snapshot.nodes if n.kind == "secret" and n.name == name)


@pytest.fixture
def sm(aws: str):
    return boto3.client("secretsmanager", region_name="us-east-1")


@pytest.fixture
def key(aws: str) -> dict:
    return boto3.client("kms", region_name="us-east-1").create_key(Description="secrets")["KeyMetadata"]


def test_a_secret_on_the_default_key_is_encrypted_but_not_with_a_customer_key(sm) -> None:
    sm.create_secret(Name="db", SecretString=VALUE)
    snapshot = _scan()
    node = _secret(snapshot, "db")
    assert node.native_type == "AWS::SecretsManager::Secret"
    assert node.props["encryption"] == {"at_rest": True, "key_id": None, "customer_managed": False}
    assert [e for e in snapshot.edges if e.kind == "encrypted_by"] == []


def test_naming_the_aws_managed_alias_is_not_a_customer_key(sm) -> None:
    sm.create_secret(Name="db", SecretString=VALUE, KmsKeyId="alias/aws/secretsmanager")
    assert _secret(_scan(), "db").props["encryption"]["customer_managed"] is False


def test_a_key_id_is_resolved_to_the_key_arn_with_an_encrypted_by_edge(sm, key) -> None:
    secret = sm.create_secret(Name="api", SecretString=VALUE, KmsKeyId=key["KeyId"])
    snapshot = _scan()
    node = _secret(snapshot, "api")
    assert node.props["encryption"] == {"at_rest": True, "key_id": key["Arn"], "customer_managed": True}
    assert (secret["ARN"], key["Arn"]) in {(e.source, e.target) for e in snapshot.edges if e.kind == "encrypted_by"}


def test_a_key_alias_is_resolved_to_the_key_it_points_at(sm, key) -> None:
    boto3.client("kms", region_name="us-east-1").create_alias(AliasName="alias/secrets", TargetKeyId=key["KeyId"])
    sm.create_secret(Name="api", SecretString=VALUE, KmsKeyId="alias/secrets")
    assert _secret(_scan(), "api").props["encryption"]["key_id"] == key["Arn"]


def test_the_key_of_a_secret_is_a_reference_when_kms_is_not_collected(sm, key) -> None:
    sm.create_secret(Name="api", SecretString=VALUE, KmsKeyId=key["Arn"])
    ref = _scan().node_index()[key["Arn"]]
    assert ref.kind == "kms.key" and ref.reference is True


def test_a_rotating_secret_reports_rotation_and_its_period(sm) -> None:
    sm.create_secret(Name="rotating", SecretString=VALUE)
    # moto accepts a schedule without a rotation function (AWS itself needs one, or managed rotation).
    sm.rotate_secret(SecretId="rotating", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    assert _secret(_scan(), "rotating").props["rotation"] == {"enabled": True, "period_days": 30}


def test_a_secret_without_rotation_reports_rotation_disabled(sm) -> None:
    sm.create_secret(Name="static", SecretString=VALUE)
    assert _secret(_scan(), "static").props["rotation"] == {"enabled": False, "period_days": None}


def test_the_secret_value_is_never_collected(sm) -> None:
    sm.create_secret(Name="db", SecretString=VALUE)
    assert VALUE.encode() not in msgspec.json.encode(_scan())


def test_secrets_are_contained_by_the_account(sm) -> None:
    arn = sm.create_secret(Name="db", SecretString=VALUE)["ARN"]
    assert ("arn:aws:iam::123456789012:root", arn) in {(e.source, e.target) for e in _scan().edges if e.kind == "contains"}


@pytest.mark.parametrize(
    ("rules", "days"),
    [
        ({"AutomaticallyAfterDays": 7}, 7),
        ({"ScheduleExpression": "rate(10 days)"}, 10),
        ({"ScheduleExpression": "rate(48 hours)"}, 2),
        ({"ScheduleExpression": "cron(0 16 1,15 * ? *)"}, None),
        ({}, None),
    ],
)
def test_rotation_period_comes_from_days_or_a_rate_schedule(rules: dict, days: int | None) -> None:
    assert rotation_period_days(rules) == days
