"""Management groups, subscriptions and resource groups (``resourcecontainers``).

The hierarchy is ``contains`` edges: management group -> child management group
or subscription -> resource group -> resource. A subscription's parents come
from ``managementGroupAncestorsChain`` (nearest first), a management group's
from ``details.parent`` and its own ancestors chain, so the tree is whole even
when only some levels were exported; groups known only from a chain are
references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.raw import raw_payload

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "containers"
MG_PREFIX = "/providers/microsoft.management/managementgroups/"
MG_NATIVE = "Microsoft.Management/managementGroups"


def management_group_id(value: Any) -> str | None:
    """The node id of a management group from its name or id."""
    text = arm.text(value)
    return MG_PREFIX + arm.last_segment(text).lower() if text else None


def _chain(ctx: Context, child: str, chain: Any) -> None:
    """``contains`` edges up an ancestors chain (nearest first) starting at ``child``."""
    current = child
    for entry in arm.items(chain):
        parent = management_group_id(arm.get(entry, "name") if isinstance(entry, dict) else entry)
        if not parent:
            break
        name = arm.text(arm.get(entry, "displayName")) if isinstance(entry, dict) else None
        ctx.reference(parent, "org.unit", name=name, native_type=MG_NATIVE, family=FAMILY)
        ctx.edge(parent, current, "contains", FAMILY)
        current = parent


def handle_subscription(record: dict[str, Any], ctx: Context) -> None:
    """A subscription: the ``account`` node of everything in it."""
    p = arm.props(record)
    sub = arm.lower(arm.get(record, "subscriptionId")) or arm.subscription_of(arm.lower_id(arm.get(record, "id")))
    if not sub:
        return
    node_id = f"/subscriptions/{sub}"
    chain = arm.get(p, "managementGroupAncestorsChain")
    display = arm.text(arm.get(record, "displayName")) or arm.text(arm.get(p, "displayName"))
    ctx.add(Node(
        id=node_id, cloud="azure", kind="account", native_type="Microsoft.Resources/subscriptions", account=sub,
        name=display or arm.text(arm.get(record, "name")) or sub, tags=arm.tag_map(arm.get(record, "tags")),
        props={
            "subscription_id": sub,
            "display_name": display or arm.text(arm.get(record, "name")),
            "state": arm.text(arm.get(p, "state") or arm.get(record, "state")),
            "tenant_id": arm.lower(arm.get(record, "tenantId")),
            "management_group_ancestors": [arm.lower(arm.get(e, "name")) for e in arm.items(chain)],
        },
        raw=raw_payload(record),
    ), FAMILY)
    _chain(ctx, node_id, chain)


def handle_resource_group(record: dict[str, Any], ctx: Context) -> None:
    """A resource group: an ``org.unit`` inside its subscription."""
    p = arm.props(record)
    rid = arm.lower_id(arm.get(record, "id")) or ""
    sub = arm.subscription_of(rid)
    if not sub:
        return
    ctx.add(Node(
        id=rid, cloud="azure", kind="org.unit", native_type="Microsoft.Resources/resourceGroups", account=sub,
        region=arm.region(arm.get(record, "location")), name=arm.text(arm.get(record, "name")) or arm.last_segment(rid),
        tags=arm.tag_map(arm.get(record, "tags")),
        props={"state": arm.text(arm.get(p, "provisioningState")), "managed_by": arm.lower_id(arm.get(record, "managedBy"))},
        raw=raw_payload(record),
    ), FAMILY)
    ctx.edge(ctx.subscription(sub, FAMILY), rid, "contains", FAMILY)


def handle_management_group(record: dict[str, Any], ctx: Context) -> None:
    """A management group: an ``org.unit`` of the tenant, with its parent and children."""
    p = arm.props(record)
    node_id = management_group_id(arm.get(record, "name") or arm.get(record, "id"))
    if not node_id:
        return
    details = arm.get(p, "details") or {}
    display = arm.text(arm.get(p, "displayName"))
    ancestors = arm.get(details, "managementGroupAncestorsChain")
    ctx.add(Node(
        id=node_id, cloud="azure", kind="org.unit", native_type=MG_NATIVE,
        name=display or arm.last_segment(node_id), props={
            "display_name": display,
            "tenant_id": arm.lower(arm.get(record, "tenantId") or arm.get(p, "tenantId")),
            "management_group_ancestors": [arm.lower(arm.get(e, "name")) for e in arm.items(ancestors)],
        },
        raw=raw_payload(record),
    ), FAMILY)
    parent = management_group_id(arm.get(arm.get(details, "parent"), "name") or arm.get(arm.get(details, "parent"), "id"))
    if parent and parent != node_id:
        ctx.reference(parent, "org.unit", native_type=MG_NATIVE, family=FAMILY)
        ctx.edge(parent, node_id, "contains", FAMILY)
    _chain(ctx, node_id, ancestors)
    for child in arm.items(arm.get(p, "children")):
        _child(ctx, node_id, child)


def _child(ctx: Context, parent: str, child: Any) -> None:
    """A child listed by a management group (``$expand=children``): a group or a subscription."""
    cid = arm.lower_id(arm.get(child, "id"))
    if not cid:
        return
    if cid.startswith("/subscriptions/"):
        target = ctx.subscription(cid.split("/")[2], FAMILY)
    else:
        target = management_group_id(cid) or cid
        ctx.reference(target, "org.unit", name=arm.text(arm.get(child, "displayName")), native_type=MG_NATIVE, family=FAMILY)
    ctx.edge(parent, target, "contains", FAMILY)
