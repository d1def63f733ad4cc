"""The AWS part of the command line: scope and credential options, and collection from parsed flags."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.errors import ProviderInputError


def add_options(parser: argparse.ArgumentParser) -> None:
    """Scope and credential options of ``collect aws`` and ``scan aws`` (standard boto3 chain)."""
    group = parser.add_argument_group("AWS scope and credentials (standard boto3 chain)")
    group.add_argument("--profile", help="named profile from the AWS config (SSO profiles work)")
    group.add_argument("--region", action="append", default=[], metavar="REGION",
                       help="region to collect (repeatable; default: the account's enabled regions)")
    group.add_argument("--account", action="append", default=[], metavar="ID",
                       help="account to scan through --role-arn (repeatable)")
    group.add_argument("--organization", action="store_true",
                       help="scan every active account of the organization (through --role-arn)")
    group.add_argument("--role-arn", help="role to assume in each account, e.g. arn:aws:iam::{account}:role/Audit")
    group.add_argument("--external-id", help="external id for --role-arn")
    group.add_argument("--service", action="append", default=[], metavar="NAME",
                       help="collect only these services (repeatable; default: all)")
    group.add_argument("--max-workers", type=int, default=16, help="parallel API tasks (default 16)")


def collect_from_args(args: argparse.Namespace, tool_version: str,
                      progress: Callable[[int, int, str], None] | None = None) -> Snapshot:
    """Collect the accounts, regions and services the flags name."""
    from cloudwarden.providers.aws.collector import collect_aws
    from cloudwarden.providers.aws.scope import AwsScope

    if args.max_workers < 1:
        raise ProviderInputError("--max-workers must be at least 1")
    if args.organization and not args.role_arn:
        raise ProviderInputError("--organization needs --role-arn to enter each account")
    scope = AwsScope(
        profile=args.profile, regions=args.region, accounts=args.account, organization=args.organization,
        role_arn=args.role_arn, external_id=args.external_id, services=args.service, max_workers=args.max_workers,
    )
    return collect_aws(scope, tool_version, progress)
