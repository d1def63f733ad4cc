"""``GcpAuthorization``: what a GCP principal may do on a resource, with the bindings that say so.

A binding applies to a resource when its scope is the resource or one of its
ancestors (organization > folders > project > resource). Its role's
permissions (names or documented wildcard patterns) are matched against the
permissions checked on that kind of resource. Its condition (CEL) is
evaluated against the resource (``resource.name``/``type``/``service``) and
the evaluation time (``request.time``): a condition that is false drops the
grant, one the snapshot cannot decide makes it conditional. A role whose
permissions are unknown makes an *unknown* grant, never no grant. Deny
policies then subtract (an undecidable denial condition leaves the permission
conditional).

Resource names follow IAM Conditions (``projects/_/buckets/b`` for a bucket,
the full resource name without ``//service/`` otherwise); objects of a bucket
and versions of a secret are names known only up to a prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam import cel
from cloudwarden.graph.gcp_iam.bindings import PRINCIPAL_KINDS, Binding, BindingIndex
from cloudwarden.graph.gcp_iam.hierarchy import Hierarchy
from cloudwarden.graph.gcp_iam.permissions import (
    FAMILIES,
    Family,
    RolePermissions,
    family_of,
)
from cloudwarden.graph.model import Node

_SUBRESOURCES: tuple[tuple[str, str, str], ...] = (
    # permission prefix, name suffix appended to the parent's name, resource.type
    ("storage.objects.", "/objects/", "storage.googleapis.com/Object"),
    ("storage.managedFolders.", "/managedFolders/", "storage.googleapis.com/ManagedFolder"),
    ("secretmanager.versions.", "/versions/", "secretmanager.googleapis.com/SecretVersion"),
)
_HOSTS = {"resourcemanager": "cloudresourcemanager.googleapis.com", "cloudsql": "sqladmin.googleapis.com"}


@dataclass
class Access:
    """The permissions a principal holds on one resource, each with the bindings that grant it."""

    allowed: dict[str, list[Binding]] = field(default_factory=dict)
    conditional: dict[str, list[Binding]] = field(default_factory=dict)
    unknown: list[Binding] = field(default_factory=list)
    denied: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.allowed or self.conditional or self.unknown)

    def holds(self, permission: str, conditional: bool = True) -> bool:
        """The permission is granted (or, with ``conditional``, granted under an undecided condition)."""
        return permission in self.allowed or (conditional and permission in self.conditional)


def condition_name(node: Node) -> str:
    """The ``resource.name`` IAM Conditions see for a node."""
    if node.id.startswith("//storage.googleapis.com/") and node.kind == "storage.bucket":
        return "projects/_/buckets/" + node.id[len("//storage.googleapis.com/"):]
    if node.id.startswith("//"):
        return node.id[2:].split("/", 1)[1] if "/" in node.id[2:] else node.id[2:]
    return node.id


def _service_host(permission: str) -> str:
    service = permission.split(".", 1)[0]
    return _HOSTS.get(service, f"{service}.googleapis.com")


class GcpAuthorization:
    """Effective GCP permissions over one graph (bindings, inheritance, conditions, deny policies)."""

    def __init__(self, graph: EstateGraph, now: datetime | None = None) -> None:
        self.graph = graph
        self.now = cel.utc(now if now is not None else _collected_at(graph))
        self.hierarchy = Hierarchy(graph)
        self.index = BindingIndex.build(graph, self.hierarchy)
        self._grants: dict[str, list[Binding]] = {}
        self._by_scope: dict[str, dict[str, list[Binding]]] = {}
        self._admin_bindings: dict[str, list[Binding]] = {}
        self._conditions: dict[tuple[str, Any], bool | None] = {}
        self._universes: dict[str, tuple[str, ...]] = {}
        self._deny_names: dict[str, set[str]] = {}

    # --- principals and their bindings ------------------------------------------------

    def principals(self) -> list[Node]:
        """GCP principals (users, groups, service accounts, public members) that hold some binding."""
        out = []
        for node in sorted(self.graph.nodes_of(*PRINCIPAL_KINDS), key=lambda n: n.id):
            if node.cloud == "gcp" and not node.props.get("deleted") and self.grants(node.id):
                out.append(node)
        return out

    def grants(self, principal: str) -> list[Binding]:
        """Every binding the principal holds: its own, its groups', its domain's."""
        found = self._grants.get(principal)
        if found is None:
            found = [b for m in self.index.members_for(principal) for b in self.index.by_member.get(m, ())]
            self._grants[principal] = found
        return found

    def grants_on(self, principal: str, resource: str) -> list[Binding]:
        """The principal's bindings whose scope is the resource or above it."""
        by_scope = self.grants_by_scope(principal)
        return [b for scope in dict.fromkeys(self.hierarchy.ancestors(resource)) for b in by_scope.get(scope, ())]

    def grants_by_scope(self, principal: str) -> dict[str, list[Binding]]:
        """The principal's bindings indexed by scope (a user bound in every project looks up only its ancestors)."""
        found = self._by_scope.get(principal)
        if found is None:
            found = {}
            for binding in self.grants(principal):
                found.setdefault(binding.scope, []).append(binding)
            self._by_scope[principal] = found
        return found

    # --- permissions ------------------------------------------------------------------

    def universe(self, family: Family) -> tuple[str, ...]:
        """A family's permissions: the documented ones plus any name a role of the graph lists for it."""
        found = self._universes.get(family.name)
        if found is None:
            names = set(family.documented)
            for perms in self.index.roles.values():
                names.update(p for p in perms.explicit() if family.covers(p))
            found = self._universes[family.name] = tuple(sorted(names))
        return found

    def permissions_on(self, principal: str, resource: str, permissions: Iterable[str] | None = None) -> Access:
        """What the principal holds on the resource (``permissions``: those asked; default: its family's)."""
        node = self.graph.node(resource)
        if permissions is None:
            family = family_of(node) if node is not None else None
            if family is None:
                return Access()
            permissions = self.universe(family)
        asked = tuple(permissions)
        access = Access()
        for binding in self.grants_on(principal, resource):
            if not binding.permissions.known:
                if self.condition(binding, node, resource, None) is not False:
                    access.unknown.append(binding)
                continue
            for permission in _granted(binding.permissions, asked):
                result = self.condition(binding, node, resource, permission)
                if result is True:
                    access.allowed.setdefault(permission, []).append(binding)
                elif result is None:
                    access.conditional.setdefault(permission, []).append(binding)
        for permission in list(access.allowed):
            access.conditional.pop(permission, None)
        self._apply_denies(principal, node, resource, access)
        return access

    def condition(self, binding: Binding, node: Node | None, resource: str, permission: str | None) -> bool | None:
        """A binding's condition on a resource: True (holds or none), False, or None (undecided)."""
        if not binding.condition:
            return True
        expression = str(binding.condition.get("expression") or "")
        subject = self.subject(node, resource, permission)
        key = (expression, tuple(sorted((k, repr(v)) for k, v in subject.items())))
        if key not in self._conditions:
            self._conditions[key] = cel.evaluate(expression, {"resource": subject, "request": {"time": cel.Clock(self.now)}})
        return self._conditions[key]

    def subject(self, node: Node | None, resource: str, permission: str | None) -> dict[str, Any]:
        """``resource.*`` attributes for a permission checked on a node (a sub-resource for objects, versions)."""
        if node is None:
            return {"name": resource, "type": cel.UNKNOWN, "service": cel.UNKNOWN}
        name = condition_name(node)
        service = node.id[2:].split("/", 1)[0] if node.id.startswith("//") else cel.UNKNOWN
        kind_type: Any = node.native_type if "/" in node.native_type else cel.UNKNOWN
        for prefix, suffix, sub_type in _SUBRESOURCES:
            if permission and permission.startswith(prefix) and not name.endswith(suffix.rstrip("/")):
                return {"name": cel.OpenName(name + suffix), "type": sub_type, "service": service}
        if permission and self.hierarchy.is_scope(resource) and not _checked_on_scope(permission):
            # A permission to create something in a project/folder is checked on the new resource.
            return {"name": cel.OpenName(name + "/"), "type": cel.UNKNOWN, "service": _service_host(permission)}
        return {"name": name, "type": kind_type, "service": service}

    def _apply_denies(self, principal: str, node: Node | None, resource: str, access: Access) -> None:
        if not self.index.denies:
            return
        above = set(self.hierarchy.ancestors(resource))
        rules = [r for r in self.index.denies if r.scope in above]
        if not rules:
            return
        names = self._deny_names.get(principal)
        if names is None:
            names = self._deny_names[principal] = self.index.principal_names(principal)
        rules = [r for r in rules if names & set(r.principals) and not names & set(r.exceptions)]
        for permission in sorted(set(access.allowed) | set(access.conditional)):
            for rule in rules:
                if not rule.covers(permission):
                    continue
                decided = True if not rule.condition else cel.evaluate(rule.condition, {
                    "resource": self.subject(node, resource, permission), "request": {"time": cel.Clock(self.now)}})
                if decided is True:
                    access.allowed.pop(permission, None)
                    access.conditional.pop(permission, None)
                    access.denied.setdefault(permission, []).append(rule.policy)
                    break
                if decided is None and permission in access.allowed:
                    access.conditional[permission] = access.allowed.pop(permission)

    # --- administration ---------------------------------------------------------------

    def admin_bindings(self, principal: str) -> list[Binding]:
        """Unconditional owner-equivalent bindings on organizations, folders or projects."""
        found = self._admin_bindings.get(principal)
        if found is None:
            found = self._admin_bindings[principal] = [
                b for b in self.grants(principal) if b.permissions.everything and self.hierarchy.is_scope(b.scope)
                and self.condition(b, self.graph.node(b.scope), b.scope, None) is True]
        return found

    def admin_projects(self, principal: str) -> dict[str, list[Binding]]:
        """Projects the principal administers, each with the bindings that make it admin there."""
        out: dict[str, list[Binding]] = {}
        for binding in self.admin_bindings(principal):
            for project in self.hierarchy.under(binding.scope, ("account",)) or [binding.scope]:
                node = self.graph.node(project)
                if node is None or node.kind == "account":
                    out.setdefault(project, []).append(binding)
        return out

    def is_admin(self, principal: str, scope: str | None = None) -> bool:
        """Owner-equivalent at ``scope`` or above it (any scope when None)."""
        bindings = self.admin_bindings(principal)
        if scope is None:
            return bool(bindings)
        above = set(self.hierarchy.ancestors(scope))
        return any(b.scope in above for b in bindings)

    def holds_on_scope(self, principal: str, scope: str, permission: str) -> tuple[bool, bool, list[Binding]]:
        """(granted, only conditionally, bindings) for a permission checked on an organization, folder or project."""
        access = self.permissions_on(principal, scope, [permission])
        if permission in access.allowed:
            return True, False, access.allowed[permission]
        if permission in access.conditional:
            return True, True, access.conditional[permission]
        return False, False, []


def _checked_on_scope(permission: str) -> bool:
    """Permissions checked on the project/folder/organization itself (its policy, metadata, settings)."""
    return permission.startswith("resourcemanager.") or permission.endswith(
        (".setIamPolicy", ".getIamPolicy", ".setCommonInstanceMetadata", ".get"))


@lru_cache(maxsize=65536)
def _granted(perms: RolePermissions, asked: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(perms.granted(asked))


def _collected_at(graph: EstateGraph) -> datetime | None:
    text = getattr(graph.snapshot, "collected_at", None)
    if isinstance(text, datetime):
        return text
    if isinstance(text, str) and text:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


__all__ = ["FAMILIES", "Access", "GcpAuthorization", "condition_name"]
