"""What a GCP run covers: organizations, folders and projects named by flags, or every visible project.

Each target is one Cloud Asset Inventory scope (``organizations/N``, ``folders/N``
or ``projects/P``). Named projects, folders and organizations are looked up in
Resource Manager first, so a typo stops the run (exit 2) instead of producing an
empty snapshot; a lookup that is merely denied still scans the scope (Asset
Inventory may be allowed where Resource Manager is not) and records the gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.api_core.gapic_v1.method import DEFAULT
from google.api_core.retry import Retry
from google.auth import exceptions as auth_exceptions
from google.cloud import resourcemanager_v3

from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.gcp.credentials import GcpConnection
from cloudwarden.providers.gcp.errors import GcpCredentialsError, GcpScopeError, gap_for

RESOURCE_MANAGER = "cloudresourcemanager"
_ID = re.compile(r"^[a-z0-9][a-z0-9.:\-]{0,62}$")
_NUMBER = re.compile(r"^[0-9]{1,30}$")


@dataclass
class GcpScope:
    """What the user asked to collect (flags of ``collect gcp`` / ``scan gcp``)."""

    organizations: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    key_file: str | None = None
    impersonate_service_account: str | None = None
    endpoint: str | None = None
    quota_project: str | None = None
    asset_types: list[str] = field(default_factory=list)
    max_workers: int = 8


@dataclass
class ScanTarget:
    """One Asset Inventory scope and the account its gaps are filed under.

    ``account`` is the project ID for a project, else the scope name itself
    (``organizations/123``), which is how organization-level gaps are reported.
    """

    scope: str
    account: str
    project_number: str | None = None
    gaps: list[CoverageGap] = field(default_factory=list)
    found: Any = None  # the Resource Manager object already read while resolving (saves a second get)

    @property
    def kind(self) -> str:
        """``organizations``, ``folders`` or ``projects``."""
        return self.scope.split("/", 1)[0]


def _strip(value: str, prefix: str) -> str:
    value = value.strip()
    return value[len(prefix) + 1:] if value.startswith(prefix + "/") else value


def _check_number(value: str, flag: str) -> str:
    if not _NUMBER.match(value):
        raise GcpScopeError(f"{flag} takes a numeric id, not {value!r}")
    return value


def _unauthenticated(exc: Exception) -> GcpCredentialsError:
    # A 401 makes the transport refresh the token; a refresh that fails is an auth-library error.
    detail = f"HTTP {exc.code}" if isinstance(exc, api_exceptions.Unauthorized) else type(exc).__name__
    return GcpCredentialsError(f"credentials rejected by Resource Manager ({detail})")


def project_target(conn: GcpConnection, project: str, retry: Retry | None = None) -> ScanTarget:
    """A ``--project`` (ID or number) resolved to its ID and number through Resource Manager."""
    value = _strip(project, "projects")
    if not _ID.match(value):
        raise GcpScopeError(f"--project {project!r} is not a project ID or number")
    client = conn.client(RESOURCE_MANAGER, resourcemanager_v3.ProjectsClient)
    try:
        found = client.get_project(name=f"projects/{value}", retry=retry or DEFAULT)
    except api_exceptions.NotFound as exc:
        raise GcpScopeError(f"project {value} not found") from exc
    except (api_exceptions.Unauthorized, auth_exceptions.GoogleAuthError) as exc:
        raise _unauthenticated(exc) from exc
    except api_exceptions.GoogleAPICallError as exc:
        # Resource Manager answers 403 both for "denied" and "does not exist": scan anyway and say so.
        target = ScanTarget(scope=f"projects/{value}", account=value)
        target.gaps.append(gap_for(exc, RESOURCE_MANAGER, "GetProject", f"projects/{value}"))
        return target
    number = found.name.split("/", 1)[1]
    return ScanTarget(scope=f"projects/{found.project_id}", account=found.project_id, project_number=number,
                      found=found)


def container_target(conn: GcpConnection, kind: str, value: str, retry: Retry | None = None) -> ScanTarget:
    """A ``--folder`` or ``--organization`` checked to exist (numeric id, optional ``folders/`` prefix)."""
    number = _check_number(_strip(value, kind), f"--{kind[:-1]}" if kind == "folders" else "--organization")
    name = f"{kind}/{number}"
    target = ScanTarget(scope=name, account=name)
    try:
        if kind == "folders":
            conn.client(RESOURCE_MANAGER, resourcemanager_v3.FoldersClient).get_folder(
                name=name, retry=retry or DEFAULT)
        else:
            conn.client(RESOURCE_MANAGER, resourcemanager_v3.OrganizationsClient).get_organization(
                name=name, retry=retry or DEFAULT)
    except api_exceptions.NotFound as exc:
        raise GcpScopeError(f"{name} not found") from exc
    except (api_exceptions.Unauthorized, auth_exceptions.GoogleAuthError) as exc:
        raise _unauthenticated(exc) from exc
    except api_exceptions.GoogleAPICallError as exc:
        operation = "GetFolder" if kind == "folders" else "GetOrganization"
        target.gaps.append(gap_for(exc, RESOURCE_MANAGER, operation, name))
    return target


def visible_projects(conn: GcpConnection, retry: Retry | None = None) -> list[ScanTarget]:
    """Every active project the credentials can see (Resource Manager ``SearchProjects``)."""
    client = conn.client(RESOURCE_MANAGER, resourcemanager_v3.ProjectsClient)
    try:
        found = list(client.search_projects(request={"query": "state:ACTIVE"}, retry=retry or DEFAULT))
    except (api_exceptions.Unauthorized, auth_exceptions.GoogleAuthError) as exc:
        raise _unauthenticated(exc) from exc
    except api_exceptions.GoogleAPICallError as exc:
        raise GcpScopeError(f"cannot list visible projects ({exc.code} {exc.message}); "
                            "pass --project, --folder or --organization") from exc
    targets = [
        ScanTarget(scope=f"projects/{p.project_id}", account=p.project_id, project_number=p.name.split("/", 1)[1],
                   found=p)
        for p in found
        if p.state in (resourcemanager_v3.Project.State.ACTIVE, resourcemanager_v3.Project.State.STATE_UNSPECIFIED)
    ]
    if not targets:
        raise GcpScopeError("the credentials see no active project; pass --project, --folder or --organization")
    return sorted(targets, key=lambda t: t.account)


def resolve_targets(scope: GcpScope, conn: GcpConnection, retry: Retry | None = None) -> list[ScanTarget]:
    """The scopes to scan, de-duplicated, in a stable order (organizations, folders, projects)."""
    if not (scope.organizations or scope.folders or scope.projects):
        return visible_projects(conn, retry)
    targets: dict[str, ScanTarget] = {}
    for org in scope.organizations:
        t = container_target(conn, "organizations", org, retry)
        targets.setdefault(t.scope, t)
    for folder in scope.folders:
        t = container_target(conn, "folders", folder, retry)
        targets.setdefault(t.scope, t)
    for project in scope.projects:
        t = project_target(conn, project, retry)
        targets.setdefault(t.scope, t)
    return list(targets.values())
