"""IAM roles as ``identity.policy`` nodes: predefined and custom, resolved to permissions.

A role's permissions come, in order of preference, from a role record in the input
(custom roles from the inventory, predefined roles the live collector read from
the IAM API), then from the shipped catalogue (``providers/gcp/data``). A role
known from neither has ``permissions: null``: grants from it are unknown, never
empty, and a coverage gap says so. Catalogue entries too large to ship
(``roles/owner``, ``roles/editor``...) are glob patterns with
``permissions_complete: false`` and ``excluded_permissions``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.gcp.data import predefined_roles
from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder

ROLE = "iam.googleapis.com/Role"


def role_name_of(asset: Asset) -> str:
    """``roles/x`` / ``projects/p/roles/x`` / ``organizations/o/roles/x`` of a role record."""
    name = asset.data.get("name")
    if isinstance(name, str) and "roles/" in name:
        return name
    return asset.name.removeprefix(names.IAM)


def role_record(b: Builder, asset: Asset) -> None:
    """Remember a role record of the input (custom, or predefined read live); its node is built with the bindings."""
    data = asset.data
    permissions = data.get("includedPermissions", data.get("included_permissions"))
    b.shared.setdefault("role_records", {})[role_name_of(asset)] = {
        "title": data.get("title"),
        "description": data.get("description"),
        "stage": data.get("stage"),
        "deleted": bool(data.get("deleted")),
        "permissions": sorted(str(p) for p in permissions) if isinstance(permissions, list) else None,
        "complete": isinstance(permissions, list),
    }


def role_info(b: Builder, role: str) -> dict[str, Any] | None:
    """What is known of a role: the input's record first, then the catalogue; None when neither knows it."""
    record = b.shared.get("role_records", {}).get(role)
    if record is not None and (record["permissions"] is not None or role not in predefined_roles()):
        return record
    entry = predefined_roles().get(role)
    if entry is None:
        return record
    return {"title": entry.get("title"), "description": entry.get("note"), "stage": "GA", "deleted": False,
            "permissions": list(entry["permissions"]), "excluded": list(entry.get("excluded", [])),
            "complete": bool(entry.get("complete", True)), "catalogue": True}


def grants_everything(permissions: list[str], excluded: list[str]) -> bool:
    """Whether the permission patterns cover every permission (``*`` with nothing excluded)."""
    return "*" in permissions and not excluded


def wildcard_services(permissions: list[str], excluded: list[str]) -> list[str]:
    """Services whose every permission the role grants (``*`` for all), none a pattern excludes."""
    services: set[str] = set()
    for permission in permissions:
        if permission == "*":
            if not excluded:
                services.add("*")
        elif permission.endswith(".*") and permission.count(".") == 1:
            service = permission[:-2]
            if not any(fnmatchcase(f"{service}.x.y", ex) or ex.startswith(f"{service}.") for ex in excluded):
                services.add(service)
    return sorted(services)


def role_node(b: Builder, role: str, info: dict[str, Any] | None, attachment_count: int) -> str:
    """The ``identity.policy`` node of a role (id = role name)."""
    managed_by = "gcp" if role.startswith("roles/") else "customer"
    account = b.project_id(role.split("/")[1]) if role.startswith("projects/") else None
    props: dict[str, Any] = {"role_name": role, "managed_by": managed_by, "attachment_count": attachment_count,
                             "permissions": None, "permissions_complete": None, "admin_equivalent": None,
                             "wildcard_services": None}
    if info is not None:
        permissions, excluded = info.get("permissions"), list(info.get("excluded", []))
        props.update(title=info.get("title"), description=info.get("description"), stage=info.get("stage"),
                     deleted=info.get("deleted"), permission_source="catalogue" if info.get("catalogue") else "input")
        if permissions is not None:
            # A deleted custom role's bindings stay in policies but are inactive: it grants nothing.
            effective = [] if info.get("deleted") else list(permissions)
            props.update(permissions=effective, permissions_complete=bool(info.get("complete", True)),
                         admin_equivalent=grants_everything(effective, excluded),
                         wildcard_services=wildcard_services(effective, excluded))
            if excluded:
                props["excluded_permissions"] = excluded
            if info.get("deleted"):
                props["included_permissions"] = list(permissions)
    b.add(Node(id=role, cloud="gcp", kind="identity.policy", native_type=ROLE, account=account, region="global",
               name=str((info or {}).get("title") or role), props=props))
    return role


def build_roles(b: Builder, bound: dict[str, set[str]], first_account: dict[str, str | None]) -> None:
    """Nodes for every role in the input or bound somewhere; a gap for each bound role nobody describes."""
    for role in sorted(set(b.shared.get("role_records", {})) | set(bound)):
        info = role_info(b, role)
        owner = b.project_id(role.split("/")[1]) if role.startswith("projects/") else first_account.get(role)
        with b.producing(owner, "iam"):
            role_node(b, role, info, len(bound.get(role, ())))
            if role in bound and (info is None or info.get("permissions") is None):
                what = "predefined role" if role.startswith("roles/") else "custom role"
                where = "the shipped catalogue nor the input" if role.startswith("roles/") else "the input"
                b.gap("iam", "unsupported", f"permissions of {what} {role} are in neither {where}; "
                      "grants from it are unknown", resource=role, operation="GetRole")


HANDLERS = {ROLE: role_record}
