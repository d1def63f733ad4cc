"""The ``raw`` payload of a node: the record as given, with secrets removed and size bounded.

ARM GET responses do not return secret values, but records may come from
exports people assembled by hand, or SDK models that carry write-only fields
(``adminPassword``, connection strings, ``customData``). Any such field is
dropped, whatever its nesting; so are the values of Key Vault secrets.
"""

from __future__ import annotations

from typing import Any

# Folded field names (lower case, no underscores) whose values are secrets or may hold them.
_SECRET_FIELDS = frozenset(
    {
        "customdata",
        "userdata",
        "protectedsettings",
        "administratorloginpassword",
        "adminpassword",
        "password",
        "connectionstring",
        "connectionstrings",
        "primarykey",
        "secondarykey",
        "primaryconnectionstring",
        "secondaryconnectionstring",
        "key1",
        "key2",
        "accesskey",
        "sharedkey",
        "sastoken",
        "clientsecret",
        "privatekey",
        "certificatepassword",
        "pfxblob",
        "appsettings",
    }
)
_SECRET_PARTS = ("password", "connectionstring", "secretvalue", "sastoken", "clientsecret", "privatekey")
# Fields kept as-is: they hold ids and names, never secrets, and would otherwise match a part above.
_ALLOWED = frozenset({"keyvaultproperties", "keysource", "keyname", "keyuri", "keyurl", "keyvaulturi", "passwordauthentication"})
MAX_LIST = 100
MAX_DEPTH = 12

_TOP_LEVEL = (
    "id", "name", "type", "kind", "location", "resourceGroup", "subscriptionId", "tenantId",
    "managementGroup", "sku", "plan", "zones", "extendedLocation", "identity", "properties",
)


def _secret(key: str) -> bool:
    folded = key.replace("_", "").lower()
    if folded in _ALLOWED or folded.startswith("disablepassword"):
        return False
    return folded in _SECRET_FIELDS or any(part in folded for part in _SECRET_PARTS)


def scrub(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` without secret fields, lists cut to ``MAX_LIST`` entries, nesting to ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {k: scrub(v, depth + 1) for k, v in value.items() if not (isinstance(k, str) and _secret(k))}
    if isinstance(value, (list, tuple)):
        return [scrub(v, depth + 1) for v in list(value)[:MAX_LIST]]
    return value


def raw_payload(record: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record's ARM fields (tags live on the node) scrubbed; ``drop`` removes bulky properties."""
    out: dict[str, Any] = {}
    for key in _TOP_LEVEL:
        if key in record and record[key] not in (None, {}, []):
            out[key] = record[key]
    if "properties" not in out:
        # A flattened SDK object: keep its fields, minus the ones stored elsewhere on the node.
        out.update({k: v for k, v in record.items() if k not in out and k not in ("tags",)})
    properties = out.get("properties")
    if isinstance(properties, dict) and drop:
        out["properties"] = {k: v for k, v in properties.items() if k not in drop}
    return scrub(out)
