"""S3 collection through boto3 against moto."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import boto3
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope
from cloudwarden.providers.aws.services.s3 import effective_flags

ACCOUNT = "123456789012"
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@pytest.fixture
def s3_env(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto with s3control reachable.

    botocore sends s3control calls to ``<account>.<endpoint host>``, i.e.
    ``123456789012.127.0.0.1``, which no resolver knows; for these tests only,
    such names resolve to 127.0.0.1 (moto routes by the request, not the host).
    """
    real = socket.getaddrinfo

    def resolve(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str) and host.endswith(".127.0.0.1"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield aws


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=["us-east-1"], services=["s3"]), "test")


def _bucket(snapshot: Snapshot, name: str):
    return snapshot.node_index()[f"arn:aws:s3:::{name}"]


def _make_bucket(name: str, region: str = "us-east-1"):
    s3 = boto3.client("s3", region_name=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return s3


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_bucket_without_default_encryption_is_not_encrypted_at_rest(s3_env: str) -> None:
    _make_bucket("plain-bucket")
    enc = _bucket(_collect(), "plain-bucket").props["encryption"]
    assert enc["at_rest"] is False
    assert enc["customer_managed"] is False


def test_bucket_encrypted_with_a_customer_key_is_customer_managed_and_linked_to_the_key(s3_env: str) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]
    _make_bucket("kms-bucket").put_bucket_encryption(
        Bucket="kms-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["KeyId"]}}]
        },
    )
    snapshot = _collect()
    enc = _bucket(snapshot, "kms-bucket").props["encryption"]
    assert (enc["at_rest"], enc["customer_managed"], enc["key_id"]) == (True, True, key["Arn"])
    assert ("arn:aws:s3:::kms-bucket", key["Arn"], "encrypted_by") in {e.key for e in snapshot.edges}


def test_sse_s3_bucket_is_encrypted_but_not_with_a_customer_key(s3_env: str) -> None:
    _make_bucket("sse-bucket").put_bucket_encryption(
        Bucket="sse-bucket",
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    enc = _bucket(_collect(), "sse-bucket").props["encryption"]
    assert (enc["at_rest"], enc["customer_managed"]) == (True, False)


def test_public_read_acl_makes_the_bucket_public_by_acl(s3_env: str) -> None:
    _make_bucket("acl-bucket").put_bucket_acl(Bucket="acl-bucket", ACL="public-read")
    props = _bucket(_collect(), "acl-bucket").props
    assert props["public_by_acl"] is True
    assert props["public"] is True


def test_public_acl_is_neutralized_when_the_bucket_ignores_public_acls(s3_env: str) -> None:
    s3 = _make_bucket("ignored-acl-bucket")
    s3.put_bucket_acl(Bucket="ignored-acl-bucket", ACL="public-read")
    s3.put_public_access_block(Bucket="ignored-acl-bucket", PublicAccessBlockConfiguration=ALL_BLOCKED)
    assert _bucket(_collect(), "ignored-acl-bucket").props["public_by_acl"] is False


def test_policy_allowing_everyone_makes_the_bucket_public_by_policy(s3_env: str) -> None:
    _make_bucket("open-policy-bucket").put_bucket_policy(
        Bucket="open-policy-bucket",
        Policy=_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::open-policy-bucket/*"}),
    )
    props = _bucket(_collect(), "open-policy-bucket").props
    assert props["public_by_policy"] is True
    assert props["policy"]["Statement"][0]["Principal"] == {"AWS": ["*"]}


def test_policy_restricted_to_a_vpc_endpoint_is_not_public(s3_env: str) -> None:
    _make_bucket("vpce-bucket").put_bucket_policy(
        Bucket="vpce-bucket",
        Policy=_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::vpce-bucket/*",
                        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}),
    )
    props = _bucket(_collect(), "vpce-bucket").props
    assert props["public_by_policy"] is False
    assert props["public"] is False


def test_policy_denying_insecure_transport_makes_the_bucket_tls_only(s3_env: str) -> None:
    _make_bucket("tls-bucket").put_bucket_policy(
        Bucket="tls-bucket",
        Policy=_policy({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::tls-bucket", "arn:aws:s3:::tls-bucket/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
    )
    props = _bucket(_collect(), "tls-bucket").props
    assert props["tls_only"] is True
    assert props["encryption"]["in_transit"] is True


def test_bucket_without_policy_is_not_tls_only(s3_env: str) -> None:
    _make_bucket("no-policy-bucket")
    assert _bucket(_collect(), "no-policy-bucket").props["tls_only"] is False


def test_account_block_makes_every_bucket_flag_effective_and_is_patched_on_the_account(s3_env: str) -> None:
    _make_bucket("account-blocked-bucket").put_bucket_acl(Bucket="account-blocked-bucket", ACL="public-read")
    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=ALL_BLOCKED
    )
    snapshot = _collect()
    props = _bucket(snapshot, "account-blocked-bucket").props
    assert set(props["public_access_block"].values()) == {True}
    assert props["public_by_acl"] is False
    account = snapshot.node_index()[f"arn:aws:iam::{ACCOUNT}:root"]
    assert set(account.props["public_access_block"].values()) == {True}


def test_bucket_without_any_block_has_all_flags_false(s3_env: str) -> None:
    _make_bucket("unblocked-bucket")
    snapshot = _collect()
    assert set(_bucket(snapshot, "unblocked-bucket").props["public_access_block"].values()) == {False}
    account = snapshot.node_index()[f"arn:aws:iam::{ACCOUNT}:root"]
    assert set(account.props["public_access_block"].values()) == {False}


def test_unreadable_account_block_leaves_unset_bucket_flags_unknown() -> None:
    bucket = {"block_public_acls": True, "ignore_public_acls": False,
              "block_public_policy": False, "restrict_public_buckets": False}
    assert effective_flags(bucket, None) == {"block_public_acls": True, "ignore_public_acls": None,
                                              "block_public_policy": None, "restrict_public_buckets": None}


def test_versioning_enabled_is_reported(s3_env: str) -> None:
    _make_bucket("versioned-bucket").put_bucket_versioning(
        Bucket="versioned-bucket", VersioningConfiguration={"Status": "Enabled"}
    )
    _make_bucket("unversioned-bucket")
    snapshot = _collect()
    assert _bucket(snapshot, "versioned-bucket").props["versioning"] == {"enabled": True, "mfa_delete": False}
    assert _bucket(snapshot, "unversioned-bucket").props["versioning"]["enabled"] is False


def test_access_logging_reports_its_target_bucket(s3_env: str) -> None:
    _make_bucket("log-target-bucket")
    s3 = _make_bucket("logged-bucket")
    s3.put_bucket_acl(Bucket="log-target-bucket", GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
                      GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery")
    s3.put_bucket_logging(Bucket="logged-bucket", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "log-target-bucket", "TargetPrefix": "logs/"}})
    props = _bucket(_collect(), "logged-bucket").props
    assert props["logging"] == {"enabled": True, "target_bucket": "log-target-bucket"}


def test_bucket_in_another_region_is_read_there_and_carries_its_region(s3_env: str) -> None:
    _make_bucket("eu-bucket", region="eu-west-1").put_bucket_versioning(
        Bucket="eu-bucket", VersioningConfiguration={"Status": "Enabled"}
    )
    node = _bucket(_collect(), "eu-bucket")
    assert node.region == "eu-west-1"
    assert node.props["versioning"]["enabled"] is True


def test_account_contains_its_buckets_and_tags_are_collected(s3_env: str) -> None:
    _make_bucket("tagged-bucket").put_bucket_tagging(
        Bucket="tagged-bucket", Tagging={"TagSet": [{"Key": "data-classification", "Value": "confidential"}]}
    )
    snapshot = _collect()
    assert _bucket(snapshot, "tagged-bucket").tags == {"data-classification": "confidential"}
    assert (f"arn:aws:iam::{ACCOUNT}:root", "arn:aws:s3:::tagged-bucket", "contains") in {e.key for e in snapshot.edges}
    assert not snapshot.coverage_gaps()
