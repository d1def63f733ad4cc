"""Role definition facts: the normalized document, admin equivalence, service-wide wildcards.

Azure RBAC actions are ``<Namespace>/<type>/<operation>`` strings with ``*``
wildcards, compared case-insensitively. A role is admin-equivalent (Owner-like)
when it allows ``*`` and its ``notActions`` leave ``Microsoft.Authorization/
roleAssignments/write`` in place: it can do everything and grant itself or
anyone anything. Contributor (``*`` minus ``Microsoft.Authorization/*/Write``)
is therefore not admin-equivalent; it is caught by ``wildcard_services: ["*"]``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from cloudwarden.providers.azure.normalize import arm

ROLE_DEFINITION_PREFIX = "/providers/microsoft.authorization/roledefinitions/"
ROLE_ASSIGNMENT_WRITE = "microsoft.authorization/roleassignments/write"


def role_definition_id(value: Any) -> str | None:
    """The node id of a role definition: GUID-keyed, whatever scope its id was reported under."""
    text = arm.text(value)
    if not text:
        return None
    return ROLE_DEFINITION_PREFIX + arm.last_segment(text).lower()


@lru_cache(maxsize=8192)
def _pattern(action: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in action.lower().split("*")) + "$")


def action_matches(pattern: str, action: str) -> bool:
    """Whether an RBAC action pattern (with ``*`` wildcards) covers ``action``, ignoring case."""
    return bool(_pattern(pattern).match(action.lower()))


def normalize_permissions(value: Any) -> list[dict[str, Any]]:
    """``permissions`` as ``[{actions, not_actions, data_actions, not_data_actions, condition, condition_version}]``."""
    out = []
    for block in arm.items(value):
        entry = {
            "actions": [str(a) for a in arm.items(arm.get(block, "actions"))],
            "not_actions": [str(a) for a in arm.items(arm.get(block, "notActions"))],
            "data_actions": [str(a) for a in arm.items(arm.get(block, "dataActions"))],
            "not_data_actions": [str(a) for a in arm.items(arm.get(block, "notDataActions"))],
        }
        condition = arm.text(arm.get(block, "condition"))
        if condition:
            entry["condition"] = condition
            entry["condition_version"] = arm.text(arm.get(block, "conditionVersion"))
        out.append(entry)
    return out


def admin_equivalent(permissions: list[dict[str, Any]]) -> bool:
    """Owner-like: some block allows ``*`` without its ``notActions`` removing role assignment writes."""
    for block in permissions:
        if "*" in block["actions"] and not any(action_matches(n, ROLE_ASSIGNMENT_WRITE) for n in block["not_actions"]):
            return True
    return False


def wildcard_services(permissions: list[dict[str, Any]]) -> list[str]:
    """``*`` and the namespaces granted whole (``Microsoft.KeyVault/*`` -> ``microsoft.keyvault``), lower-case.

    A namespace counts when an action or data action is exactly ``<Namespace>/*``
    and no not-action of the same block carves anything out of it; ``*`` counts
    whenever it is allowed (Contributor included: it reaches every service).
    """
    found: set[str] = set()
    for block in permissions:
        for allowed, denied in (("actions", "not_actions"), ("data_actions", "not_data_actions")):
            for action in block[allowed]:
                folded = action.strip().lower()
                if folded == "*":
                    found.add("*")
                elif folded.endswith("/*") and folded.count("/") == 1:
                    namespace = folded[:-2]
                    if not any(n.lower().startswith(namespace + "/") for n in block[denied]):
                        found.add(namespace)
    return sorted(found)


def role_props(properties: dict[str, Any], *, builtin: bool | None = None) -> dict[str, Any]:
    """The facets of a role definition from its ARM ``properties``."""
    permissions = normalize_permissions(arm.get(properties, "permissions"))
    role_type = arm.text(arm.get(properties, "roleType", "type"))
    if builtin is None:
        builtin = (role_type or "").lower() == "builtinrole"
    return {
        "role_name": arm.text(arm.get(properties, "roleName")),
        "role_type": role_type or ("BuiltInRole" if builtin else None),
        "managed_by": "azure" if builtin else "customer",
        "document": {
            "permissions": permissions,
            "assignable_scopes": sorted(filter(None, (arm.lower_id(s) or ("/" if s == "/" else None)
                                                      for s in arm.items(arm.get(properties, "assignableScopes"))))),
        },
        "admin_equivalent": admin_equivalent(permissions),
        "wildcard_services": wildcard_services(permissions),
        "description": arm.text(arm.get(properties, "description")),
    }
