"""The GCP normalizer: Cloud Asset Inventory records -> normalized nodes, edges and coverage gaps.

Pure: no SDK, no network. The live collector and the offline export import give
it the same records (``Asset`` dicts, snake_case or camelCase). Usage::

    partials = normalize(records)                  # list[Partial]
    snapshot = merge_partials(partials, version)   # graph/merge.py

Each asset type has a handler in one module per service family (``REGISTRY``);
records of the same resource (RESOURCE and IAM_POLICY content) are merged first.
Facts that need the whole estate (IAM bindings and roles, firewall evaluation,
public access, audit configs) are settled after every resource is built.
Mapping decisions are written down in docs/architecture-notes/gcp-model.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from cloudwarden.graph.merge import Partial
from cloudwarden.providers.gcp.data import complete_role_names
from cloudwarden.providers.gcp.normalize import (
    ai,
    compute,
    functions,
    hierarchy,
    kms,
    logging,
    network,
    roles,
    service_accounts,
    sql,
    storage,
)
from cloudwarden.providers.gcp.normalize.assets import Asset, merge_assets
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.hierarchy import organization_of
from cloudwarden.providers.gcp.normalize.iam import (
    apply_audit_logging,
    apply_policies,
    policy_public,
    public_members,
    scope_of,
)
from cloudwarden.providers.gcp.normalize.resources import resource_node

Handler = Callable[[Builder, Asset], None]

# asset type -> (service family, kind, handler)
REGISTRY: dict[str, tuple[str, str, Handler]] = {}


def _register(family: str, kinds: dict[str, str], handlers: dict[str, Handler]) -> None:
    for asset_type, handler in handlers.items():
        REGISTRY[asset_type] = (family, kinds.get(asset_type, ""), handler)


_register("resourcemanager", {hierarchy.ORGANIZATION: "org.unit", hierarchy.FOLDER: "org.unit",
                              hierarchy.PROJECT: "account", hierarchy.COMPUTE_PROJECT: "account"}, hierarchy.HANDLERS)
_register("iam", {roles.ROLE: "identity.policy", service_accounts.SERVICE_ACCOUNT: "identity.service_account"},
          {**roles.HANDLERS, **service_accounts.HANDLERS})
_register("compute", {compute.INSTANCE: "compute.instance", compute.DISK: "compute.disk",
                      compute.REGION_DISK: "compute.disk"}, compute.HANDLERS)
_register("network", {network.NETWORK: "network.vpc", network.SUBNETWORK: "network.subnet",
                      network.FIREWALL: "network.firewall", network.ROUTE: "network.route_table",
                      network.ADDRESS: "network.public_ip", network.GLOBAL_ADDRESS: "network.public_ip",
                      network.FORWARDING_RULE: "network.load_balancer",
                      network.GLOBAL_FORWARDING_RULE: "network.load_balancer"}, network.HANDLERS)
_register("storage", {storage.BUCKET: "storage.bucket"}, storage.HANDLERS)
_register("kms", {kms.KEY_RING: "kms.vault", kms.CRYPTO_KEY: "kms.key", kms.SECRET: "secret"}, kms.HANDLERS)
_register("sql", {sql.INSTANCE: "database.instance"}, sql.HANDLERS)
_register("aiplatform", {ai.ENDPOINT: "ai.endpoint", ai.MODEL: "ai.model", ai.CUSTOM_JOB: "ai.training_job",
                         ai.TRAINING_PIPELINE: "ai.training_job", ai.NOTEBOOK: "ai.notebook",
                         ai.RUNTIME: "ai.notebook"}, ai.HANDLERS)
_register("functions", {functions.FUNCTION_V1: "compute.function", functions.FUNCTION_V2: "compute.function",
                        functions.RUN_SERVICE: "compute.function"}, functions.HANDLERS)
_register("logging", {logging.LOG_SINK: "logging.trail"}, logging.HANDLERS)

# Handled when present but not asked of Cloud Asset Inventory: not every CAI deployment lists managed
# notebook runtimes, and an asset-type filter naming an unsupported type fails the whole request.
_HANDLED_ONLY = frozenset({ai.RUNTIME})
ASSET_TYPES: tuple[str, ...] = tuple(sorted(t for t in REGISTRY if t not in _HANDLED_ONLY))
FIRST = (hierarchy.ORGANIZATION, hierarchy.FOLDER, hierarchy.PROJECT)
SECOND = (hierarchy.COMPUTE_PROJECT, service_accounts.SERVICE_ACCOUNT)
# Kinds whose ``public`` facet is their own IAM policy alone (others settle it with more facts).
_IAM_PUBLIC_KINDS = frozenset({"ai.endpoint", "ai.model", "ai.notebook", "ai.training_job", "secret", "kms.key",
                               "kms.vault", "identity.service_account"})


def PREDEFINED_ROLES() -> frozenset[str]:
    """Predefined roles whose full permission list ships with cloudwarden (the collector need not read them)."""
    return complete_role_names()


def _handle(b: Builder, asset: Asset) -> None:
    family, kind, handler = REGISTRY[asset.asset_type]
    account = b.project_of(asset) or organization_of(asset)
    with b.producing(account, family):
        if asset.has_resource or asset.asset_type in FIRST:
            handler(b, asset)
        elif kind and asset.asset_type not in (roles.ROLE, hierarchy.COMPUTE_PROJECT) and asset.name not in b.nodes:
            resource_node(b, asset, kind, {})  # only its IAM policy is known: facets stay unknown


def _org_policies(b: Builder) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    for asset in b.assets:
        if asset.org_policies:
            found.setdefault(scope_of(b, asset), []).extend(asset.org_policies)
    b.shared["org_policies"] = found


def _iam_public(b: Builder) -> None:
    for node in list(b.nodes.values()):
        if node.cloud == "gcp" and not node.reference and node.kind in _IAM_PUBLIC_KINDS:
            node.props["public"] = policy_public(b, node.id)
            node.props["public_members"] = public_members(b, node.id)


def normalize(assets: Iterable[dict[str, Any]], *, now: datetime | None = None,
              source: str | None = None) -> list[Partial]:
    """Normalize Cloud Asset Inventory records into partials (one per project, service family and region).

    ``assets``: ``Asset`` dicts in any spelling the tools produce; records of the
    same resource name merge. ``now``: the reference time for ages (key age),
    default the current time. ``source`` (e.g. ``"export"``): added to every
    project's ``Source.services`` to say how the snapshot was made. Unknown asset
    types are ignored.
    """
    b = Builder(merge_assets(assets), now or datetime.now(UTC))
    ordered = [a for t in FIRST for a in b.by_type.get(t, [])]
    for asset in ordered:
        _handle(b, asset)
    hierarchy.ensure_projects(b)
    ordered = [a for t in SECOND for a in b.by_type.get(t, [])]
    ordered += [a for a in b.assets if a.asset_type in REGISTRY and a.asset_type not in FIRST + SECOND]
    for asset in ordered:
        _handle(b, asset)
    _org_policies(b)
    apply_policies(b)
    service_accounts.apply_keys(b)
    network.settle_firewalls(b)
    compute.settle_instances(b)
    storage.settle_buckets(b)
    functions.settle_functions(b)
    _iam_public(b)
    logging.settle_sinks(b)
    apply_audit_logging(b)
    partials = b.partials()
    if source:
        partials += [Partial("gcp", account, None, source) for account in sorted({p.account for p in partials})]
    return partials


__all__ = ["ASSET_TYPES", "PREDEFINED_ROLES", "REGISTRY", "normalize"]
