"""The resource hierarchy: organization, folders, projects, and the project-wide compute settings.

Organizations and folders are ``org.unit`` nodes, projects ``account`` nodes with
id ``//cloudresourcemanager.googleapis.com/projects/<NUMBER>`` and ``account`` =
project id. ``contains`` edges run parent -> child, so a resource's ancestors
through ``contains`` are the scopes whose IAM policies it inherits. Resource
Manager v1 (``projectNumber``, ``projectId``, ``parent: {type, id}``,
``lifecycleState``) and v3 (``name: projects/N``, ``parent: folders/F``,
``state``) shapes are both read.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.resources import flag, labels, metadata_items, scrub

ORGANIZATION = "cloudresourcemanager.googleapis.com/Organization"
FOLDER = "cloudresourcemanager.googleapis.com/Folder"
PROJECT = "cloudresourcemanager.googleapis.com/Project"
COMPUTE_PROJECT = "compute.googleapis.com/Project"


def parent_ref(b: Builder, asset: Asset) -> str | None:
    """The node id of an organization/folder/project's parent (data, resource.parent, or ancestors)."""
    parent = asset.data.get("parent")
    if isinstance(parent, dict) and parent.get("type") and parent.get("id"):
        return names.hierarchy_node_id(f"{parent['type']}s/{parent['id']}")
    if isinstance(parent, str) and parent:
        found = names.hierarchy_node_id(parent)
        if found:
            return b.resolve(found)
    if asset.parent:
        found = names.hierarchy_node_id(asset.parent)
        if found:
            return b.resolve(found)
    if len(asset.ancestors) > 1:
        return b.resolve(names.hierarchy_node_id(asset.ancestors[1]) or "")
    return None


def organization_of(asset: Asset) -> str | None:
    """``organizations/N`` from an asset's ancestors, the partial's account for org-level nodes."""
    return next((a for a in reversed(asset.ancestors) if a.startswith("organizations/")), None)


def _state(data: dict[str, Any]) -> str | None:
    state = data.get("lifecycleState") or data.get("state")
    return str(state).lower() if state else None


def org_unit(b: Builder, asset: Asset) -> None:
    """An organization or folder."""
    is_org = asset.asset_type == ORGANIZATION
    data = asset.data
    node_id = names.hierarchy_node_id(asset.name) or asset.name
    relative = node_id.removeprefix(names.RESOURCE_MANAGER)
    with b.producing(organization_of(asset) or relative, "resourcemanager"):
        b.add(Node(
            id=node_id, cloud="gcp", kind="org.unit", native_type=asset.asset_type, region="global",
            name=str(data.get("displayName") or names.basename(node_id)),
            props={
                "org_type": "organization" if is_org else "folder",
                "display_name": data.get("displayName"),
                "state": _state(data),
                "directory_customer_id": (data.get("owner") or {}).get("directoryCustomerId")
                if is_org else None,
            },
            raw=scrub(data),
        ))
        parent = None if is_org else parent_ref(b, asset)
        if parent:
            b.edge(parent, node_id, "contains")


def project(b: Builder, asset: Asset) -> None:
    """A project: the ``account`` node, under its folder or organization."""
    data = asset.data
    project_id = b.project_of(asset)
    number = b.project_number(project_id) or str(data.get("projectNumber") or "") or None
    node_id = b.project_node(number or project_id or names.basename(asset.name))
    with b.producing(project_id, "resourcemanager"):
        b.add(Node(
            id=node_id, cloud="gcp", kind="account", native_type=PROJECT, account=project_id,
            name=project_id or names.basename(node_id),
            tags=labels(data),
            props={
                "project_id": project_id,
                "project_number": number,
                # v1 calls the display name ``name``; v3 uses ``name`` for ``projects/N``.
                "display_name": data.get("displayName")
                or (None if str(data.get("name", "")).startswith("projects/") else data.get("name")),
                "state": _state(data),
            },
            raw=scrub(data),
        ))
        parent = parent_ref(b, asset)
        if parent:
            b.edge(parent, node_id, "contains")


def compute_project(b: Builder, asset: Asset) -> None:
    """Project-wide compute settings (``commonInstanceMetadata``, default service account) onto the project."""
    data = asset.data
    project_id = b.project_of(asset) or data.get("name")
    if not project_id:
        return
    items = metadata_items(data.get("commonInstanceMetadata"))
    facts = {
        "os_login": bool(flag(items.get("enable-oslogin"))),
        "os_login_2fa": bool(flag(items.get("enable-oslogin-2fa"))),
        "block_project_ssh_keys": bool(flag(items.get("block-project-ssh-keys"))),
        "serial_port_enabled": bool(flag(items.get("serial-port-enable"))),
        "default_service_account": str(data.get("defaultServiceAccount") or "").lower() or None,
    }
    b.shared.setdefault("compute_projects", {})[project_id] = facts
    node_id = b.project_node(project_id)
    with b.producing(project_id, "compute"):
        if node_id not in b.nodes:
            b.reference(node_id, "account", project_id, project_id=project_id)
        b.patch(node_id, {"compute": facts, "os_login": facts["os_login"]})


def ensure_projects(b: Builder) -> None:
    """A reference ``account`` node for every project a resource names but no project record described."""
    for asset in b.assets:
        project_id = b.project_of(asset)
        if project_id and asset.asset_type not in (ORGANIZATION, FOLDER):
            node_id = b.project_node(project_id)
            if node_id not in b.nodes:
                with b.producing(project_id, "resourcemanager"):
                    b.reference(node_id, "account", project_id, project_id=project_id,
                                project_number=b.project_number(project_id))
                    b.nodes[node_id].account = project_id


HANDLERS = {ORGANIZATION: org_unit, FOLDER: org_unit, PROJECT: project, COMPUTE_PROJECT: compute_project}
