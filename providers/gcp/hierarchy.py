"""The resource hierarchy and its IAM policies from Resource Manager v3, as Asset Inventory records.

Asset Inventory at a project scope returns the project but not the folders and
organization above it, whose IAM bindings the project inherits. So each target
is walked up (get + ``getIamPolicy`` on every ancestor) and, for an organization
or folder target, down (the folders and projects under it). The answers are
turned into the CAI ``Asset`` shape (``cloudresourcemanager.googleapis.com/Project``
with the v1 ``data`` fields CAI reports, ``Folder``, ``Organization``) and fed to
the normalizer like any inventory record. A denied call is a coverage gap and
the walk goes on with what it has.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.api_core import retry as retries
from google.cloud import asset_v1, resourcemanager_v3
from google.iam.v1 import iam_policy_pb2, policy_pb2

from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.gcp.asset_inventory import asset_record, default_retry
from cloudwarden.providers.gcp.credentials import GcpConnection
from cloudwarden.providers.gcp.errors import gap_for
from cloudwarden.providers.gcp.scope import RESOURCE_MANAGER, ScanTarget

CRM = "//cloudresourcemanager.googleapis.com/"
ASSET_TYPES = {
    "projects": "cloudresourcemanager.googleapis.com/Project",
    "folders": "cloudresourcemanager.googleapis.com/Folder",
    "organizations": "cloudresourcemanager.googleapis.com/Organization",
}
DISCOVERY = {"projects": ("v1", "Project"), "folders": ("v2", "Folder"), "organizations": ("v1", "Organization")}
POLICY_VERSION = 3  # conditional bindings are only returned when version 3 is asked for


@dataclass
class HierarchyResult:
    """Inventory-shaped records and coverage gaps of one target's walk."""

    records: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    ancestors: list[str] = field(default_factory=list)  # the target's own CAI ancestors (itself first)


def _state(value: Any) -> str:
    name = getattr(value, "name", str(value))
    return "ACTIVE" if name in ("", "STATE_UNSPECIFIED") else name


def _parent_ref(parent: str) -> dict[str, str] | None:
    kind, _, number = parent.partition("/")
    return {"type": kind[:-1], "id": number} if kind in ("folders", "organizations") and number else None


def _time(value: Any) -> str | None:
    return value.rfc3339() if value and hasattr(value, "rfc3339") else None


def project_data(project: resourcemanager_v3.Project) -> dict[str, Any]:
    """A v3 project as CAI reports a ``Project`` (Resource Manager v1 fields)."""
    data = {"projectNumber": project.name.split("/", 1)[1], "projectId": project.project_id,
            "lifecycleState": _state(project.state), "name": project.display_name or project.project_id,
            "parent": _parent_ref(project.parent), "createTime": _time(project.create_time),
            "labels": dict(project.labels)}
    return {k: v for k, v in data.items() if v not in (None, {}, "")}


def folder_data(folder: resourcemanager_v3.Folder) -> dict[str, Any]:
    """A v3 folder as CAI reports a ``Folder``."""
    data = {"name": folder.name, "parent": folder.parent, "displayName": folder.display_name,
            "lifecycleState": _state(folder.state), "createTime": _time(folder.create_time)}
    return {k: v for k, v in data.items() if v not in (None, "")}


def organization_data(org: resourcemanager_v3.Organization) -> dict[str, Any]:
    """A v3 organization as CAI reports an ``Organization``."""
    data: dict[str, Any] = {"name": org.name, "displayName": org.display_name, "lifecycleState": _state(org.state),
                            "creationTime": _time(org.create_time)}
    if org.directory_customer_id:
        data["owner"] = {"directoryCustomerId": org.directory_customer_id}
    return {k: v for k, v in data.items() if v not in (None, "")}


def hierarchy_record(name: str, data: dict[str, Any] | None, parent: str | None, ancestors: list[str],
                     policy: policy_pb2.Policy | None) -> dict[str, Any]:
    """A CAI-shaped record of an organization, folder or project (``name`` like ``folders/12``)."""
    kind = name.split("/", 1)[0]
    version, discovery = DISCOVERY[kind]
    asset = asset_v1.Asset(name=CRM + name, asset_type=ASSET_TYPES[kind], ancestors=ancestors)
    if data is not None:
        asset.resource = asset_v1.Resource(version=version, discovery_name=discovery, data=data,
                                           parent=CRM + parent if parent else "")
    if policy is not None:
        asset.iam_policy = policy
    return asset_record(asset)


class HierarchyWalker:
    """Walks Resource Manager for every target; answers are cached, so shared ancestors are read once."""

    def __init__(self, conn: GcpConnection, retry: retries.Retry | None = None) -> None:
        self.conn = conn
        self.retry = retry or default_retry()
        self._lock = threading.Lock()
        self._nodes: dict[str, tuple[Any, CoverageGap | None]] = {}
        self._policies: dict[str, tuple[policy_pb2.Policy | None, CoverageGap | None]] = {}

    def _client(self, kind: str) -> Any:
        cls = {"projects": resourcemanager_v3.ProjectsClient, "folders": resourcemanager_v3.FoldersClient,
               "organizations": resourcemanager_v3.OrganizationsClient}[kind]
        return self.conn.client(RESOURCE_MANAGER, cls)

    def get(self, name: str) -> tuple[Any, CoverageGap | None]:
        """The v3 object for ``projects/..``, ``folders/..`` or ``organizations/..`` (or the gap)."""
        with self._lock:
            if name in self._nodes:
                return self._nodes[name]
        kind = name.split("/", 1)[0]
        op = {"projects": "get_project", "folders": "get_folder", "organizations": "get_organization"}[kind]
        try:
            found: tuple[Any, CoverageGap | None] = (getattr(self._client(kind), op)(name=name, retry=self.retry), None)
        except api_exceptions.GoogleAPICallError as exc:
            found = (None, gap_for(exc, RESOURCE_MANAGER, op.replace("_", " ").title().replace(" ", ""), name))
        with self._lock:
            self._nodes[name] = found
        return found

    def policy(self, name: str) -> tuple[policy_pb2.Policy | None, CoverageGap | None]:
        """The IAM policy (version 3) set on an organization, folder or project."""
        with self._lock:
            if name in self._policies:
                return self._policies[name]
        request = iam_policy_pb2.GetIamPolicyRequest(resource=name)
        request.options.requested_policy_version = POLICY_VERSION
        try:
            found: tuple[Any, CoverageGap | None] = (
                self._client(name.split("/", 1)[0]).get_iam_policy(request=request, retry=self.retry), None)
        except api_exceptions.GoogleAPICallError as exc:
            found = (None, gap_for(exc, RESOURCE_MANAGER, "GetIamPolicy", name))
        with self._lock:
            self._policies[name] = found
        return found

    def chain(self, name: str, result: HierarchyResult) -> list[str]:
        """Records for ``name`` and every ancestor into ``result``; returns the CAI ancestors list of ``name``."""
        path: list[tuple[str, Any]] = []
        current: str | None = name
        while current and current not in (n for n, _ in path):
            obj, gap = self.get(current)
            if gap:
                result.gaps.append(gap)
            path.append((current, obj))
            current = obj.parent if obj is not None and getattr(obj, "parent", "") else None
        names = [obj.name if obj is not None else n for n, obj in path]
        for i, (_, obj) in enumerate(path):
            policy, gap = self.policy(names[i])
            if gap:
                result.gaps.append(gap)
            self._emit(names[i], obj, policy, names[i:], result)
        return names

    def _emit(self, name: str, obj: Any, policy: policy_pb2.Policy | None, ancestors: list[str],
              result: HierarchyResult) -> None:
        kind = name.split("/", 1)[0]
        if kind == "projects" and obj is None and not name.split("/", 1)[1].isdigit():
            return  # a CAI project record needs the project number, which only a successful get gives
        data, parent = None, None
        if obj is not None:
            data = {"projects": project_data, "folders": folder_data, "organizations": organization_data}[kind](obj)
            parent = getattr(obj, "parent", "") or None
        if data is None and policy is None:
            return
        result.records.append(hierarchy_record(name, data, parent, ancestors, policy))

    def descendants(self, name: str, ancestors: list[str], result: HierarchyResult) -> None:
        """Folders (recursively) and projects under an organization or folder; IAM comes from the inventory."""
        pending = [(name, ancestors)]
        while pending:
            parent, parent_chain = pending.pop()
            for kind, op, cls in (("folders", "list_folders", resourcemanager_v3.FoldersClient),
                                  ("projects", "list_projects", resourcemanager_v3.ProjectsClient)):
                try:
                    children = list(getattr(self.conn.client(RESOURCE_MANAGER, cls), op)(
                        request={"parent": parent}, retry=self.retry))
                except api_exceptions.GoogleAPICallError as exc:
                    result.gaps.append(gap_for(exc, RESOURCE_MANAGER, op.title().replace("_", ""), parent))
                    continue
                for child in children:
                    chain = [child.name, *parent_chain]
                    self._emit(child.name, child, None, chain, result)
                    if kind == "folders":
                        pending.append((child.name, chain))

    def walk(self, target: ScanTarget) -> HierarchyResult:
        """Everything Resource Manager says about one target: its ancestry with policies, and what it holds."""
        result = HierarchyResult()
        if target.found is not None and target.kind == "projects":
            with self._lock:  # already read while resolving the scope: the walk starts from it
                self._nodes.setdefault(target.found.name, (target.found, None))
            result.ancestors = self.chain(target.found.name, result)
        else:
            result.ancestors = self.chain(target.scope, result)
        if target.kind in ("organizations", "folders"):
            self.descendants(result.ancestors[0], result.ancestors, result)
        return result
