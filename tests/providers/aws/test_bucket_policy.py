"""Resource policy and ACL analysis (pure functions, no SDK)."""

from __future__ import annotations

import pytest

from cloudwarden.providers.aws.resource_policy import (
    allows_public,
    any_public,
    denies_insecure_transport,
    normalize_policy,
    public_acl_grants,
)

BUCKET = "arn:aws:s3:::data-bucket"


def _allow(principal: object = "*", condition: dict | None = None, **extra: object) -> dict:
    stmt = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*", **extra}
    if condition is not None:
        stmt["Condition"] = condition
    return normalize_policy({"Version": "2012-10-17", "Statement": stmt})


def _tls_deny(**overrides: object) -> dict:
    stmt = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [BUCKET, f"{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    stmt.update(overrides)
    return normalize_policy({"Version": "2012-10-17", "Statement": [stmt]})


def test_normalized_policy_lists_statements_and_writes_star_principal_as_aws_star() -> None:
    doc = _allow()
    assert isinstance(doc["Statement"], list)
    assert doc["Statement"][0]["Principal"] == {"AWS": ["*"]}
    assert doc["Statement"][0]["Action"] == ["s3:GetObject"]


def test_no_policy_normalizes_to_none_and_is_not_public() -> None:
    assert normalize_policy(None) is None
    assert allows_public(None) is False


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
def test_allow_to_everyone_without_condition_is_public(principal: object) -> None:
    assert allows_public(_allow(principal)) is True


def test_allow_with_not_principal_is_public() -> None:
    doc = normalize_policy({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                                           "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}]})
    assert allows_public(doc) is True


@pytest.mark.parametrize("principal", [{"Service": "cloudtrail.amazonaws.com"}, {"AWS": "arn:aws:iam::111122223333:root"}])
def test_allow_to_a_named_principal_is_not_public(principal: object) -> None:
    assert allows_public(_allow(principal)) is False


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        {"StringEquals": {"aws:SourceVpc": "vpc-111"}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
        {"StringEquals": {"AWS:SourceAccount": "111122223333"}},
        {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::upload-bucket"}},
        {"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}},
    ],
)
def test_condition_on_fixed_caller_or_network_values_makes_a_statement_not_public(condition: dict) -> None:
    assert allows_public(_allow(condition=condition)) is False


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"StringLike": {"aws:SourceArn": "*"}},
        {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
        {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
)
def test_condition_that_any_caller_can_satisfy_keeps_a_statement_public(condition: dict) -> None:
    assert allows_public(_allow(condition=condition)) is True


def test_deny_to_everyone_is_not_public() -> None:
    assert allows_public(_tls_deny()) is False


def test_deny_of_all_s3_actions_over_insecure_transport_is_tls_only() -> None:
    assert denies_insecure_transport(_tls_deny(), BUCKET) is True


@pytest.mark.parametrize(
    "overrides",
    [
        {"Action": "*"},
        {"Resource": "*"},
        {"Principal": {"AWS": "*"}},
        {"Condition": {"Bool": {"aws:SecureTransport": False}}},
        {"Condition": {"BoolIfExists": {"aws:SecureTransport": ["false"]}}},
    ],
)
def test_tls_only_accepts_equivalent_spellings(overrides: dict) -> None:
    assert denies_insecure_transport(_tls_deny(**overrides), BUCKET) is True


@pytest.mark.parametrize(
    "overrides",
    [
        {"Action": "s3:GetObject"},
        {"Resource": BUCKET},
        {"Resource": "arn:aws:s3:::other-bucket/*"},
        {"Effect": "Allow"},
        {"Principal": {"AWS": "arn:aws:iam::111122223333:root"}},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
    ],
)
def test_tls_only_needs_a_deny_to_everyone_of_all_actions_on_the_objects_without_tls(overrides: dict) -> None:
    assert denies_insecure_transport(_tls_deny(**overrides), BUCKET) is False


def test_acl_grants_to_all_users_or_authenticated_users_are_public() -> None:
    grants = [
        {"Grantee": {"Type": "CanonicalUser", "ID": "owner"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
         "Permission": "WRITE"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"},
    ]
    assert public_acl_grants(grants) == [
        {"grantee": "AllUsers", "permission": "READ"},
        {"grantee": "AuthenticatedUsers", "permission": "WRITE"},
    ]


def test_exposure_is_true_if_any_path_is_open_and_false_only_if_all_are_known_closed() -> None:
    assert any_public(False, True) is True
    assert any_public(None, True) is True
    assert any_public(False, None) is None
    assert any_public(False, False) is False
