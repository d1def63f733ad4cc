"""Managed identities: user-assigned identity resources, system-assigned identities, ``runs_as`` edges.

A user-assigned identity is its ARM id; its ``principalId`` (the Entra object
id role assignments name) resolves to that id everywhere. A system-assigned
identity has no resource of its own: it is ``azure:principal:<principalId>``
with ``managed_identity: "system"`` and the id of the resource it belongs to.
Any resource with an ``identity`` block runs as those identities (VMs, web and
function apps, automation accounts, AI accounts, ML computes and endpoints...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "identity"
SERVICE_ACCOUNT = "identity.service_account"


def identity_facts(record: dict[str, Any]) -> dict[str, Any] | None:
    """The ``identity`` block as facts: ``{type, system_principal_id, user_assigned: [ids]}`` (None when absent)."""
    block = arm.get(record, "identity")
    if not isinstance(block, dict):
        return None
    kind = arm.text(arm.get(block, "type")) or ""
    users = arm.get(block, "userAssignedIdentities")
    return {
        "type": kind or None,
        "system_principal_id": arm.lower(arm.get(block, "principalId")) if "system" in kind.lower() else None,
        "user_assigned": sorted(filter(None, (arm.lower_id(k) for k in users))) if isinstance(users, dict) else [],
    }


def link_identities(ctx: Context, record: dict[str, Any], resource_id: str, family: str) -> None:
    """``runs_as`` edges from a resource to its system and user-assigned identities."""
    facts = identity_facts(record)
    if not facts:
        return
    pid = facts["system_principal_id"]
    if pid:
        node_id = ctx.resolve_principal(pid) or ""
        name = arm.text(arm.get(record, "name")) or arm.last_segment(resource_id)
        ctx.note_principal(
            node_id, SERVICE_ACCOUNT, name=f"{name} (system-assigned identity)", collected=True,
            object_id=pid, principal_type="ServicePrincipal", managed_identity="system", resource_id=resource_id,
            tenant_id=arm.lower(arm.get(arm.get(record, "identity"), "tenantId")),
        )
        ctx.edge(resource_id, node_id, "runs_as", family, identity_type="system")
    for uami in facts["user_assigned"]:
        if not ctx.is_node(uami):
            ctx.reference(uami, SERVICE_ACCOUNT, family=family)
        ctx.edge(resource_id, uami, "runs_as", family, identity_type="user")


def handle_user_assigned(record: dict[str, Any], ctx: Context) -> None:
    """A user-assigned managed identity (a workload identity of its own)."""
    p = arm.props(record)
    ctx.resource(record, SERVICE_ACCOUNT, FAMILY, {
        "managed_identity": "user",
        "principal_id": arm.lower(arm.get(p, "principalId")),
        "client_id": arm.lower(arm.get(p, "clientId")),
        "tenant_id": arm.lower(arm.get(p, "tenantId")),
        "service_linked": False,
    })
