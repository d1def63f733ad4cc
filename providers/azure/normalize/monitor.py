"""Diagnostic settings: activity log export per subscription (``logging.trail``) and resource logs.

A diagnostic setting at subscription scope exports the activity log (all
regions of the subscription); it becomes a ``logging.trail`` whose
``logging.enabled`` says whether any log category is on, and the subscription
gets ``activity_log {exported, categories, categories_missing, settings}`` and
``logging.enabled``. ``categories_missing`` lists the categories CIS asks for
(Administrative, Alert, Policy, Security) that no setting exports. A setting on
a resource marks that resource's ``logging.enabled`` when it exports logs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.raw import raw_payload

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "monitor"
TYPE = "microsoft.insights/diagnosticsettings"
MARKER = "/providers/microsoft.insights/diagnosticsettings/"
ACTIVITY_CATEGORIES = ("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy",
                       "Autoscale", "ResourceHealth")
RECOMMENDED = ("Administrative", "Alert", "Policy", "Security")


def enabled_categories(p: dict[str, Any]) -> list[str]:
    """Log categories a setting exports (a category group ``allLogs``/``audit`` stands for every category)."""
    out: set[str] = set()
    for entry in arm.items(arm.get(p, "logs")):
        if not arm.flag(arm.get(entry, "enabled")):
            continue
        category = arm.text(arm.get(entry, "category"))
        group = arm.lower(arm.get(entry, "categoryGroup"))
        if category:
            out.add(category)
        elif group:
            out.update(ACTIVITY_CATEGORIES)
    return sorted(out)


def handle_setting(record: dict[str, Any], ctx: Context) -> None:
    """A diagnostic setting at subscription or resource scope."""
    rid = arm.lower_id(arm.get(record, "id")) or ""
    scope = rid[: rid.find(MARKER)] if MARKER in rid else ""
    sub = arm.lower(arm.get(record, "subscriptionId")) or arm.subscription_of(rid)
    if not scope and sub:
        scope = f"/subscriptions/{sub}"
    p = arm.props(record)
    categories = enabled_categories(p)
    if scope.count("/") > 2:  # a resource's own logs
        if categories and ctx.is_node(scope):
            ctx.patch(scope, {"logging": {"enabled": True}}, FAMILY)
        return
    destinations = {
        "storage_account": arm.lower_id(arm.get(p, "storageAccountId")),
        "workspace": arm.lower_id(arm.get(p, "workspaceId")),
        "event_hub": arm.lower_id(arm.get(p, "eventHubAuthorizationRuleId")),
        "partner": arm.lower_id(arm.get(p, "marketplacePartnerId")),
    }
    exported = bool(categories) and any(destinations.values())
    ctx.add(Node(
        id=rid, cloud="azure", kind="logging.trail", native_type="Microsoft.Insights/diagnosticSettings",
        account=sub, region="global", name=arm.text(arm.get(record, "name")) or arm.last_segment(rid),
        props={
            "logging": {"enabled": exported},
            "multi_region": True,  # the activity log covers every region of the subscription
            "categories": categories,
            "destinations": destinations,
            "scope": scope,
            "organization_trail": False,
            "encryption": _destination_encryption(ctx, destinations),
        },
        raw=raw_payload(record),
    ), FAMILY)
    if sub:
        ctx.edge(ctx.subscription(sub, FAMILY), rid, "contains", FAMILY)
        ctx.activity_log.setdefault(sub, []).append((rid, categories if exported else []))
    if destinations["storage_account"]:
        target = destinations["storage_account"]
        ctx.edge(rid, target if ctx.is_node(target) else ctx.reference(target, "storage.bucket", family=FAMILY),
                 "writes_to", FAMILY)


def _destination_encryption(ctx: Context, destinations: dict[str, str | None]) -> dict[str, Any]:
    """The log's encryption is its storage account's when that is the only destination; else unknown."""
    unknown = {"at_rest": True, "customer_managed": None, "key_id": None}
    others = [v for k, v in destinations.items() if v and k != "storage_account"]
    account = ctx.record(destinations["storage_account"]) if destinations["storage_account"] and not others else None
    if account is None:
        return unknown
    encryption = arm.get(arm.props(account), "encryption") or {}
    source = arm.lower(arm.get(encryption, "keySource"))
    if source is None:
        return unknown
    vault = arm.get(encryption, "keyvaultproperties", "keyVaultProperties") or {}
    customer = source == "microsoft.keyvault"
    key = ctx.uri_key_id(arm.get(vault, "keyvaulturi", "keyVaultUri"), arm.get(vault, "keyname", "keyName")) if customer else None
    return {"at_rest": True, "customer_managed": customer, "key_id": key}


def finish(ctx: Context) -> None:
    """The subscription-level activity log summary, where diagnostic settings are part of the input."""
    subs: dict[str, list[tuple[str, list[str]]]] = defaultdict(list, ctx.activity_log)
    for record in ctx.by_type.get("microsoft.resources/subscriptions", []):
        sub = arm.lower(arm.get(record, "subscriptionId")) or arm.subscription_of(arm.lower_id(arm.get(record, "id")))
        if sub:
            subs.setdefault(sub, [])
    for sub, settings in sorted(subs.items()):
        node_id = f"/subscriptions/{sub}"
        if not settings and not ctx.children_known(node_id, TYPE):
            continue  # not part of the input: the summary stays unknown (coverage records the gap)
        categories = sorted({c for _, cats in settings for c in cats})
        ctx.patch(node_id, {
            "logging": {"enabled": bool(categories)},
            "activity_log": {
                "exported": bool(categories),
                "categories": categories,
                "categories_missing": [c for c in RECOMMENDED if c not in categories],
                "settings": sorted(rid for rid, _ in settings),
            },
        }, FAMILY)
