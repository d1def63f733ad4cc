"""``can_access`` on GCP: which principals can act on which sensitive resources, from IAM bindings.

Principals are the GCP users, groups, domains, service accounts and public
members (``allUsers``, ``allAuthenticatedUsers``) that hold bindings.
Targets are buckets, keys and key rings, secrets, Cloud SQL instances,
functions and Cloud Run services, Vertex AI resources, and service accounts
(for those only what takes them over or changes who can: ``actAs``, token
minting, key creation, ``setIamPolicy``). A binding reaches every target at
or below its scope (organization > folder > project > resource).

Edge detail, as on AWS: ``levels`` (sorted: read|write|list|tagging|permissions),
``actions`` (compact: ``storage.*`` when every permission of the service
checked on the resource, ``storage.objects.*`` per resource type),
``grants`` (``{role, scope, member[, condition]}``), ``conditional`` (nothing
granted without an undecided condition), ``conditional_actions`` /
``conditional_levels`` when only part is conditional, ``conditions``. A grant
through a role whose permissions are unknown gives ``unknown: true`` and
``conditional: true`` (unknown, never no access). ``denied`` lists
permissions a deny policy takes away.

An owner-equivalent principal (every permission, unconditionally, on a
project or above) gets ONE edge to each project it administers instead:
``{admin: true, levels: [admin, ...], actions: ["*"], grants, conditional: false}``;
resources of those projects get no edge of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam import shared_authorization
from cloudwarden.graph.gcp_iam.authorization import Access, GcpAuthorization
from cloudwarden.graph.gcp_iam.bindings import Binding
from cloudwarden.graph.gcp_iam.permissions import (
    TARGET_KINDS,
    compact,
    family_of,
    family_services,
    permission_level,
    service_of_role,
)
from cloudwarden.graph.model import ACCESS_LEVELS, Edge, Node

ADMIN_LEVELS = sorted(ACCESS_LEVELS)  # "admin" sorts first


def run(graph: EstateGraph) -> Iterator[Edge]:
    """Every GCP can_access edge."""
    auth = shared_authorization(graph)
    # Resources alike (same kind, same unconditional bindings, no deny policy) share one detail: edges are read-only.
    shared: dict[tuple[Any, ...], dict[str, Any] | None] = {}
    for principal in auth.principals():
        administered = auth.admin_projects(principal.id)
        for project, bindings in sorted(administered.items()):
            yield _admin_edge(graph, auth, principal, project, bindings)
        for target in _candidates(auth, principal.id):
            if target == principal.id or auth.hierarchy.project_of(target) in administered:
                continue
            node = graph.node(target)
            if node is None:
                continue
            applying = auth.grants_on(principal.id, target)
            key = None
            if not auth.index.denies and not any(b.condition for b in applying):
                family = family_of(node)
                key = (principal.id in ("allUsers", "allAuthenticatedUsers") and principal.id,
                       family.name if family else node.kind, tuple(id(b) for b in applying))
            if key is not None and key in shared:
                detail = shared[key]
            else:
                detail = access_detail(auth, node, auth.permissions_on(principal.id, target))
                if detail is not None and principal.id == "allUsers":
                    detail["anyone"] = True
                elif detail is not None and principal.id == "allAuthenticatedUsers":
                    detail["authenticated_anyone"] = True
                if key is not None:
                    shared[key] = detail
            if detail is not None:
                yield Edge(source=principal.id, target=target, kind="can_access", detail=detail)


def _candidates(auth: GcpAuthorization, principal: str) -> list[str]:
    """Targets at or below the scopes of the principal's bindings (unknown predefined roles: their service's)."""
    found: set[str] = set()
    for binding in auth.grants(principal):
        for target in auth.hierarchy.under(binding.scope, TARGET_KINDS):
            node = auth.graph.node(target)
            if node is None or node.cloud != "gcp" or node.reference:
                continue
            if not binding.permissions.known and not _may_concern(binding, node):
                continue
            found.add(target)
    return sorted(found)


def _may_concern(binding: Binding, node: Node) -> bool:
    """An unknown role may grant on the node: any custom role, or a predefined role of the node's service."""
    service = service_of_role(binding.role)
    family = family_of(node)
    if service is None or family is None:
        return True
    return service in family_services(family) or binding.scope == node.id


def access_detail(auth: GcpAuthorization, node: Node, access: Access) -> dict[str, Any] | None:
    """The can_access detail for what ``access`` holds on ``node`` (None when nothing)."""
    if not access:
        return None
    family = family_of(node)
    universe = auth.universe(family) if family is not None else ()
    definite = sorted(access.allowed)
    maybe = sorted(access.conditional)
    grants = _refs(access, definite, maybe)
    detail: dict[str, Any] = {
        "levels": sorted({permission_level(p) for p in definite + maybe}),
        "actions": compact(definite + maybe, universe),
        "grants": grants,
        "conditional": not definite,
        "conditions": _conditions(access, maybe),
    }
    if definite and maybe:
        detail["conditional_actions"] = compact(maybe, universe)
        detail["conditional_levels"] = sorted({permission_level(p) for p in maybe}
                                              - {permission_level(p) for p in definite})
    if access.unknown:
        detail["unknown"] = True
        detail["unknown_roles"] = sorted({b.role for b in access.unknown})
    if access.denied:
        detail["denied"] = {p: sorted(set(v)) for p, v in sorted(access.denied.items())}
    return detail


def _refs(access: Access, definite: list[str], maybe: list[str]) -> list[dict[str, Any]]:
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for permission in definite:
        for binding in access.allowed[permission]:
            out.setdefault((binding.role, binding.scope, binding.member), binding.ref(True))
    for permission in maybe:
        for binding in access.conditional[permission]:
            out.setdefault((binding.role, binding.scope, binding.member), binding.ref(None))
    for binding in access.unknown:
        out.setdefault((binding.role, binding.scope, binding.member), binding.ref(None))
    return [out[k] for k in sorted(out)]


def _conditions(access: Access, maybe: list[str]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for permission in maybe:
        for binding in access.conditional[permission]:
            if binding.condition:
                seen.setdefault(str(binding.condition.get("expression")), dict(binding.condition))
    for binding in access.unknown:
        if binding.condition:
            seen.setdefault(str(binding.condition.get("expression")), dict(binding.condition))
    return [seen[k] for k in sorted(seen)]


def _admin_edge(graph: EstateGraph, auth: GcpAuthorization, principal: Node, project: str,
                bindings: list[Binding]) -> Edge:
    if project not in graph:
        key = project.rsplit("/", 1)[-1]
        graph.add_node(Node(id=project, cloud="gcp", kind="account", account=key, name=key, reference=True))
    limits = sorted({r.policy for r in auth.index.denies if r.scope in set(auth.hierarchy.ancestors(project))
                     and auth.index.principal_names(principal.id) & set(r.principals)})
    detail: dict[str, Any] = {
        "admin": True, "levels": ADMIN_LEVELS, "actions": ["*"],
        "grants": [b.ref() for b in sorted(bindings, key=lambda b: (b.scope, b.role, b.member))],
        "conditional": False, "conditions": [],
    }
    if limits:
        detail["limited_by"] = limits
    return Edge(source=principal.id, target=project, kind="can_access", detail=detail)


ANALYZER = Analyzer(
    name="gcp_can_access",
    run=run,
    description="GCP effective permissions of principals on sensitive resources (can_access), from IAM bindings",
)
