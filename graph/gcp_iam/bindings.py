"""IAM bindings and deny policies of a GCP graph, and who a member stands for.

Bindings are the normalizer's ``member -has_policy-> role`` edges with detail
``{bindings: [{scope, condition}]}``. A principal holds its own bindings, its
groups' (``member_of``, transitively), its domain's (``domain:example.com``
for ``user:``/``group:`` emails of that domain) and the convenience members
of projects where it holds a basic role (``projectEditor:<project-id>``...).
``allUsers`` / ``allAuthenticatedUsers`` are principals of their own: their
grants are everyone's, and are reported once, from them.

Deny policies (when the normalizer provides them) are ``identity.policy``
nodes with ``props.deny`` true and ``props.rules`` in the IAM v2 shape
(``deniedPrincipals``, ``exceptionPrincipals``, ``deniedPermissions``,
``exceptionPermissions``, ``denialCondition``; snake_case accepted),
attached by ``scope -has_policy-> policy`` edges or ``props.attachment_point``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam.hierarchy import Hierarchy, project_id_of
from cloudwarden.graph.gcp_iam.permissions import (
    RolePermissions,
    matches,
    role_permissions,
)
from cloudwarden.graph.model import Node

PRINCIPAL_KINDS = ("identity.user", "identity.group", "identity.service_account")
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_CONVENIENCE = {"roles/owner": "projectOwner", "roles/editor": "projectEditor", "roles/viewer": "projectViewer"}


@dataclass(frozen=True)
class Binding:
    """One role granted to one member at one scope, perhaps under a condition."""

    member: str
    role: str
    scope: str
    condition: dict[str, Any] | None
    permissions: RolePermissions

    def ref(self, result: bool | None = True) -> dict[str, Any]:
        """Evidence for an edge: ``{role, scope, member[, condition]}``."""
        out: dict[str, Any] = {"role": self.role, "scope": self.scope, "member": self.member}
        if self.condition:
            out["condition"] = {**self.condition, "result": "true" if result else "unknown"}
        if not self.permissions.known:
            out["unknown_permissions"] = True
        return out


@dataclass(frozen=True)
class DenyRule:
    """One rule of a deny policy, attached at ``scope``."""

    policy: str
    scope: str
    principals: tuple[str, ...]
    exceptions: tuple[str, ...]
    permissions: tuple[str, ...]
    exception_permissions: tuple[str, ...] = ()
    condition: str | None = None

    def covers(self, permission: str) -> bool:
        """The rule denies ``permission``."""
        return any(matches(p, permission) for p in self.permissions) and not any(
            matches(p, permission) for p in self.exception_permissions)


def email_of(node: Node | None, member: str) -> str | None:
    """The email of a user, group or service account member, if any."""
    if node is not None and node.props.get("email"):
        return str(node.props["email"])
    kind, _, rest = member.partition(":")
    return rest if kind in ("user", "group", "serviceAccount") and "@" in rest else None


@dataclass
class BindingIndex:
    """Every binding by member, and the membership relations needed to find a principal's effective ones."""

    graph: EstateGraph
    hierarchy: Hierarchy
    by_member: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, RolePermissions] = field(default_factory=dict)
    denies: list[DenyRule] = field(default_factory=list)

    @classmethod
    def build(cls, graph: EstateGraph, hierarchy: Hierarchy) -> BindingIndex:
        """Read bindings, memberships and deny policies from the graph."""
        index = cls(graph, hierarchy)
        for edge in graph.edges("has_policy"):
            role = graph.node(edge.target)
            if role is None or role.cloud != "gcp" or role.kind != "identity.policy":
                continue
            if role.props.get("deny"):
                index._attach_deny(role, edge.source)
                continue
            member = graph.node(edge.source)
            if member is not None and member.props.get("deleted"):
                continue  # a deleted principal acts as nobody (a new one of the same name is another principal)
            perms = index.role(role)
            for entry in edge.detail.get("bindings") or []:
                scope = entry.get("scope")
                if not scope:
                    continue
                condition = entry.get("condition") or None
                index.by_member[edge.source].append(Binding(edge.source, role.id, str(scope), condition, perms))
        for edge in graph.edges("member_of"):
            index.groups[edge.source].append(edge.target)
        for node in graph.nodes_of("identity.policy"):
            if node.cloud == "gcp" and node.props.get("deny"):
                point = node.props.get("attachment_point") or node.props.get("scope")
                if point:
                    index._attach_deny(node, str(point))
        return index

    def role(self, role: Node) -> RolePermissions:
        """A role's permissions (cached)."""
        if role.id not in self.roles:
            self.roles[role.id] = role_permissions(role, role.id)
        return self.roles[role.id]

    def _attach_deny(self, policy: Node, scope: str) -> None:
        scope = _scope_id(self.hierarchy, scope)
        if any(r.policy == policy.id and r.scope == scope for r in self.denies):
            return
        for rule in policy.props.get("rules") or []:
            rule = rule.get("denyRule") or rule.get("deny_rule") or rule
            condition = rule.get("denialCondition") or rule.get("denial_condition") or {}
            self.denies.append(DenyRule(
                policy=policy.id, scope=scope,
                principals=tuple(_get(rule, "deniedPrincipals", "denied_principals")),
                exceptions=tuple(_get(rule, "exceptionPrincipals", "exception_principals")),
                permissions=tuple(deny_permission(p) for p in _get(rule, "deniedPermissions", "denied_permissions")),
                exception_permissions=tuple(deny_permission(p) for p in _get(
                    rule, "exceptionPermissions", "exception_permissions")),
                condition=condition.get("expression") if isinstance(condition, dict) else None,
            ))

    # --- membership ----------------------------------------------------------------

    def members_for(self, principal: str) -> list[str]:
        """The member ids whose bindings the principal holds: itself, its groups, its domain, convenience members."""
        out = [principal]
        queue = [principal]
        while queue:
            for group in self.groups.get(queue.pop(), ()):
                if group not in out:
                    out.append(group)
                    queue.append(group)
        for member in list(out):
            email = email_of(self.graph.node(member), member)
            if email and not email.endswith(".gserviceaccount.com"):
                domain = "domain:" + email.rsplit("@", 1)[-1].lower()
                if domain in self.by_member and domain not in out:
                    out.append(domain)
        for member in list(out):
            for binding in self.by_member.get(member, ()):
                prefix = _CONVENIENCE.get(binding.role)
                if prefix and binding.condition is None and self.hierarchy.is_scope(binding.scope):
                    node = self.graph.node(binding.scope)
                    if node is not None and node.kind == "account":
                        convenience = f"{prefix}:{project_id_of(node)}"
                        if convenience in self.by_member and convenience not in out:
                            out.append(convenience)
        return out

    def principal_names(self, principal: str) -> set[str]:
        """Every spelling a deny policy may use for the principal, its groups and its domain."""
        names = {"principalSet://goog/public:all"}
        for member in self.members_for(principal):
            names.add(member)
            node = self.graph.node(member)
            email = email_of(node, member)
            kind = node.kind if node is not None else ""
            if email and (kind == "identity.service_account" or member.startswith("serviceAccount:")):
                names |= {f"serviceAccount:{email}", f"principal://iam.googleapis.com/projects/-/serviceAccounts/{email}"}
            elif email and (kind == "identity.group" or member.startswith("group:")):
                names |= {f"group:{email}", f"principalSet://goog/group/{email}"}
            elif email:
                names |= {f"user:{email}", f"principal://goog/subject/{email}"}
        return names


def _get(rule: dict[str, Any], *keys: str) -> list[str]:
    for key in keys:
        if rule.get(key):
            return [str(v) for v in rule[key]]
    return []


def _scope_id(hierarchy: Hierarchy, scope: str) -> str:
    """A deny policy attachment point (``cloudresourcemanager.googleapis.com/projects/p`` URL-decoded) as a node id."""
    scope = scope.replace("%2F", "/").replace("%2f", "/")
    if scope.startswith("cloudresourcemanager.googleapis.com/"):
        scope = "//" + scope
    if scope.startswith("//cloudresourcemanager.googleapis.com/projects/"):
        key = scope.rsplit("/", 1)[-1]
        return hierarchy.project(key) or scope
    return scope


def deny_permission(text: str) -> str:
    """A deny policy permission (``storage.googleapis.com/buckets.delete``) in IAM form (``storage.buckets.delete``)."""
    if "/" not in text:
        return text
    host, _, rest = text.partition("/")
    service = host.split(".", 1)[0]
    service = {"cloudresourcemanager": "resourcemanager", "sqladmin": "cloudsql"}.get(service, service)
    return f"{service}.{rest}"
