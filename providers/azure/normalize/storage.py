"""Storage accounts (``storage.bucket``) with their blob service and containers when present.

Mapping (see docs/architecture-notes/azure-model.md):
- ``encryption``: ``at_rest`` always true (service-side encryption cannot be
  turned off); ``customer_managed`` when ``keySource`` is ``Microsoft.Keyvault``;
  ``in_transit`` = ``tls_only`` = ``supportsHttpsTrafficOnly``; ``min_tls`` from
  ``minimumTlsVersion`` (``TLS1_2`` -> ``"1.2"``).
- Anonymous access: ``allowBlobPublicAccess`` false is Azure's block on public
  containers (``public_access_block.block/ignore_public_acls``); ``public_by_acl``
  is true when a container record grants ``Blob``/``Container`` access and the
  account allows it, false when the account forbids it or the containers are
  known and none is public, unknown otherwise. Storage accounts have no
  resource policy that can grant anonymous access: ``public_by_policy`` false.
- ``versioning`` and ``soft_delete`` from the ``blobServices`` record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "storage"
BLOB_SERVICES = "microsoft.storage/storageaccounts/blobservices"
CONTAINERS = "microsoft.storage/storageaccounts/blobservices/containers"
_TLS = {"tls1_0": "1.0", "tls1_1": "1.1", "tls1_2": "1.2", "tls1_3": "1.3"}


def tls_version(value: Any) -> str | None:
    """``TLS1_2``/``1.2``/``Tls12`` -> ``"1.2"``."""
    folded = (arm.lower(value) or "").replace("v", "")
    if folded in _TLS:
        return _TLS[folded]
    digits = "".join(ch for ch in folded if ch.isdigit())
    if len(digits) == 2:
        return f"{digits[0]}.{digits[1]}"
    return None


def network_rules(acls: Any) -> dict[str, Any]:
    """Network ACLs of a storage account, Key Vault or AI account as ``{default_action, bypass, ip_rules, virtual_network_rules}``."""
    return {
        "default_action": arm.lower(arm.get(acls, "defaultAction")),
        "bypass": arm.text(arm.get(acls, "bypass")),
        "ip_rules": [arm.text(arm.get(r, "value")) or arm.text(arm.get(r, "ipAddressOrRange")) or arm.text(r)
                     for r in arm.items(arm.get(acls, "ipRules"))],
        "virtual_network_rules": [arm.ref_id(arm.get(r, "id")) or arm.ref_id(r) for r in arm.items(arm.get(acls, "virtualNetworkRules"))],
    }


def _blob_service(ctx: Context, account_id: str) -> dict[str, Any] | None:
    """The blob service properties of an account, if the input has them."""
    records = ctx.children(account_id, BLOB_SERVICES)
    return arm.props(records[0]) if records else None


def _public_containers(ctx: Context, account_id: str) -> bool | None:
    """Whether a container grants anonymous access (None when containers are not in the input)."""
    found: bool = False
    for service in ctx.children(account_id, BLOB_SERVICES) or [{"id": account_id + "/blobservices/default"}]:
        service_id = arm.lower_id(arm.get(service, "id")) or ""
        for container in ctx.children(service_id, CONTAINERS):
            level = arm.lower(arm.get(arm.props(container), "publicAccess")) or "none"
            found = found or level in ("blob", "container")
    if found:
        return True
    return False if ctx.children_known(account_id, CONTAINERS) else None


def handle_account(record: dict[str, Any], ctx: Context) -> None:
    """A storage account."""
    p = arm.props(record)
    rid = arm.lower_id(arm.get(record, "id")) or ""
    https_only = arm.flag(arm.get(p, "supportsHttpsTrafficOnly"))
    encryption = arm.get(p, "encryption") or {}
    key_source = arm.lower(arm.get(encryption, "keySource"))
    vault_props = arm.get(encryption, "keyvaultproperties", "keyVaultProperties") or {}
    key_id = ctx.uri_key_id(arm.get(vault_props, "keyvaulturi", "keyVaultUri"), arm.get(vault_props, "keyname", "keyName"))
    # Null means "never set": public blob access and shared keys were allowed by default.
    allow_public = arm.flag(arm.get(p, "allowBlobPublicAccess"))
    allow_public = True if allow_public is None else allow_public
    shared_key = arm.flag(arm.get(p, "allowSharedKeyAccess"))
    acls = arm.get(p, "networkAcls")
    rules = network_rules(acls) if isinstance(acls, dict) else {"default_action": "allow", "bypass": None,
                                                               "ip_rules": [], "virtual_network_rules": []}
    containers_public = _public_containers(ctx, rid)
    by_acl = False if not allow_public else containers_public
    service = _blob_service(ctx, rid)
    versioning = arm.flag(arm.get(service, "isVersioningEnabled")) if service is not None else None
    if service is not None and versioning is None:
        versioning = False  # the blob service answered and versioning is not on
    delete_policy = arm.get(service, "deleteRetentionPolicy") if service is not None else None
    ctx.resource(record, "storage.bucket", FAMILY, {
        "encryption": {
            "at_rest": True,
            "customer_managed": None if key_source is None else key_source == "microsoft.keyvault",
            "key_id": key_id if key_source == "microsoft.keyvault" else None,
            "in_transit": https_only,
            "min_tls": tls_version(arm.get(p, "minimumTlsVersion")),
            "infrastructure_encryption": arm.flag(arm.get(encryption, "requireInfrastructureEncryption")),
        },
        "tls_only": https_only,
        "allow_blob_public_access": allow_public,
        "public_access_block": {
            "block_public_acls": not allow_public,
            "ignore_public_acls": not allow_public,
            "block_public_policy": None,
            "restrict_public_buckets": None,
        },
        "public_by_acl": by_acl,
        "public_by_policy": False,
        "public": by_acl,
        "shared_key_access": True if shared_key is None else shared_key,
        "public_network_access": arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled",
        "network_default_action": rules["default_action"] or "allow",
        "network_rules": rules,
        "versioning": {"enabled": versioning, "mfa_delete": None},
        "soft_delete": None if service is None else {
            "enabled": arm.flag(arm.get(delete_policy, "enabled")),
            "days": arm.get(delete_policy, "days"),
        },
        "account_kind": arm.text(arm.get(record, "kind")),
        "hns_enabled": arm.flag(arm.get(p, "isHnsEnabled")),
        "cross_tenant_replication": arm.flag(arm.get(p, "allowCrossTenantReplication")),
    }, raw_drop=("privateEndpointConnections",))
    if key_id and key_id.startswith("/subscriptions/"):
        ctx.edge(rid, key_id if ctx.is_node(key_id) else ctx.reference(key_id, "kms.key", family=FAMILY),
                 "encrypted_by", FAMILY)
