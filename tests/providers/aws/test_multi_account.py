"""Several accounts in one run: Organizations lists them, a named role is assumed in each."""

from __future__ import annotations

import boto3
import pytest

from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.errors import AwsCredentialsError
from cloudwarden.providers.aws.scope import AwsScope

ROLE = "arn:aws:iam::{account}:role/Audit"


def _member_account() -> str:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    return status["AccountId"]


def _session_in(account: str) -> boto3.Session:
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=ROLE.format(account=account), RoleSessionName="setup")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def test_organization_accounts_are_each_scanned_through_the_role(aws: str) -> None:
    member = _member_account()
    _session_in(member).client("kms").create_key(Description="member key")
    snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=["kms"], organization=True, role_arn=ROLE), "t")
    assert {s.account for s in snapshot.sources} == {"123456789012", member}
    assert [n.account for n in snapshot.nodes if n.kind == "kms.key"] == [member]


def test_listed_accounts_are_scanned_without_organizations(aws: str) -> None:
    snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=["kms"], accounts=["111111111111"],
                                    role_arn=ROLE), "t")
    assert [s.account for s in snapshot.sources] == ["111111111111"]
    assert any(n.kind == "account" and n.account == "111111111111" for n in snapshot.nodes)


def test_other_accounts_without_a_role_are_refused(aws: str) -> None:
    with pytest.raises(AwsCredentialsError, match="--role-arn"):
        collect_aws(AwsScope(regions=["us-east-1"], services=["kms"], accounts=["111111111111"]), "t")
