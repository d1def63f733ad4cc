"""Azure scopes: which role assignment (or deny assignment) applies to which resource.

Azure authorization is inherited down one tree: management group > subscription
> resource group > resource (> child resource). Below the subscription the tree
is written in the ids themselves (an assignment at ``/subscriptions/s/resourcegroups/rg``
applies to every id under that prefix); above it, management groups nest and hold
subscriptions through ``contains`` edges. Ids are compared lower-cased (ARM ids are
case-insensitive and APIs spell them differently) and without a trailing slash.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

ROOT = "/"
MG_PREFIX = "/providers/microsoft.management/managementgroups/"
SUB_PREFIX = "/subscriptions/"

# Scope levels, broadest first.
LEVELS = ("root", "management_group", "subscription", "resource_group", "resource")
ACCOUNT_LEVELS = frozenset({"root", "management_group", "subscription"})


def normalize(scope: str | None) -> str:
    """A scope or resource id lower-cased, without trailing slash (``/`` stays the root)."""
    text = (scope or "").strip().lower()
    if not text:
        return ""
    text = text.rstrip("/")
    return text or ROOT


def level(scope: str) -> str:
    """``root``, ``management_group``, ``subscription``, ``resource_group`` or ``resource``."""
    scope = normalize(scope)
    if scope == ROOT:
        return "root"
    if scope.startswith(MG_PREFIX):
        return "management_group"
    parts = scope.split("/")
    if scope.startswith(SUB_PREFIX):
        if len(parts) == 3:
            return "subscription"
        if len(parts) == 5 and parts[3] == "resourcegroups":
            return "resource_group"
    return "resource"


def subscription_of(resource_id: str) -> str | None:
    """``/subscriptions/<guid>`` of an id below a subscription, else None."""
    resource_id = normalize(resource_id)
    if not resource_id.startswith(SUB_PREFIX):
        return None
    parts = resource_id.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 and parts[2] else None


def within(resource_id: str, scope: str) -> bool:
    """``resource_id`` is ``scope`` or below it by id (management groups need a ``ScopeTree``)."""
    return scope == ROOT or resource_id == scope or resource_id.startswith(scope + "/")


class ScopeTree:
    """The management-group tree of a graph, to decide inheritance above subscriptions."""

    def __init__(self, graph: EstateGraph) -> None:
        self._parent: dict[str, str] = {}
        for node in graph.nodes_of("org.unit", "account"):
            if node.cloud != "azure":
                continue
            child = normalize(node.id)
            for edge in graph.in_edges(node.id, "contains"):
                parent = normalize(edge.source)
                if parent.startswith(MG_PREFIX) and parent != child:
                    self._parent.setdefault(child, parent)
            declared = _declared_parent(node.props, node.raw)
            if declared and child not in self._parent and declared != child:
                self._parent[child] = declared
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self._chains: dict[str, frozenset[str]] = {}

    def management_groups_above(self, resource_id: str) -> tuple[str, ...]:
        """The management groups above a resource, subscription or group, nearest first."""
        resource_id = normalize(resource_id)
        start = resource_id if resource_id.startswith(MG_PREFIX) else subscription_of(resource_id)
        if start is None:
            return ()
        if start not in self._ancestors:
            chain: list[str] = []
            current = self._parent.get(start)
            while current is not None and current not in chain:
                chain.append(current)
                current = self._parent.get(current)
            self._ancestors[start] = tuple(chain)
        return self._ancestors[start]

    def chain(self, resource_id: str) -> frozenset[str]:
        """Every scope whose assignments apply to ``resource_id``: itself, its id prefixes, management groups, root."""
        found = self._chains.get(resource_id)
        if found is None:
            target = normalize(resource_id)
            parts = target.split("/")
            prefixes = {"/".join(parts[:i]) for i in range(2, len(parts) + 1)}
            found = frozenset(prefixes | set(self.management_groups_above(target)) | {ROOT, target})
            if len(self._chains) > 500_000:
                self._chains.clear()
            self._chains[resource_id] = found
        return found

    def covers(self, scope: str, resource_id: str) -> bool:
        """An assignment at ``scope`` applies to ``resource_id`` (inherited or direct)."""
        return scope in self.chain(resource_id)

    def below(self, scope: str, resource_id: str) -> bool:
        """``scope`` is strictly under ``resource_id`` (an assignment on a part of it, e.g. one container)."""
        return scope != resource_id and (resource_id == ROOT or scope.startswith(resource_id + "/")
                                         or (resource_id.startswith(MG_PREFIX)
                                             and resource_id in self.management_groups_above(scope)))

    def subscriptions_under(self, scope: str, subscriptions: list[str]) -> list[str]:
        """The given subscription ids that an assignment at ``scope`` covers."""
        return [s for s in subscriptions if self.covers(scope, s)]


def ensure_scope_node(graph: EstateGraph, scope: str) -> str:
    """The node id of a subscription or management group, added as a reference node when not collected."""
    if scope in graph:
        return scope
    for node in graph.nodes_of("account", "org.unit"):
        if node.cloud == "azure" and normalize(node.id) == scope:
            return node.id
    is_sub = scope.startswith(SUB_PREFIX)
    name = scope.rsplit("/", 1)[-1]
    graph.add_node(Node(id=scope, cloud="azure", kind="account" if is_sub else "org.unit",
                        native_type="Microsoft.Resources/subscriptions" if is_sub
                        else "Microsoft.Management/managementGroups",
                        account=name if is_sub else None, name=name, reference=True))
    return scope


def _declared_parent(props: dict[str, Any], raw: dict[str, Any]) -> str | None:
    """A management group or subscription's parent when the payload names it (no ``contains`` edge needed)."""
    parent = props.get("parent") or props.get("parent_id")
    if isinstance(parent, dict):
        parent = parent.get("id")
    if not parent:
        details = ((raw or {}).get("properties") or {}).get("details") or {}
        parent = (details.get("parent") or {}).get("id")
    if isinstance(parent, str) and parent:
        value = normalize(parent)
        return value if value.startswith(MG_PREFIX) else None
    return None
