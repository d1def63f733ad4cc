"""Hand-built GCP graphs shaped by the normalizer contract (docs: /work/briefs/clouds.md), for analyzer tests.

Ids are Cloud Asset Inventory full resource names; projects are
``//cloudresourcemanager.googleapis.com/projects/<NUMBER>`` (kind ``account``,
account = project id); bindings are ``member -has_policy-> role`` edges with
``{bindings: [{scope, condition}]}``; hierarchy and placement are ``contains``.
"""

from __future__ import annotations

import zlib
from typing import Any

from cloudwarden.graph.analyzers import derive
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot

CRM = "//cloudresourcemanager.googleapis.com"
ORG = f"{CRM}/organizations/100"
PROJECT_ID = "shop-prod"
PROJECT_NUMBER = "555000111"
PROJECT = f"{CRM}/projects/{PROJECT_NUMBER}"
GCP_ANALYZERS = ("gcp_can_access", "gcp_can_assume", "gcp_escalation", "gcp_reachability")

# Real permissions of a few predefined roles (subsets where the role is large).
ROLES: dict[str, list[str] | None] = {
    "roles/storage.objectViewer": ["storage.objects.get", "storage.objects.list", "resourcemanager.projects.get"],
    "roles/storage.objectAdmin": ["storage.objects.create", "storage.objects.delete", "storage.objects.get",
                                  "storage.objects.getIamPolicy", "storage.objects.list",
                                  "storage.objects.setIamPolicy", "storage.objects.update"],
    "roles/iam.serviceAccountTokenCreator": ["iam.serviceAccounts.get", "iam.serviceAccounts.getAccessToken",
                                             "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccounts.implicitDelegation",
                                             "iam.serviceAccounts.list", "iam.serviceAccounts.signBlob",
                                             "iam.serviceAccounts.signJwt"],
    "roles/iam.serviceAccountUser": ["iam.serviceAccounts.actAs", "iam.serviceAccounts.get", "iam.serviceAccounts.list"],
    "roles/resourcemanager.projectIamAdmin": ["resourcemanager.projects.get", "resourcemanager.projects.getIamPolicy",
                                              "resourcemanager.projects.setIamPolicy"],
    "roles/compute.instanceAdmin.v1": ["compute.instances.create", "compute.instances.setMetadata",
                                       "compute.instances.setServiceAccount", "compute.instances.start",
                                       "compute.instances.stop", "compute.disks.create", "compute.subnetworks.use"],
    "roles/owner": ["*"],
    "roles/viewer": None,  # not listed: the analyzers know the basic roles' documented semantics
    "roles/editor": None,
}


class GcpEstate:
    """A GCP graph under construction: one organization, one project, and whatever a test adds."""

    def __init__(self, collected_at: str = "2025-06-01T00:00:00Z") -> None:
        self.collected_at = collected_at
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}
        self.add(ORG, "org.unit", "organizations/100", native_type="cloudresourcemanager.googleapis.com/Organization")
        self.project(PROJECT_ID, PROJECT_NUMBER, ORG)

    # --- plumbing ----------------------------------------------------------------------

    def add(self, node_id: str, kind: str, name: str, *, account: str | None = PROJECT_ID, native_type: str = "",
            props: dict[str, Any] | None = None, raw: dict[str, Any] | None = None, parent: str | None = None,
            reference: bool = False, region: str = "global") -> str:
        """Add a node (contained by ``parent`` when given)."""
        self.nodes[node_id] = Node(id=node_id, cloud="gcp", kind=kind, native_type=native_type, account=account,
                                   region=region, name=name, props=props or {}, raw=raw or {}, reference=reference)
        if parent:
            self.link(parent, node_id, "contains")
        return node_id

    def link(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """Add a fact edge."""
        self.edges[(source, target, kind)] = Edge(source=source, target=target, kind=kind, detail=detail)

    # --- hierarchy and resources ----------------------------------------------------------

    def folder(self, number: str, parent: str = ORG) -> str:
        return self.add(f"{CRM}/folders/{number}", "org.unit", f"folders/{number}", account=None, parent=parent,
                        native_type="cloudresourcemanager.googleapis.com/Folder")

    def project(self, project_id: str, number: str, parent: str = ORG) -> str:
        return self.add(f"{CRM}/projects/{number}", "account", project_id, account=project_id, parent=parent,
                        native_type="cloudresourcemanager.googleapis.com/Project",
                        props={"project_id": project_id, "project_number": number})

    def bucket(self, name: str, project: str = PROJECT, **props: Any) -> str:
        return self.add(f"//storage.googleapis.com/{name}", "storage.bucket", name, parent=project,
                        native_type="storage.googleapis.com/Bucket", props=props, account=self._pid(project))

    def secret(self, name: str, project: str = PROJECT) -> str:
        number = project.rsplit("/", 1)[-1]
        return self.add(f"//secretmanager.googleapis.com/projects/{number}/secrets/{name}", "secret", name,
                        parent=project, native_type="secretmanager.googleapis.com/Secret", account=self._pid(project))

    def service_account(self, name: str, project: str = PROJECT, unique_id: str | None = None) -> str:
        pid = self._pid(project)
        email = f"{name}@{pid}.iam.gserviceaccount.com"
        uid = unique_id or str(100000000000000000000 + zlib.crc32(email.encode()))
        return self.add(f"//iam.googleapis.com/projects/{pid}/serviceAccounts/{uid}", "identity.service_account",
                        email, parent=project, native_type="iam.googleapis.com/ServiceAccount",
                        props={"email": email}, account=pid)

    def instance(self, name: str, *, public_ips: list[str] | None = None, tags: list[str] | None = None,
                 service_account: str | None = None, network: str | None = None, zone: str = "europe-west1-b",
                 project: str = PROJECT, status: str = "RUNNING") -> str:
        pid = self._pid(project)
        sa_email = self.nodes[service_account].props["email"] if service_account else None
        node = self.add(f"//compute.googleapis.com/projects/{pid}/zones/{zone}/instances/{name}", "compute.instance",
                        name, parent=project, native_type="compute.googleapis.com/Instance", account=pid,
                        region=zone.rsplit("-", 1)[0], props={
                            "network": {"public_ips": public_ips or [], "private_ips": ["10.0.0.2"]},
                            "network_tags": tags or [], "state": status.lower(),
                            "service_accounts": [{"email": sa_email, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}] if sa_email else [],
                        }, raw={"status": status})
        if network:
            self.link(node, network, "in_vpc")
        if service_account:
            self.link(node, service_account, "runs_as", scopes=["https://www.googleapis.com/auth/cloud-platform"])
        return node

    def network(self, name: str = "default", project: str = PROJECT) -> str:
        pid = self._pid(project)
        return self.add(f"//compute.googleapis.com/projects/{pid}/global/networks/{name}", "network.vpc", name,
                        parent=project, native_type="compute.googleapis.com/Network", account=pid)

    def firewall(self, name: str, network: str, *, priority: int = 1000, action: str = "allow",
                 ports: list[tuple[int, int]] | None = None, protocol: str = "tcp", sources: list[str] | None = None,
                 target_tags: list[str] | None = None, target_service_accounts: list[str] | None = None,
                 disabled: bool = False, direction: str = "ingress") -> str:
        pid = self.nodes[network].account or PROJECT_ID
        rule = {"direction": direction, "action": action, "protocol": protocol,
                "ports": [list(p) for p in (ports if ports is not None else [(0, 65535)])],
                "sources": sources if sources is not None else ["0.0.0.0/0"], "destinations": [],
                "priority": priority, "description": None}
        node = self.add(f"//compute.googleapis.com/projects/{pid}/global/firewalls/{name}", "network.firewall", name,
                        parent=self.project_node(pid), native_type="compute.googleapis.com/Firewall", account=pid,
                        props={"rules": [rule], "direction": direction, "priority": priority, "disabled": disabled,
                               "target_tags": target_tags or [], "target_service_accounts": target_service_accounts or [],
                               "source_tags": [], "source_service_accounts": [],
                               "network": f"https://www.googleapis.com/compute/v1/projects/{pid}/global/networks/"
                                          + self.nodes[network].name})
        self.link(node, network, "in_vpc")
        return node

    # --- identities and bindings ---------------------------------------------------------

    def member(self, member: str) -> str:
        """A user, group or domain member node (id = the member string)."""
        if member not in self.nodes:
            kind = "identity.user" if member.startswith("user:") else "identity.group"
            self.add(member, kind, member.partition(":")[2] or member, account=None,
                     props={"email": member.partition(":")[2]} if "@" in member else {})
        return member

    def role(self, role: str, permissions: list[str] | None | str = "catalogue") -> str:
        """A role node; permissions default to ``ROLES`` (None: unknown)."""
        if permissions == "catalogue":
            permissions = ROLES.get(role)
        if role not in self.nodes:
            self.add(role, "identity.policy", role, account=None, props={"permissions": permissions},
                     native_type="iam.googleapis.com/Role")
        return role

    def bind(self, member: str, role: str, scope: str, condition: dict[str, Any] | None = None) -> None:
        """Grant ``role`` to ``member`` on ``scope`` (several bindings of one role fold into one edge)."""
        if member not in self.nodes:
            self.member(member)
        self.role(role)
        key = (member, role, "has_policy")
        entry = {"scope": scope, "condition": condition}
        if key in self.edges:
            self.edges[key].detail["bindings"].append(entry)
        else:
            self.link(member, role, "has_policy", bindings=[entry])

    def join(self, member: str, group: str) -> None:
        self.member(member)
        self.member(group)
        self.link(member, group, "member_of")

    # --- building ----------------------------------------------------------------------------

    def project_node(self, pid: str) -> str:
        return next(n.id for n in self.nodes.values() if n.kind == "account" and n.account == pid)

    def _pid(self, project: str) -> str:
        return self.nodes[project].account or PROJECT_ID

    def snapshot(self) -> Snapshot:
        return Snapshot(collected_at=self.collected_at, tool_version="test", nodes=list(self.nodes.values()),
                        edges=list(self.edges.values()))

    def graph(self, analyzers: tuple[str, ...] = GCP_ANALYZERS) -> EstateGraph:
        """The graph with the given GCP analyzers run (in dependency order)."""
        graph = EstateGraph(self.snapshot())
        derive(graph, only=analyzers) if _registered(analyzers) else run_analyzers(graph, analyzers)
        return graph


def _registered(analyzers: tuple[str, ...]) -> bool:
    from cloudwarden.graph.analyzers import _MODULES

    return all(a in _MODULES for a in analyzers)


def run_analyzers(graph: EstateGraph, analyzers: tuple[str, ...] = GCP_ANALYZERS) -> None:
    """Run GCP analyzers directly, in dependency order (whether or not ``_MODULES`` registers them)."""
    import importlib

    for name in GCP_ANALYZERS:
        if name in analyzers:
            module = importlib.import_module(f"cloudwarden.graph.analyzers.{name}")
            graph.add_derived(module.ANALYZER.run(graph))
