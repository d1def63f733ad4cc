"""Azure records -> normalized nodes and edges: one pure function, ``normalize``.

Input: ARM resource dicts as Resource Graph returns them (``resources``,
``resourcecontainers`` and ``authorizationresources`` rows), plus the child
records the live collector adds for facts Resource Graph lacks (SQL firewall
rules, TDE, Key Vault keys, blob services, diagnostic settings, deny
assignments). The live collector and the offline export import feed the same
shapes. Output: ``Partial``s (one per subscription and family, one for the
tenant) that ``graph.merge.merge_partials`` turns into a snapshot.

``REGISTRY`` maps a lower-case ARM ``type`` to its handler; a handler of
``None`` marks a child record its parent's handler reads. Records of other types
are skipped and counted (logged at info).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudwarden.graph.merge import Partial
from cloudwarden.providers.azure.normalize import (
    authorization,
    cognitive,
    compute,
    containers,
    coverage,
    identity,
    keyvault,
    ml,
    monitor,
    network,
    network_nic,
    sql,
    storage,
)
from cloudwarden.providers.azure.normalize.context import Context
from cloudwarden.providers.azure.normalize.coverage import DETAIL_FACTS

log = logging.getLogger("cloudwarden.azure.normalize")

Handler = Callable[[dict[str, Any], Context], None]


@dataclass(frozen=True)
class TypeSpec:
    """An ARM type as Azure spells it, and the function that normalizes its records (None: read by a parent)."""

    native_type: str
    handler: Handler | None


_SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("Microsoft.Management/managementGroups", containers.handle_management_group),
    TypeSpec("Microsoft.Resources/subscriptions", containers.handle_subscription),
    TypeSpec("Microsoft.Resources/subscriptions/resourceGroups", containers.handle_resource_group),
    TypeSpec("Microsoft.Authorization/roleDefinitions", authorization.handle_role_definition),
    TypeSpec("Microsoft.Authorization/roleAssignments", authorization.handle_role_assignment),
    TypeSpec("Microsoft.Authorization/denyAssignments", authorization.handle_deny_assignment),
    TypeSpec("Microsoft.ManagedIdentity/userAssignedIdentities", identity.handle_user_assigned),
    TypeSpec("Microsoft.Network/virtualNetworks", network.handle_vnet),
    TypeSpec("Microsoft.Network/virtualNetworks/subnets", network.handle_subnet),
    TypeSpec("Microsoft.Network/networkSecurityGroups", network.handle_nsg),
    TypeSpec("Microsoft.Network/routeTables", network.handle_route_table),
    TypeSpec("Microsoft.Network/natGateways", network.handle_nat_gateway),
    TypeSpec("Microsoft.Network/networkInterfaces", network_nic.handle_nic),
    TypeSpec("Microsoft.Network/publicIPAddresses", network_nic.handle_public_ip),
    TypeSpec("Microsoft.Network/loadBalancers", network_nic.handle_load_balancer),
    TypeSpec("Microsoft.Compute/virtualMachines", compute.handle_vm),
    TypeSpec("Microsoft.Compute/disks", compute.handle_disk),
    TypeSpec("Microsoft.Compute/diskEncryptionSets", None),
    TypeSpec("Microsoft.Web/sites", compute.handle_site),
    TypeSpec("Microsoft.Automation/automationAccounts", compute.handle_automation_account),
    TypeSpec("Microsoft.Storage/storageAccounts", storage.handle_account),
    TypeSpec("Microsoft.Storage/storageAccounts/blobServices", None),
    TypeSpec("Microsoft.Storage/storageAccounts/blobServices/containers", None),
    TypeSpec("Microsoft.KeyVault/vaults", keyvault.handle_vault),
    TypeSpec("Microsoft.KeyVault/vaults/keys", keyvault.handle_key),
    TypeSpec("Microsoft.KeyVault/vaults/secrets", keyvault.handle_secret),
    TypeSpec("Microsoft.Sql/servers", sql.handle_server),
    TypeSpec("Microsoft.Sql/servers/databases", None),
    TypeSpec("Microsoft.Sql/servers/firewallRules", None),
    TypeSpec("Microsoft.Sql/servers/databases/transparentDataEncryption", None),
    TypeSpec("Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies", None),
    TypeSpec("Microsoft.Sql/servers/encryptionProtector", None),
    TypeSpec("Microsoft.Sql/servers/auditingSettings", None),
    TypeSpec("Microsoft.CognitiveServices/accounts", cognitive.handle_account),
    TypeSpec("Microsoft.MachineLearningServices/workspaces", ml.handle_workspace),
    TypeSpec("Microsoft.MachineLearningServices/workspaces/computes", ml.handle_compute),
    TypeSpec("Microsoft.MachineLearningServices/workspaces/onlineEndpoints", ml.handle_online_endpoint),
    TypeSpec("Microsoft.MachineLearningServices/workspaces/models", ml.handle_model),
    TypeSpec("Microsoft.MachineLearningServices/workspaces/models/versions", None),
    TypeSpec("Microsoft.Insights/diagnosticSettings", monitor.handle_setting),
)

# The child record kinds Resource Graph lacks, lower-case: what a live collector declares it fetched.
DETAIL_TYPES: frozenset[str] = frozenset(fact.child.lower() for fact in DETAIL_FACTS)

REGISTRY: dict[str, TypeSpec] = {spec.native_type.lower(): spec for spec in _SPECS}

# Types whose records become nodes of their own (so children hang under them).
_NODE_TYPES: frozenset[str] = frozenset(
    key for key, spec in REGISTRY.items()
    if spec.handler is not None and not key.startswith("microsoft.authorization/")
)


def normalize(
    records: Iterable[dict[str, Any]],
    *,
    source: str = "resource-graph",
    collected_types: Iterable[str] | None = None,
    failed_parents: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[Partial]:
    """Normalize Azure records into partial results (one per subscription and family, plus the tenant's).

    ``source`` names where the records came from (``resource-graph`` for the live
    collector, ``export`` for the offline import); it becomes a service of every
    source so a snapshot says how it was made. A kind of child record present in
    the input counts as collected (a parent without such children has none);
    ``collected_types`` adds the lower-case child types the caller fetched
    without finding any. The live collector passes the detail kinds it fetched
    (``DETAIL_TYPES``) and, in ``failed_parents``, the ids whose detail fetch
    failed, whose dependent facets then stay unknown. Detail kinds neither
    present nor declared leave their facets unknown and record a coverage gap.
    ``now`` fixes the clock for expiry days.
    Call it once with every record of a run: joins and folded edges need them all.
    """
    ctx = Context(
        records,
        source=source,
        native_types={key: spec.native_type for key, spec in REGISTRY.items()},
        node_types=set(_NODE_TYPES),
        collected_types=collected_types,
        failed_parents=failed_parents,
        now=now,
    )
    for rid, rtype in sorted(ctx.types.items()):
        spec = REGISTRY.get(rtype)
        if spec is None:
            ctx.skipped[rtype] += 1
        elif spec.handler is not None:
            spec.handler(ctx.records[rid], ctx)
    authorization.finish(ctx)
    monitor.finish(ctx)
    coverage.finish(ctx)
    if ctx.skipped:
        log.info(
            "skipped %d record(s) of types not modeled: %s",
            sum(ctx.skipped.values()),
            ", ".join(f"{t} ({n})" for t, n in ctx.skipped.most_common()),
        )
    return ctx.partials()


def modeled(record_type: str) -> bool:
    """Whether records of this ARM type are read (as nodes, or by their parent's handler)."""
    return record_type.lower() in REGISTRY


__all__ = ["DETAIL_TYPES", "REGISTRY", "TypeSpec", "modeled", "normalize"]
