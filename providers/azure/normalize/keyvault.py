"""Key Vaults (``kms.vault``), their keys (``kms.key``) and secrets (``secret``, names and attributes only).

Vault defaults follow ARM: an unset ``enableSoftDelete`` means on (it cannot be
turned off on current vaults), an unset ``enablePurgeProtection`` or
``enableRbacAuthorization`` means off, unset ``publicNetworkAccess`` or
``networkAcls`` means reachable from anywhere. ``public`` is network reachability
by the vault's own settings (public access enabled and default action allow);
reading anything still needs Entra credentials.

A key rotates when its rotation policy has a ``Rotate`` lifetime action; a key
record that states ``rotationPolicy: null`` has none, one without the field
leaves rotation unknown (older api-versions omit it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.storage import network_rules

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "keyvault"
_SYMMETRIC = frozenset({"oct", "oct-hsm"})


def access_policies(ctx: Context, value: Any) -> list[dict[str, Any]]:
    """Access policies as facts: who (resolved principal) holds which key/secret/certificate permissions."""
    out = []
    for entry in arm.items(value):
        oid = arm.lower(arm.get(entry, "objectId"))
        principal = ctx.resolve_principal(oid)
        if principal:
            ctx.note_principal(principal, object_id=oid)
        perms = arm.get(entry, "permissions") or {}
        out.append({
            "object_id": oid,
            "principal": principal,
            "application_id": arm.lower(arm.get(entry, "applicationId")),
            "tenant_id": arm.lower(arm.get(entry, "tenantId")),
            **{kind: sorted({str(x).lower() for x in arm.items(arm.get(perms, kind))})
               for kind in ("keys", "secrets", "certificates", "storage")},
        })
    return out


def handle_vault(record: dict[str, Any], ctx: Context) -> None:
    """A Key Vault."""
    p = arm.props(record)
    soft = arm.flag(arm.get(p, "enableSoftDelete"))
    purge = arm.flag(arm.get(p, "enablePurgeProtection"))
    rbac = arm.flag(arm.get(p, "enableRbacAuthorization"))
    acls = arm.get(p, "networkAcls")
    rules = network_rules(acls) if isinstance(acls, dict) else {"default_action": None, "bypass": None,
                                                               "ip_rules": [], "virtual_network_rules": []}
    public_access = arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled"
    default_action = rules["default_action"] = rules["default_action"] or "allow"
    # With RBAC authorization on, Azure ignores access policies: kept apart so no one reads them as grants.
    policies = access_policies(ctx, arm.get(p, "accessPolicies"))
    ctx.resource(record, "kms.vault", FAMILY, {
        "soft_delete": True if soft is None else soft,
        "soft_delete_retention_days": arm.get(p, "softDeleteRetentionInDays"),
        "purge_protection": bool(purge),
        "rbac_authorization": bool(rbac),
        "public_network_access": public_access,
        "network_default_action": default_action,
        "network_rules": rules,
        "public": public_access == "enabled" and default_action == "allow",
        "access_policies": [] if rbac else policies,
        "access_policies_ignored": policies if rbac else [],
        "vault_uri": arm.text(arm.get(p, "vaultUri")),
        "sku": arm.text(arm.path(p, "sku", "name")),
        "tenant_id": arm.lower(arm.get(p, "tenantId")),
        "enabled_for_deployment": arm.flag(arm.get(p, "enabledForDeployment")),
        "enabled_for_disk_encryption": arm.flag(arm.get(p, "enabledForDiskEncryption")),
        "enabled_for_template_deployment": arm.flag(arm.get(p, "enabledForTemplateDeployment")),
    }, raw_drop=("accessPolicies", "privateEndpointConnections"))


def _expiry(ctx: Context, attributes: Any) -> tuple[str | None, int | None]:
    when = arm.as_datetime(arm.get(attributes, "exp", "expires"))
    if when is None:
        return None, None
    return arm.epoch_to_iso(when.timestamp()), int((when - ctx.now).total_seconds() // 86400)


def rotation(p: dict[str, Any]) -> dict[str, Any]:
    """``{enabled, period_days}`` from a key's rotation policy."""
    if not any(isinstance(k, str) and k.replace("_", "").lower() == "rotationpolicy" for k in p):
        return {"enabled": None, "period_days": None}
    policy = arm.get(p, "rotationPolicy") or {}
    for action in arm.items(arm.get(policy, "lifetimeActions")):
        if (arm.lower(arm.path(action, "action", "type")) or "") == "rotate":
            trigger = arm.get(action, "trigger") or {}
            period = arm.duration_days(arm.get(trigger, "timeAfterCreate"))
            if period is None:
                expiry = arm.duration_days(arm.path(policy, "attributes", "expiryTime"))
                before = arm.duration_days(arm.get(trigger, "timeBeforeExpiry"))
                period = expiry - before if expiry is not None and before is not None else None
            return {"enabled": True, "period_days": period}
    return {"enabled": False, "period_days": None}


def handle_key(record: dict[str, Any], ctx: Context) -> None:
    """A Key Vault key: always customer managed; expiry and rotation from its attributes and policy."""
    p = arm.props(record)
    attributes = arm.get(p, "attributes") or {}
    enabled = arm.flag(arm.get(attributes, "enabled"))
    expires, days = _expiry(ctx, attributes)
    kty = arm.lower(arm.get(p, "kty"))
    state = None if enabled is None else ("enabled" if enabled else "disabled")
    if state == "enabled" and days is not None and days < 0:
        state = "expired"
    ctx.resource(record, "kms.key", FAMILY, {
        "customer_managed": True,
        "state": state,
        "enabled": enabled,
        "symmetric": None if kty is None else kty in _SYMMETRIC,
        "origin": None,
        "key_type": kty,
        "key_size": arm.get(p, "keySize"),
        "curve": arm.text(arm.get(p, "curveName")),
        "rotation": rotation(p),
        "expires": expires,
        "expiry_days": days,
        "key_uri": arm.text(arm.get(p, "keyUri")),
    })


def handle_secret(record: dict[str, Any], ctx: Context) -> None:
    """A Key Vault secret: name, attributes and expiry; the value is never kept."""
    p = arm.props(record)
    attributes = arm.get(p, "attributes") or {}
    expires, days = _expiry(ctx, attributes)
    ctx.resource(record, "secret", FAMILY, {
        "enabled": arm.flag(arm.get(attributes, "enabled")),
        "expires": expires,
        "expiry_days": days,
        "content_type": arm.text(arm.get(p, "contentType")),
        # Key Vault has no managed secret rotation; whether something rotates it is unknown.
        "rotation": {"enabled": None, "period_days": None},
        "encryption": {"at_rest": True, "customer_managed": None, "key_id": None},
    }, raw_drop=("value",))
