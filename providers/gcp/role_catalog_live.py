"""Permissions of roles the bindings use but the snapshot would otherwise not know, from the IAM API.

Custom roles come with the inventory (``iam.googleapis.com/Role``) and the
shipped catalogue covers the security-relevant predefined roles; this module
fills the rest: predefined roles missing from the catalogue and custom roles
defined outside the scanned scope (an organization role used in a project).
Answers become ``iam.googleapis.com/Role`` records shaped like the inventory's.

``google-cloud-iam``'s ``iam_admin_v1`` client has only a gRPC transport, which
cannot reach a plain-HTTP endpoint, so the documented REST API
(``GET /v1/{name=roles/*}``, ``GET /v1/roles?view=FULL``) is called through
google-auth's ``AuthorizedSession`` with the same credentials, retries and error
mapping as the generated clients.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.api_core import retry as retries

from cloudwarden.providers.gcp.asset_inventory import default_retry
from cloudwarden.providers.gcp.credentials import GcpConnection

IAM = "iam"
ROLE_ASSET_TYPE = "iam.googleapis.com/Role"
LIST_THRESHOLD = 25  # above this many missing predefined roles, one paged list beats one get per role
_ROLE = re.compile(r"^(roles/[A-Za-z0-9_.]+|(projects|organizations)/[^/]+/roles/[A-Za-z0-9_.]+)$")


def referenced_roles(records: Iterable[dict[str, Any]]) -> set[str]:
    """Every role named in an IAM binding of the records (snake_case or camelCase policy field)."""
    roles: set[str] = set()
    for record in records:
        policy = record.get("iam_policy") or record.get("iamPolicy") or {}
        for binding in policy.get("bindings") or ():
            role = binding.get("role")
            if isinstance(role, str) and _ROLE.match(role):
                roles.add(role)
    return roles


def collected_roles(records: Iterable[dict[str, Any]]) -> set[str]:
    """Role names present as ``iam.googleapis.com/Role`` records (custom roles of the scanned scopes)."""
    names = set()
    for record in records:
        if (record.get("asset_type") or record.get("assetType")) == ROLE_ASSET_TYPE:
            data = (record.get("resource") or {}).get("data") or {}
            if data.get("name"):
                names.add(str(data["name"]))
            elif str(record.get("name", "")).startswith("//iam.googleapis.com/"):
                names.add(str(record["name"])[len("//iam.googleapis.com/"):])
    return names


def catalogue_roles() -> set[str]:
    """Predefined roles the shipped catalogue knows (empty when there is none)."""
    try:
        from cloudwarden.providers.gcp.data import predefined_roles
    except ImportError:
        return set()
    try:
        return set(predefined_roles())
    except (OSError, ValueError, KeyError):
        return set()


def missing_roles(records: list[dict[str, Any]]) -> list[str]:
    """Roles referenced in bindings whose permissions nothing else in the run supplies."""
    known = collected_roles(records) | catalogue_roles()
    return sorted(referenced_roles(records) - known)


def role_record(role: dict[str, Any]) -> dict[str, Any]:
    """An IAM API ``Role`` as an inventory record (``//iam.googleapis.com/<role name>``)."""
    name = str(role["name"])
    resource: dict[str, Any] = {"version": "v1", "discovery_name": "Role", "data": role}
    ancestors: list[str] = []
    if not name.startswith("roles/"):
        owner = name.split("/roles/", 1)[0]
        resource["parent"] = "//cloudresourcemanager.googleapis.com/" + owner
        ancestors = [owner]
    return {"name": "//iam.googleapis.com/" + name, "asset_type": ROLE_ASSET_TYPE, "resource": resource,
            "ancestors": ancestors}


class RoleReader:
    """Reads roles from the IAM REST API with retries; errors are the generated clients' exceptions."""

    def __init__(self, conn: GcpConnection, retry: retries.Retry | None = None) -> None:
        self.conn = conn
        self.retry = retry or default_retry()

    def _get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            response = self.conn.session().get(f"{self.conn.base_url(IAM)}/v1/{path}", params=params, timeout=60)
            if response.status_code >= 400:
                raise api_exceptions.from_http_response(response)
            body = response.json()
            return body if isinstance(body, dict) else {}

        return self.retry(call)()  # type: ignore[no-any-return]

    def get(self, name: str) -> dict[str, Any]:
        """One role with its ``includedPermissions`` (``roles/x``, or a custom role's full name)."""
        if not _ROLE.match(name):
            raise ValueError(f"not a role name: {name}")
        return self._get_json(name)

    def list_predefined(self) -> list[dict[str, Any]]:
        """Every predefined role with its permissions (``view=FULL``), page by page."""
        roles: list[dict[str, Any]] = []
        params: dict[str, Any] = {"view": "FULL", "pageSize": 1000}
        while True:
            page = self._get_json("roles", params)
            roles.extend(r for r in page.get("roles") or () if isinstance(r, dict) and r.get("name"))
            token = page.get("nextPageToken")
            if not token:
                return roles
            params = {**params, "pageToken": token}
