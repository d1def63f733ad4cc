"""Coverage gaps for facts that come from child records the input does not carry.

Resource Graph has no SQL firewall rules, TDE states, encryption protectors,
Key Vault keys or secrets, blob service properties or diagnostic settings. The
live collector adds them as records; an export holds them only if whoever made
it queried them too. When a kind of child record is absent from the input (and
the caller did not say it was collected), each subscription with a parent gets
an ``unsupported`` gap naming what stays unknown, so the missing facts read as
unknown rather than clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.azure.normalize import arm

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context


@dataclass(frozen=True)
class DetailFact:
    """A kind of child record, the parent type it belongs to, and the facts it feeds."""

    child: str
    parent: str
    family: str
    facts: str


SUBSCRIPTIONS = "microsoft.resources/subscriptions"

DETAIL_FACTS: tuple[DetailFact, ...] = (
    DetailFact("Microsoft.Sql/servers/firewallRules", "microsoft.sql/servers", "sql",
               "SQL server firewall rules (public, firewall_rules, firewall_world_open)"),
    DetailFact("Microsoft.Sql/servers/databases/transparentDataEncryption", "microsoft.sql/servers/databases", "sql",
               "SQL database TDE state (encryption.at_rest)"),
    DetailFact("Microsoft.Sql/servers/encryptionProtector", "microsoft.sql/servers", "sql",
               "SQL server encryption protector (encryption.customer_managed)"),
    DetailFact("Microsoft.KeyVault/vaults/keys", "microsoft.keyvault/vaults", "keyvault",
               "Key Vault keys (expiry, rotation)"),
    DetailFact("Microsoft.Storage/storageAccounts/blobServices", "microsoft.storage/storageaccounts", "storage",
               "blob service properties (versioning, soft delete)"),
    DetailFact("Microsoft.Storage/storageAccounts/blobServices/containers", "microsoft.storage/storageaccounts",
               "storage", "blob containers' anonymous access (public, public_by_acl)"),
    DetailFact("Microsoft.Sql/servers/auditingSettings", "microsoft.sql/servers", "sql",
               "SQL server auditing (logging.enabled)"),
    DetailFact("Microsoft.KeyVault/vaults/secrets", "microsoft.keyvault/vaults", "keyvault",
               "Key Vault secrets (expiry; values are never read)"),
    DetailFact("Microsoft.Insights/diagnosticSettings", SUBSCRIPTIONS, "monitor",
               "subscription diagnostic settings (activity log export, logging)"),
)


def finish(ctx: Context) -> None:
    """One gap per (subscription, missing kind of child record) where a parent exists."""
    for fact in DETAIL_FACTS:
        if fact.child.lower() in ctx.collected_types:
            continue
        subs = set()
        parents = ctx.records.values() if fact.parent == SUBSCRIPTIONS else ctx.by_type.get(fact.parent, [])
        for record in parents:
            rid = arm.lower_id(record.get("id")) or ""
            sub = arm.lower(arm.get(record, "subscriptionId")) or arm.subscription_of(rid)
            if sub:
                subs.add(sub)
        for sub in sorted(subs):
            ctx.gap(sub, fact.family, CoverageGap(
                service=fact.family,
                reason="unsupported",
                operation=fact.child,
                message=f"{fact.facts} unknown: the input ({ctx.source}) has no {fact.child} records"
                        " (Resource Graph does not carry them)",
            ))
