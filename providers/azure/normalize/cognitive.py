"""Cognitive Services and Azure OpenAI accounts (``ai.service``).

``public`` is network reachability by the account's own settings: public
network access enabled (unset means enabled) and no network ACL, or one whose
default action is allow. ``local_auth_disabled`` is ``disableLocalAuth`` (unset
means API keys work). Customer-managed keys: ``encryption.keySource`` is
``Microsoft.KeyVault``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.identity import identity_facts
from cloudwarden.providers.azure.normalize.storage import network_rules

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "ai"


def network_exposure(p: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
    """(public network access, network rules, public) of a service with ``publicNetworkAccess`` and ``networkAcls``."""
    access = arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled"
    acls = arm.get(p, "networkAcls")
    rules = network_rules(acls) if isinstance(acls, dict) else {"default_action": None, "bypass": None,
                                                               "ip_rules": [], "virtual_network_rules": []}
    default_action = rules["default_action"] or "allow"
    rules["default_action"] = default_action
    return access, rules, access == "enabled" and default_action == "allow"


def handle_account(record: dict[str, Any], ctx: Context) -> None:
    """A Cognitive Services / Azure OpenAI account."""
    p = arm.props(record)
    rid = arm.lower_id(arm.get(record, "id")) or ""
    access, rules, public = network_exposure(p)
    encryption = arm.get(p, "encryption") or {}
    source = arm.lower(arm.get(encryption, "keySource"))
    vault = arm.get(encryption, "keyVaultProperties") or {}
    customer = source == "microsoft.keyvault"
    key_id = ctx.uri_key_id(arm.get(vault, "keyVaultUri"), arm.get(vault, "keyName")) if customer else None
    local_disabled = arm.flag(arm.get(p, "disableLocalAuth"))
    ctx.resource(record, "ai.service", FAMILY, {
        "service_kind": arm.text(arm.get(record, "kind")),
        "public_network_access": access,
        "network_default_action": rules["default_action"],
        "network_rules": rules,
        "public": public,
        "local_auth_disabled": bool(local_disabled),
        "encryption": {"at_rest": True, "customer_managed": customer, "key_id": key_id},
        "identity": identity_facts(record),
        "custom_subdomain": arm.text(arm.get(p, "customSubDomainName")),
        "endpoint": arm.text(arm.get(p, "endpoint")),
        "restrict_outbound_network_access": arm.flag(arm.get(p, "restrictOutboundNetworkAccess")),
        "sku": arm.text(arm.path(record, "sku", "name")),
    }, raw_drop=("privateEndpointConnections", "endpoints", "capabilities"))
    if key_id and key_id.startswith("/subscriptions/"):
        ctx.edge(rid, key_id if ctx.is_node(key_id) else ctx.reference(key_id, "kms.key", family=FAMILY),
                 "encrypted_by", FAMILY)
