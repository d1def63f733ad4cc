"""Key Vault access policies: the vault-local permission model that bypasses Azure RBAC's data plane.

A vault in access-policy mode (``enableRbacAuthorization`` false) ignores RBAC
data actions: who may read secrets or use keys is the vault's ``accessPolicies``
list (``objectId`` + permissions per object type). Whoever can write the vault
(``vaults/write`` or ``vaults/accessPolicies/write``) can add itself to that list.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node

# Permission verb -> access level (the AWS levels: using a key to decrypt or sign is
# "write", as kms:Decrypt is; reading a secret's value is "read").
_LEVELS: dict[str, dict[str, str]] = {
    "secrets": {"get": "read", "backup": "read", "list": "list"},
    "keys": {"get": "list", "list": "list", "backup": "read"},
    "certificates": {"get": "read", "list": "list", "backup": "read", "listissuers": "list", "getissuers": "list"},
    "storage": {"get": "read", "list": "list", "getsas": "read", "listsas": "list"},
}
_TYPES = ("keys", "secrets", "certificates", "storage")


def rbac_mode(vault: Node | None) -> bool | None:
    """The vault uses Azure RBAC for its data plane (True), access policies (False), or unknown (None)."""
    if vault is None:
        return None
    for key in ("rbac_authorization", "enable_rbac_authorization", "rbac"):
        value = vault.props.get(key)
        if isinstance(value, bool):
            return value
    value = ((vault.raw or {}).get("properties") or {}).get("enableRbacAuthorization")
    return value if isinstance(value, bool) else None


def vault_access_policies(vault: Node) -> list[dict[str, Any]] | None:
    """``[{object_id, principal, permissions: {keys, secrets, certificates, storage}}]``; None when unknown."""
    policies = vault.props.get("access_policies")
    if policies is None:
        policies = ((vault.raw or {}).get("properties") or {}).get("accessPolicies")
    if not isinstance(policies, list):
        return None
    out = []
    for entry in policies:
        if not isinstance(entry, dict):
            continue
        oid = entry.get("object_id") or entry.get("objectId")
        # ARM nests permissions per object type; the normalizer flattens them onto the entry.
        perms = entry.get("permissions") if isinstance(entry.get("permissions"), dict) else entry
        if not oid:
            continue
        out.append({"object_id": str(oid).lower(), "principal": entry.get("principal"),
                    "permissions": {t: sorted({str(p).lower() for p in perms.get(t) or []}) for t in _TYPES}})
    return out


def policy_levels(permissions: dict[str, list[str]], object_type: str | None = None) -> dict[str, list[str]]:
    """Access level -> the permissions (``secrets:get``) granting it, for one object type or all."""
    levels: dict[str, list[str]] = {}
    for kind in (object_type,) if object_type else _TYPES:
        for verb in permissions.get(kind) or []:
            if verb == "all":
                for level in ("list", "read", "write"):
                    levels.setdefault(level, []).append(f"{kind}:all")
                continue
            level = _LEVELS.get(kind, {}).get(verb, "write")
            levels.setdefault(level, []).append(f"{kind}:{verb}")
    return levels
