"""End to end through moto: IAM, S3 and KMS built with boto3, collected, then can_access / can_assume derived."""

from __future__ import annotations

import json

import boto3
from cloudwarden.graph.analyzers import aws_can_access, aws_can_assume
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _derive() -> dict[tuple[str, str, str], dict]:
    snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=["iam", "s3", "kms"]), "t")
    graph = EstateGraph(snapshot)
    edges = [*aws_can_access.run(graph), *aws_can_assume.run(graph)]
    return {(e.source, e.target, e.kind): e.detail for e in edges}


def test_scoped_reader_reaches_its_bucket_and_the_key_only_through_the_key_policy(aws: str) -> None:
    iam = boto3.client("iam")
    s3 = boto3.client("s3", region_name="us-east-1")
    kms = boto3.client("kms", region_name="us-east-1")
    s3.create_bucket(Bucket="reports")
    s3.create_bucket(Bucket="payroll")
    delegated = kms.create_key()["KeyMetadata"]["Arn"]  # moto's default policy delegates to the account
    closed = kms.create_key(Policy=_document({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/nobody"},
                                              "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]["Arn"]
    reader = iam.create_user(UserName="reader")["User"]["Arn"]
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=_document(
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}))

    edges = _derive()

    reports = edges[(reader, "arn:aws:s3:::reports", "can_access")]
    assert reports["levels"] == ["list", "read"]
    assert (reader, "arn:aws:s3:::payroll", "can_access") not in edges
    assert edges[(reader, delegated, "can_access")]["actions"] == ["kms:decrypt"]
    assert (reader, closed, "can_access") not in edges


def test_admin_user_collapses_to_its_account_and_roles_follow_their_trust(aws: str) -> None:
    iam = boto3.client("iam")
    admin = iam.create_user(UserName="admin")["User"]["Arn"]
    iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))
    dev = iam.create_user(UserName="dev")["User"]["Arn"]
    app = iam.create_role(RoleName="app", AssumeRolePolicyDocument=_document(
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    web = iam.create_role(RoleName="web", AssumeRolePolicyDocument=_document(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    vendor = iam.create_role(RoleName="vendor", AssumeRolePolicyDocument=_document(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]

    edges = _derive()

    assert edges[(admin, ROOT, "can_access")]["admin"] is True
    assert not any(s == admin and k == "can_access" and t != ROOT for s, t, k in edges)
    assert (admin, app, "can_assume") in edges  # the root trust lets IAM decide, and admin may
    assert (dev, app, "can_assume") not in edges  # dev has no sts:AssumeRole
    assert ("service:ec2.amazonaws.com", web, "can_assume") in edges
    trust = edges[(vendor, "arn:aws:iam::444455556666:root", "trusts")]
    assert (trust["third_party"], trust["whole_account"], trust["external_id"]) == (True, True, False)


def test_bucket_policy_grant_and_explicit_deny_survive_collection(aws: str) -> None:
    iam = boto3.client("iam")
    s3 = boto3.client("s3", region_name="us-east-1")
    analyst = iam.create_user(UserName="analyst")["User"]["Arn"]
    iam.put_user_policy(UserName="analyst", PolicyName="s3", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::vault", "arn:aws:s3:::vault/*"]}))
    auditor = iam.create_user(UserName="auditor")["User"]["Arn"]
    s3.create_bucket(Bucket="vault")
    s3.create_bucket(Bucket="shared")
    s3.put_bucket_policy(Bucket="shared", Policy=_document(
        {"Effect": "Allow", "Principal": {"AWS": auditor}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}))

    edges = _derive()

    assert (analyst, "arn:aws:s3:::vault", "can_access") not in edges
    assert "s3:*" in edges[(analyst, "arn:aws:s3:::shared", "can_access")]["actions"]
    auditor_edge = edges[(auditor, "arn:aws:s3:::shared", "can_access")]
    assert auditor_edge["actions"] == ["s3:getobject"]
    assert auditor_edge["statements"][0]["kind"] == "resource"
