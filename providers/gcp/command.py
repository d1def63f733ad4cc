"""The GCP part of the command line: scope, credential and endpoint options, and collection from parsed flags."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.errors import ProviderInputError


def add_options(parser: argparse.ArgumentParser) -> None:
    """Scope, credential and ``--from-export`` options of ``collect gcp`` and ``scan gcp``."""
    scope = parser.add_argument_group("GCP scope (default: every project the credentials can see)")
    scope.add_argument("--organization", action="append", default=[], metavar="ID",
                       help="scan an organization (numeric id; repeatable)")
    scope.add_argument("--folder", action="append", default=[], metavar="ID",
                       help="scan a folder and everything under it (numeric id; repeatable)")
    scope.add_argument("--project", action="append", default=[], metavar="ID",
                       help="scan a project (project ID or number; repeatable)")
    scope.add_argument("--asset-type", action="append", default=[], metavar="TYPE",
                       help="collect only these Cloud Asset Inventory types, e.g. storage.googleapis.com/Bucket "
                       "(repeatable; default: every type cloudwarden normalizes)")
    creds = parser.add_argument_group("GCP credentials (default: Application Default Credentials)")
    creds.add_argument("--key-file", metavar="FILE",
                       help="service-account JSON key (or another google-auth credential file)")
    creds.add_argument("--impersonate-service-account", metavar="EMAIL",
                       help="act as this service account (needs roles/iam.serviceAccountTokenCreator on it)")
    creds.add_argument("--quota-project", metavar="ID",
                       help="project billed for API quota (needed by user ADC for Cloud Asset Inventory)")
    creds.add_argument("--endpoint", metavar="URL",
                       help="API endpoint for every Google API, '{service}' standing for the API's short name "
                       "(default: $CLOUDWARDEN_GCP_ENDPOINT, else Google's public endpoints)")
    parser.add_argument("--from-export", action="extend", nargs="+", default=[], metavar="FILE",
                        help="read Cloud Asset Inventory export files (gcloud asset export NDJSON or "
                        "gcloud asset list --format=json) instead of calling the APIs (repeatable)")
    parser.add_argument("--max-workers", type=int, default=8, metavar="N", help="parallel API calls (default 8)")


def _live_flags(args: argparse.Namespace) -> list[str]:
    named = {"--organization": args.organization, "--folder": args.folder, "--project": args.project,
             "--key-file": args.key_file, "--impersonate-service-account": args.impersonate_service_account,
             "--endpoint": args.endpoint, "--quota-project": args.quota_project, "--asset-type": args.asset_type}
    return [flag for flag, value in named.items() if value]


def collect_from_args(args: argparse.Namespace, tool_version: str,
                      progress: Callable[[int, int, str], None] | None = None) -> Snapshot:
    """Live collection of the scopes the flags name, or the offline import when ``--from-export`` is given."""
    if args.from_export:
        conflicting = _live_flags(args)
        if conflicting:
            raise ProviderInputError(f"--from-export reads files only; drop {', '.join(conflicting)}")
        from cloudwarden.providers.gcp.export import collect_from_export

        return collect_from_export(list(args.from_export), tool_version)
    if args.max_workers < 1:
        raise ProviderInputError("--max-workers must be at least 1")
    from cloudwarden.providers.gcp.collector import collect_gcp
    from cloudwarden.providers.gcp.scope import GcpScope

    scope = GcpScope(
        organizations=list(args.organization), folders=list(args.folder), projects=list(args.project),
        key_file=args.key_file, impersonate_service_account=args.impersonate_service_account,
        endpoint=args.endpoint, quota_project=args.quota_project, asset_types=list(args.asset_type),
        max_workers=args.max_workers,
    )
    return collect_gcp(scope, tool_version, progress)
