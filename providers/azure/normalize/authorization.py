"""Role definitions, role assignments and deny assignments (``authorizationresources``).

- A role definition is an ``identity.policy`` keyed by GUID
  (``/providers/microsoft.authorization/roledefinitions/<guid>``), whatever scope
  the API reported it under; built-in roles no record describes come from the
  shipped catalogue, unknown ones stay references whose grants are unknown.
- A role assignment is a ``has_policy`` edge principal -> role definition with
  ``{assignments: [{id, scope, condition, condition_version, principal_type}]}``;
  several assignments of one role to one principal fold into one edge, and the
  principal's ``attached_policies`` lists each role with the scopes it holds it at.
- A deny assignment is an ``identity.policy`` with ``deny: true`` whose document
  names its principals; it grants nothing, so it has no ``has_policy`` edges.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.builtin_roles import builtin_roles
from cloudwarden.providers.azure.normalize.raw import raw_payload
from cloudwarden.providers.azure.normalize.roles import (
    normalize_permissions,
    role_definition_id,
    role_props,
)

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "authorization"
POLICY = "identity.policy"
ROLE_NATIVE = "Microsoft.Authorization/roleDefinitions"
DENY_NATIVE = "Microsoft.Authorization/denyAssignments"
SERVICE_ACCOUNT = "identity.service_account"

PRINCIPAL_KINDS: dict[str, str] = {
    "user": "identity.user",
    "group": "identity.group",
    "foreigngroup": "identity.group",
    "systemdefined": "identity.group",  # "Everyone" in deny assignments
    "serviceprincipal": SERVICE_ACCOUNT,
    "msi": SERVICE_ACCOUNT,
    "application": SERVICE_ACCOUNT,
}


def principal_kind(principal_type: Any) -> str:
    """The kind of a principal from an assignment's ``principalType`` (unknown types are workload identities)."""
    return PRINCIPAL_KINDS.get((arm.lower(principal_type) or ""), SERVICE_ACCOUNT)


def handle_role_definition(record: dict[str, Any], ctx: Context) -> None:
    """A built-in or custom role definition."""
    node_id = role_definition_id(arm.get(record, "name") or arm.get(record, "id"))
    if not node_id:
        return
    props = role_props(arm.props(record))
    props["attachment_count"] = 0
    account = arm.subscription_of(arm.lower_id(arm.get(record, "id"))) if props["managed_by"] == "customer" else None
    ctx.add(Node(
        id=node_id, cloud="azure", kind=POLICY, native_type=ROLE_NATIVE, account=account,
        name=props["role_name"] or arm.last_segment(node_id), props=props, raw=raw_payload(record),
    ), FAMILY)
    ctx.role_definitions[node_id] = props


def handle_role_assignment(record: dict[str, Any], ctx: Context) -> None:
    """Remember an assignment; edges are made once every definition is known (``finish``)."""
    p = arm.props(record)
    role = role_definition_id(arm.get(p, "roleDefinitionId"))
    principal = ctx.resolve_principal(arm.get(p, "principalId"))
    if not role or not principal:
        return
    scope = arm.lower_id(arm.get(p, "scope")) or arm.lower_id(arm.scope_prefix(str(record.get("id", "")), "/providers/microsoft.authorization/roleassignments/")) or "/"
    ctx.assignments.append({
        "id": arm.lower_id(arm.get(record, "id")),
        "role": role,
        "principal": principal,
        "scope": scope,
        "condition": arm.text(arm.get(p, "condition")),
        "condition_version": arm.text(arm.get(p, "conditionVersion")),
        "principal_type": arm.text(arm.get(p, "principalType")),
    })


def handle_deny_assignment(record: dict[str, Any], ctx: Context) -> None:
    """A deny assignment: which actions it blocks, for whom, at which scope."""
    p = arm.props(record)
    node_id = arm.lower_id(arm.get(record, "id")) or ""
    scope = arm.lower_id(arm.get(p, "scope")) or arm.lower_id(arm.scope_prefix(node_id, "/providers/microsoft.authorization/denyassignments/")) or "/"
    principals = [_deny_principal(ctx, item) for item in arm.items(arm.get(p, "principals"))]
    excluded = [_deny_principal(ctx, item) for item in arm.items(arm.get(p, "excludePrincipals"))]
    protected = arm.flag(arm.get(p, "isSystemProtected"))
    props = {
        "deny": True,
        "role_name": arm.text(arm.get(p, "denyAssignmentName")),
        "managed_by": "azure" if protected else "customer",
        "document": {
            "permissions": normalize_permissions(arm.get(p, "permissions")),
            "principals": principals,
            "exclude_principals": excluded,
            "scope": scope,
            "does_not_apply_to_child_scopes": bool(arm.flag(arm.get(p, "doNotApplyToChildScopes"))),
        },
        "admin_equivalent": False,  # a deny assignment never grants anything
        "wildcard_services": [],
        "attachment_count": len(principals),
        "description": arm.text(arm.get(p, "description")),
    }
    ctx.add(Node(
        id=node_id, cloud="azure", kind=POLICY, native_type=DENY_NATIVE, account=arm.subscription_of(scope),
        name=props["role_name"] or arm.last_segment(node_id), props=props, raw=raw_payload(record),
    ), FAMILY)


def _deny_principal(ctx: Context, item: Any) -> dict[str, Any]:
    oid = arm.lower(arm.get(item, "id"))
    ptype = arm.text(arm.get(item, "type"))
    node_id = ctx.resolve_principal(oid) or ""
    if node_id:
        ctx.note_principal(node_id, principal_kind(ptype), object_id=oid, principal_type=ptype)
    return {"id": node_id, "object_id": oid, "type": ptype}


def finish(ctx: Context) -> None:
    """Edges, attachment counts and principals' ``attached_policies`` from the remembered assignments."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for assignment in ctx.assignments:
        grouped[(assignment["principal"], assignment["role"])].append(assignment)
    principals_of_role: dict[str, set[str]] = defaultdict(set)
    attached: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (principal, role), assignments in sorted(grouped.items()):
        props = _role(ctx, role)
        principals_of_role[role].add(principal)
        assignments.sort(key=lambda a: a["id"] or "")
        detail = [{k: a[k] for k in ("id", "scope", "condition", "condition_version", "principal_type")} for a in assignments]
        ctx.edge(principal, role, "has_policy", FAMILY, assignments=detail)
        attached[principal].append({
            "id": role,
            "name": props.get("role_name"),
            "inline": False,
            "admin_equivalent": props.get("admin_equivalent"),
            "wildcard_services": props.get("wildcard_services"),
            "scopes": sorted({a["scope"] for a in assignments}),
            "conditional": all(a["condition"] for a in assignments),
        })
        ptype = next((a["principal_type"] for a in assignments if a["principal_type"]), None)
        oid = principal[len("azure:principal:"):] if principal.startswith("azure:principal:") else None
        ctx.note_principal(principal, principal_kind(ptype) if ptype else None, principal_type=ptype,
                           object_id=oid, collected=True)
    for role, principals in principals_of_role.items():
        if role in ctx.role_definitions:
            ctx.patch(role, {"attachment_count": len(principals)}, FAMILY)
    for principal, policies in attached.items():
        ctx.note_principal(principal, attached_policies=policies)
    _emit_principals(ctx)


def _role(ctx: Context, role: str) -> dict[str, Any]:
    """A role definition's facets, from the input, else the catalogue, else an unknown reference."""
    if role in ctx.role_definitions:
        return ctx.role_definitions[role]
    guid = arm.last_segment(role)
    catalogued = builtin_roles().get(guid)
    if catalogued is not None:
        props = role_props(catalogued, builtin=True)
        props["attachment_count"] = 0
        ctx.add(Node(id=role, cloud="azure", kind=POLICY, native_type=ROLE_NATIVE, name=props["role_name"] or guid,
                     props=props), FAMILY)
    else:
        props = {"role_name": None, "document": None, "admin_equivalent": None, "wildcard_services": None, "managed_by": None}
        ctx.partial(None, FAMILY).references.append(Node(
            id=role, cloud="azure", kind=POLICY, native_type=ROLE_NATIVE, name=guid, props=props, reference=True,
        ))
    ctx.role_definitions[role] = props
    return props


def _emit_principals(ctx: Context) -> None:
    """One node per principal; user-assigned identities get their facts patched onto their resource node."""
    for node_id, info in sorted(ctx.principal_info.items()):
        if not node_id.startswith("azure:principal:"):
            if not ctx.is_node(node_id):
                ctx.reference(node_id, SERVICE_ACCOUNT, family=FAMILY)
            facts = {k: v for k, v in info["props"].items() if k == "attached_policies"}
            if facts:
                ctx.patch(node_id, facts, FAMILY)
            continue
        props = dict(info["props"])
        props.setdefault("attached_policies", [])
        props.setdefault("service_linked", False)
        if info["kind"] == "identity.user":
            props.setdefault("access_keys", [])  # Entra users have no long-lived API keys for Azure
        oid = node_id[len("azure:principal:"):]
        node = Node(
            id=node_id, cloud="azure", kind=info["kind"] or SERVICE_ACCOUNT, native_type="Microsoft.Entra/principal",
            name=info["name"] or oid, props=props, reference=not info["collected"],
        )
        part = ctx.partial(None, FAMILY)
        (part.nodes if info["collected"] else part.references).append(node)

