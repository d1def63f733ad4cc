"""The Azure part of the command line: scope, credential and export options, and collection from flags.

No Azure SDK is imported here at module level: the CLI builds its parser from
this module on every run, including runs that never touch Azure.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.errors import ProviderInputError

if TYPE_CHECKING:
    from cloudwarden.providers.azure.credentials import CredentialOptions
    from cloudwarden.providers.azure.scope import AzureScope

DEFAULT_WORKERS = 8


def add_options(parser: argparse.ArgumentParser) -> None:
    """Scope, credential and --from-export options of ``collect azure`` and ``scan azure``."""
    scope = parser.add_argument_group("Azure scope (default: every subscription the identity can list)")
    scope.add_argument("--subscription", action="append", default=[], metavar="ID",
                       help="subscription id to collect (repeatable)")
    scope.add_argument("--management-group", action="append", default=[], metavar="NAME",
                       help="collect the whole tree under this management group (repeatable)")
    scope.add_argument("--endpoint", metavar="URL",
                       help="Azure Resource Manager endpoint for sovereign clouds or private endpoints "
                            "(default: $CLOUDWARDEN_AZURE_ENDPOINT or https://management.azure.com)")
    scope.add_argument("--token-scope", metavar="SCOPE",
                       help="token audience for --endpoint when it is not a known cloud (default: <endpoint>/.default)")
    scope.add_argument("--ca-bundle", metavar="PEM", help="CA bundle to verify the endpoint's TLS certificate")
    scope.add_argument("--max-workers", type=int, default=DEFAULT_WORKERS, metavar="N",
                       help=f"parallel API calls (default {DEFAULT_WORKERS})")
    scope.add_argument("--from-export", action="extend", nargs="+", default=[], metavar="FILE",
                       help="read `az graph query -o json` output (resources, resourcecontainers, "
                            "authorizationresources) instead of calling Azure (one or more files; repeatable)")
    cred = parser.add_argument_group("Azure credentials (default: DefaultAzureCredential: environment, "
                                     "workload identity, managed identity, Azure CLI, ...)")
    cred.add_argument("--tenant", metavar="ID", help="Entra tenant to authenticate in")
    cred.add_argument("--authority-host", metavar="URL",
                      help="Entra (or ADFS) authority for sign-in, e.g. https://login.microsoftonline.us "
                           "(default: $AZURE_AUTHORITY_HOST, else the endpoint's cloud); a host Microsoft does not "
                           "list (Azure Stack, private clouds) is used without instance discovery")
    cred.add_argument("--client-id", metavar="ID",
                      help="service principal application id; the secret comes from AZURE_CLIENT_SECRET "
                           "or --client-certificate, never from the command line")
    cred.add_argument("--client-certificate", metavar="PEM",
                      help="certificate (with its private key) of --client-id; password in AZURE_CLIENT_CERTIFICATE_PASSWORD")
    cred.add_argument("--managed-identity", nargs="?", const="", default=None, metavar="CLIENT_ID",
                      help="use the managed identity of this machine (a user-assigned one by its client id)")


LIVE_ONLY = ("subscription", "management_group", "endpoint", "token_scope", "ca_bundle", "tenant", "authority_host",
             "client_id", "client_certificate", "managed_identity")


def collect_from_args(args: argparse.Namespace, tool_version: str,
                      progress: Callable[[int, int, str], None] | None = None) -> Snapshot:
    """Live collection, or the offline import when --from-export is given."""
    exports = list(getattr(args, "from_export", None) or [])
    if exports:
        given = [name for name in LIVE_ONLY if getattr(args, name, None) not in (None, [], False)]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ProviderInputError(f"--from-export reads files only; it cannot be combined with {flags}")
        from cloudwarden.providers.azure.export import collect_from_export

        return collect_from_export(exports, tool_version)
    from cloudwarden.providers.azure.collector import collect_azure

    return collect_azure(scope_from_args(args), tool_version, progress)


def scope_from_args(args: argparse.Namespace) -> AzureScope:
    """The ``AzureScope`` that parsed flags describe (with the sign-in authority and CA of the flags)."""
    workers = getattr(args, "max_workers", DEFAULT_WORKERS)
    if workers < 1:
        raise ProviderInputError("--max-workers must be at least 1")
    managed = getattr(args, "managed_identity", None)
    return _cli_scope_class()(
        subscriptions=list(getattr(args, "subscription", None) or []),
        management_groups=list(getattr(args, "management_group", None) or []),
        tenant=getattr(args, "tenant", None),
        client_id=getattr(args, "client_id", None),
        certificate=getattr(args, "client_certificate", None),
        managed_identity=managed is not None,
        managed_identity_client_id=managed or None,
        endpoint=getattr(args, "endpoint", None),
        token_scope=getattr(args, "token_scope", None),
        ca_bundle=getattr(args, "ca_bundle", None),
        max_workers=workers,
        authority_host=getattr(args, "authority_host", None),
    )


@functools.cache
def _cli_scope_class() -> type[AzureScope]:
    """``AzureScope`` plus the flags only sign-in needs (imported late: no Azure SDK at parser time)."""
    from cloudwarden.providers.azure.scope import AzureScope

    @dataclass
    class CliScope(AzureScope):
        """A scope whose credential options also carry ``--authority-host`` and ``--ca-bundle``."""

        authority_host: str | None = None

        def credential_options(self) -> CredentialOptions:
            """The credential part of the scope, with the authority host and the CA bundle."""
            return replace(super().credential_options(), authority_host=self.authority_host,
                           connection_verify=self.ca_bundle)

    CliScope.__qualname__ = "CliScope"
    return CliScope
