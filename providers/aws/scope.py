"""Which accounts and regions an AWS run covers, and the sessions to reach them."""

from __future__ import annotations

from dataclasses import dataclass, field

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.providers.aws.context import CLIENT_CONFIG, AccountSession
from cloudwarden.providers.aws.errors import AwsCredentialsError, error_code

DEFAULT_HOME_REGION = "us-east-1"


@dataclass
class AwsScope:
    """What the user asked to collect (CLI flags of ``collect aws`` / ``scan aws``)."""

    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    organization: bool = False
    role_arn: str | None = None
    external_id: str | None = None
    services: list[str] = field(default_factory=list)
    max_workers: int = 16


def base_session(scope: AwsScope) -> boto3.Session:
    """A session from the standard credential chain (profile, environment, SSO, instance role)."""
    try:
        session = boto3.Session(profile_name=scope.profile) if scope.profile else boto3.Session()
    except BotoCoreError as exc:  # ProfileNotFound and friends
        raise AwsCredentialsError(str(exc)) from exc
    return session


def caller_account(session: boto3.Session, region: str) -> tuple[str, str]:
    """(account id, partition) of the session's identity; a credentials problem is an AwsCredentialsError."""
    try:
        ident = session.client("sts", region_name=region, config=CLIENT_CONFIG).get_caller_identity()
    except ClientError as exc:
        raise AwsCredentialsError(f"credentials rejected by STS: {error_code(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsCredentialsError(f"no usable AWS credentials: {exc}") from exc
    arn = ident["Arn"]
    return ident["Account"], arn.split(":")[1]


def home_region(session: boto3.Session) -> str:
    """The region for global endpoints: the session's configured region or us-east-1."""
    return session.region_name or DEFAULT_HOME_REGION


def organization_accounts(session: boto3.Session, region: str) -> list[str]:
    """Active member accounts of the caller's organization (needs the management or a delegated account)."""
    client = session.client("organizations", region_name=region, config=CLIENT_CONFIG)
    try:
        accounts: list[str] = []
        for page in client.get_paginator("list_accounts").paginate():
            accounts.extend(a["Id"] for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE")
        return sorted(accounts)
    except ClientError as exc:
        raise AwsCredentialsError(f"cannot list organization accounts: {error_code(exc)}") from exc


def assume_account(base: boto3.Session, scope: AwsScope, account: str, region: str) -> boto3.Session:
    """A session in ``account`` through ``--role-arn`` (with its ``{account}`` placeholder)."""
    assert scope.role_arn
    role_arn = scope.role_arn.replace("{account}", account)
    params = {"RoleArn": role_arn, "RoleSessionName": "cloudwarden"}
    if scope.external_id:
        params["ExternalId"] = scope.external_id
    try:
        creds = base.client("sts", region_name=region, config=CLIENT_CONFIG).assume_role(**params)["Credentials"]
    except ClientError as exc:
        raise AwsCredentialsError(f"cannot assume {role_arn}: {error_code(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsCredentialsError(f"cannot assume {role_arn}: {exc}") from exc
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def account_sessions(scope: AwsScope) -> tuple[list[AccountSession], str]:
    """One session per account to scan, and the home region used for global services."""
    base = base_session(scope)
    region = home_region(base)
    own_account, partition = caller_account(base, region)
    accounts = list(scope.accounts)
    if scope.organization:
        accounts = sorted(set(accounts) | set(organization_accounts(base, region)))
    if not accounts:
        return [AccountSession(base, own_account, partition)], region
    if not scope.role_arn:
        if accounts != [own_account]:
            raise AwsCredentialsError("scanning other accounts needs --role-arn (e.g. arn:aws:iam::{account}:role/Audit)")
        return [AccountSession(base, own_account, partition)], region
    sessions = []
    for account in accounts:
        sessions.append(AccountSession(assume_account(base, scope, account, region), account, partition))
    return sessions, region


def enabled_regions(session: AccountSession, region: str) -> list[str]:
    """The account's enabled regions (opted-in or not requiring opt-in)."""
    client = session.client("ec2", region)
    try:
        resp = client.describe_regions(
            Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required", "opted-in"]}]
        )
    except ClientError as exc:
        raise AwsCredentialsError(f"cannot list enabled regions ({error_code(exc)}); pass --region") from exc
    return sorted(r["RegionName"] for r in resp["Regions"])
