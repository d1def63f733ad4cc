"""The clouds the command line can collect, each through its provider's ``command`` module.

A provider's ``command`` module offers ``add_options(parser)`` and
``collect_from_args(args, tool_version, progress) -> Snapshot``; adding a cloud
is one line here. Modules are imported on use, so ``--help`` and snapshot
scans never load a cloud SDK.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PROVIDERS: dict[str, tuple[str, str]] = {
    "aws": ("cloudwarden.providers.aws.command", "AWS through boto3"),
    "azure": ("cloudwarden.providers.azure.command", "Azure through azure-identity and azure-mgmt-*"),
    "gcp": ("cloudwarden.providers.gcp.command", "Google Cloud through the google-cloud-* libraries"),
}


def provider_command(cloud: str) -> ModuleType:
    """The ``command`` module of a cloud's provider."""
    return importlib.import_module(PROVIDERS[cloud][0])
