"""Azure role definitions: permission blocks and case-insensitive wildcard matching.

A role definition holds permission blocks ``{actions, notActions, dataActions,
notDataActions}``. A block allows a control-plane operation that matches one of
its ``actions`` and none of its ``notActions`` (data-plane: ``dataActions`` minus
``notDataActions``); the role allows what any block allows. ``*`` matches any run
of characters (``*/read``, ``Microsoft.Storage/*``, ``Microsoft.Authorization/*/Write``).
Control and data planes never mix: ``*`` in ``actions`` grants no data action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cloudwarden.graph.model import Node

ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
ROLE_DEFINITION_WRITE = "Microsoft.Authorization/roleDefinitions/write"

# The built-in roles that matter most, by GUID, for role definitions referenced but not
# collected (the normalizer ships the full catalogue; this is the last resort).
_AUTH_ALL = "Microsoft.Authorization/*"
BUILTIN_FALLBACK: dict[str, tuple[str, dict[str, list[str]]]] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", {"actions": ["*"]}),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": ("Contributor", {"actions": ["*"], "not_actions": [
        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action"]}),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": ("Reader", {"actions": ["*/read"]}),
    "18d7d88d-d35e-4fb5-a5c3-7773c4a72741": ("User Access Administrator", {
        "actions": ["*/read", _AUTH_ALL, "Microsoft.Support/*"]}),
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": ("Role Based Access Control Administrator", {
        "actions": [ROLE_ASSIGNMENT_WRITE, "Microsoft.Authorization/roleAssignments/delete", "*/read",
                    "Microsoft.Support/*"]}),
}


@lru_cache(maxsize=65536)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.IGNORECASE)


def matches(pattern: str, action: str) -> bool:
    """An Azure permission pattern (``*`` wildcards, any case) matches an operation name."""
    if pattern == "*":
        return True
    return _compiled(pattern.strip()).fullmatch(action.strip()) is not None


def matches_any(patterns: tuple[str, ...], action: str) -> bool:
    """Some pattern of ``patterns`` matches ``action``."""
    return any(matches(p, action) for p in patterns)


def _strings(block: dict[str, Any], *keys: str) -> tuple[str, ...]:
    for key in keys:
        value = block.get(key)
        if value:
            return tuple(str(v) for v in value if v)
    return ()


@dataclass(frozen=True)
class PermissionBlock:
    """One ``permissions`` entry of a role definition (or of a deny assignment)."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()
    condition: str | None = None  # a block-level ABAC condition (role definitions may carry one)

    @classmethod
    def parse(cls, block: dict[str, Any]) -> PermissionBlock:
        """From snake_case (normalized) or camelCase (ARM) keys."""
        return cls(
            actions=_strings(block, "actions", "Actions"),
            not_actions=_strings(block, "not_actions", "notActions", "NotActions"),
            data_actions=_strings(block, "data_actions", "dataActions", "DataActions"),
            not_data_actions=_strings(block, "not_data_actions", "notDataActions", "NotDataActions"),
            condition=str(block.get("condition")) if block.get("condition") else None,
        )

    def allows(self, action: str, data: bool = False) -> bool:
        """The block grants ``action`` (data-plane when ``data``)."""
        granted, excluded = (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        return matches_any(granted, action) and not matches_any(excluded, action)


def parse_blocks(permissions: Any) -> tuple[PermissionBlock, ...]:
    """Permission blocks from a list of dicts (anything else gives none)."""
    if not isinstance(permissions, list):
        return ()
    return tuple(PermissionBlock.parse(b) for b in permissions if isinstance(b, dict))


@dataclass(frozen=True)
class RoleDefinition:
    """A role definition: its id, name, blocks, and whether its permissions are known at all."""

    id: str
    name: str
    blocks: tuple[PermissionBlock, ...]
    known: bool
    custom: bool
    assignable_scopes: tuple[str, ...] = ()

    def allows(self, action: str, data: bool = False) -> bool:
        """Some block grants ``action`` (possibly under a block condition)."""
        return any(b.allows(action, data) for b in self.blocks)

    def block_condition(self, action: str, data: bool = False) -> str | None:
        """The condition under which the role grants ``action``: None when some block grants it without one."""
        if all(b.condition is None for b in self.blocks):
            return None
        conditions = [b.condition for b in self.blocks if b.allows(action, data)]
        return None if None in conditions or not conditions else conditions[0]

    @property
    def admin_equivalent(self) -> bool:
        """Owner-like: ``*`` actions, and role assignments not excluded (it can grant anyone anything).

        User Access Administrator and RBAC Administrator can assign roles but hold
        nothing else: they escalate (grant themselves Owner), they are not admin.
        """
        return any("*" in b.actions and not matches_any(b.not_actions, ROLE_ASSIGNMENT_WRITE) for b in self.blocks)


def role_definition(node: Node) -> RoleDefinition:
    """A role definition node (normalized ``props.document`` or the raw ARM payload) as a ``RoleDefinition``."""
    props, raw = node.props or {}, node.raw or {}
    document = props.get("document") if isinstance(props.get("document"), dict) else {}
    properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else raw
    permissions = document.get("permissions")
    if permissions is None:
        permissions = properties.get("permissions")
    guid = node.id.rstrip("/").rsplit("/", 1)[-1].lower()
    name = str(props.get("role_name") or properties.get("roleName") or node.name or guid)
    role_type = str(props.get("managed_by") or properties.get("type") or properties.get("roleType") or "")
    custom = role_type.lower() in ("customer", "customrole", "custom")
    scopes = document.get("assignable_scopes") or properties.get("assignableScopes") or []
    if permissions is None and guid in BUILTIN_FALLBACK:
        name, block = BUILTIN_FALLBACK[guid]
        permissions, custom = [block], False
    return RoleDefinition(
        id=node.id.lower(), name=name, blocks=parse_blocks(permissions), known=permissions is not None,
        custom=custom, assignable_scopes=tuple(str(s).lower().rstrip("/") or "/" for s in scopes if s),
    )
