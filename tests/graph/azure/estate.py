"""Hand-built Azure snapshots shaped like the normalizer's contract, for the Azure analyzer tests.

``AzureEstate()`` starts with a management group ``mg-corp`` holding subscription
``SUB`` with resource group ``rg-app``. Tests add principals, role assignments,
resources and network pieces, then ``graph()`` derives the Azure edges. Ids are
lower-cased ARM ids; principals are ``azure:principal:<object id>``.
"""

from __future__ import annotations

import importlib
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot

SUB_GUID = "11111111-2222-3333-4444-555555555555"
SUB = f"/subscriptions/{SUB_GUID}"
MG = "/providers/microsoft.management/managementgroups/mg-corp"
RG = f"{SUB}/resourcegroups/rg-app"
REGION = "westeurope"
ROLE_PREFIX = "/providers/microsoft.authorization/roledefinitions/"

# Real built-in role GUIDs and permissions (learn.microsoft.com, Azure built-in roles).
OWNER = ROLE_PREFIX + "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = ROLE_PREFIX + "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = ROLE_PREFIX + "acdd72a7-3385-48ef-bd42-f606fba81ae7"
USER_ACCESS_ADMIN = ROLE_PREFIX + "18d7d88d-d35e-4fb5-a5c3-7773c4a72741"
RBAC_ADMIN = ROLE_PREFIX + "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
BLOB_DATA_CONTRIBUTOR = ROLE_PREFIX + "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
BLOB_DATA_READER = ROLE_PREFIX + "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
VM_CONTRIBUTOR = ROLE_PREFIX + "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"

_ST = "Microsoft.Storage/storageAccounts/blobServices/containers"
ROLES: dict[str, tuple[str, dict[str, list[str]]]] = {
    OWNER: ("Owner", {"actions": ["*"]}),
    CONTRIBUTOR: ("Contributor", {"actions": ["*"], "not_actions": [
        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"]}),
    READER: ("Reader", {"actions": ["*/read"]}),
    USER_ACCESS_ADMIN: ("User Access Administrator", {"actions": ["*/read", "Microsoft.Authorization/*",
                                                                  "Microsoft.Support/*"]}),
    RBAC_ADMIN: ("Role Based Access Control Administrator", {"actions": [
        "Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
        "*/read", "Microsoft.Support/*"]}),
    BLOB_DATA_CONTRIBUTOR: ("Storage Blob Data Contributor", {
        "actions": [f"{_ST}/delete", f"{_ST}/read", f"{_ST}/write",
                    "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
        "data_actions": [f"{_ST}/blobs/delete", f"{_ST}/blobs/read", f"{_ST}/blobs/write",
                         f"{_ST}/blobs/move/action", f"{_ST}/blobs/add/action"]}),
    BLOB_DATA_READER: ("Storage Blob Data Reader", {
        "actions": [f"{_ST}/read", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
        "data_actions": [f"{_ST}/blobs/read"]}),
    VM_CONTRIBUTOR: ("Virtual Machine Contributor", {"actions": [
        "Microsoft.Authorization/*/read", "Microsoft.Compute/availabilitySets/*", "Microsoft.Compute/locations/*",
        "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachineScaleSets/*",
        "Microsoft.Network/networkInterfaces/*", "Microsoft.Resources/subscriptions/resourceGroups/read"]}),
}

AZURE_ANALYZERS = ("azure_can_access", "azure_escalation", "azure_reachability")


def principal(name: str) -> str:
    """A principal's node id from a readable name (object ids are opaque anyway)."""
    return f"azure:principal:{name}"


def resource(provider_path: str, rg: str = RG) -> str:
    """A resource id in a resource group: ``resource("microsoft.storage/storageaccounts/st1")``."""
    return f"{rg}/providers/{provider_path}".lower()


class AzureEstate:
    """A snapshot under construction."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}
        self.add(MG, "org.unit", "Microsoft.Management/managementGroups", account=None)
        self.add(SUB, "account", "Microsoft.Resources/subscriptions")
        self.add(RG, "org.unit", "Microsoft.Resources/resourceGroups")
        self.link(MG, SUB, "contains")
        self.link(SUB, RG, "contains")
        for role_id, (name, block) in ROLES.items():
            self.role(role_id, name, block)

    # --- building ------------------------------------------------------------------------

    def add(self, node_id: str, kind: str, native_type: str = "", props: dict[str, Any] | None = None,
            raw: dict[str, Any] | None = None, account: str | None = SUB_GUID, name: str | None = None) -> str:
        """Add a node (in the test subscription unless ``account`` says otherwise)."""
        self.nodes[node_id] = Node(id=node_id, cloud="azure", kind=kind, native_type=native_type, account=account,
                                   region=REGION, name=name or node_id.rsplit("/", 1)[-1], props=props or {},
                                   raw=raw or {})
        return node_id

    def link(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """Add a fact edge."""
        self.edges[(source, target, kind)] = Edge(source=source, target=target, kind=kind, detail=detail)

    def resource(self, provider_path: str, kind: str, native_type: str, props: dict[str, Any] | None = None,
                 rg: str = RG, raw: dict[str, Any] | None = None) -> str:
        """Add a resource in a resource group, contained by it."""
        node_id = self.add(resource(provider_path, rg), kind, native_type, props, raw)
        self.link(rg, node_id, "contains")
        return node_id

    def role(self, role_id: str, name: str, block: dict[str, list[str]], custom: bool = False,
             assignable: tuple[str, ...] = ("/",)) -> str:
        """Add a role definition."""
        return self.add(role_id, "identity.policy", "Microsoft.Authorization/roleDefinitions", account=None, props={
            "role_name": name, "managed_by": "customer" if custom else "azure",
            "document": {"permissions": [block], "assignable_scopes": list(assignable)}}, name=name)

    def user(self, name: str, kind: str = "identity.user") -> str:
        """Add an Entra principal (reference-style node, as role assignments reveal them)."""
        return self.add(principal(name), kind, account=None, name=name)

    def assign(self, who: str, role_id: str, scope: str, condition: str | None = None) -> None:
        """A role assignment (folded into one has_policy edge per principal and role)."""
        key = (who, role_id, "has_policy")
        entries = list(self.edges[key].detail["assignments"]) if key in self.edges else []
        entries.append({"id": f"{scope}/providers/microsoft.authorization/roleassignments/ra-{len(self.edges)}",
                        "scope": scope, "condition": condition, "condition_version": "2.0" if condition else None,
                        "principal_type": "User"})
        self.link(who, role_id, "has_policy", assignments=entries)

    def deny(self, name: str, scope: str, actions: list[str], principals: list[str],
             excluded: list[str] | None = None, children: bool = True) -> str:
        """A deny assignment (principals and exclusions by object id)."""
        return self.add(f"{scope}/providers/microsoft.authorization/denyassignments/{name}", "identity.policy",
                        "Microsoft.Authorization/denyAssignments", account=None, props={"deny": True, "document": {
                            "permissions": [{"actions": actions, "not_actions": [], "data_actions": [],
                                             "not_data_actions": []}],
                            "principals": [{"id": p, "type": "User"} for p in principals],
                            "exclude_principals": [{"id": p, "type": "User"} for p in excluded or []],
                            "scope": scope, "does_not_apply_to_child_scopes": not children}})

    def storage(self, name: str, **props: Any) -> str:
        """A storage account (public network access on, default action Allow unless said)."""
        return self.resource(f"microsoft.storage/storageaccounts/{name}", "storage.bucket",
                             "Microsoft.Storage/storageAccounts", props)

    def vault(self, name: str, **props: Any) -> str:
        """A Key Vault."""
        return self.resource(f"microsoft.keyvault/vaults/{name}", "kms.vault", "Microsoft.KeyVault/vaults", props)

    def identity(self, name: str) -> str:
        """A user-assigned managed identity (its ARM id is its principal id)."""
        return self.resource(f"microsoft.managedidentity/userassignedidentities/{name}", "identity.service_account",
                             "Microsoft.ManagedIdentity/userAssignedIdentities",
                             {"managed_identity": "user", "principal_id": f"oid-{name}"})

    def vm(self, name: str, identity: str | None = None, **props: Any) -> str:
        """A VM, optionally running as an identity."""
        node_id = self.resource(f"microsoft.compute/virtualmachines/{name}", "compute.instance",
                                "Microsoft.Compute/virtualMachines", {"state": "running", **props})
        if identity:
            self.link(node_id, identity, "runs_as")
        return node_id

    # --- deriving ------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The snapshot so far."""
        return Snapshot(collected_at="2026-01-01T00:00:00Z", tool_version="test",
                        nodes=list(self.nodes.values()), edges=list(self.edges.values()))

    def graph(self, analyzers: tuple[str, ...] = AZURE_ANALYZERS) -> EstateGraph:
        """A graph of the snapshot with the given Azure analyzers run in order."""
        graph = EstateGraph(self.snapshot())
        for name in analyzers:
            module = importlib.import_module(f"cloudwarden.graph.analyzers.{name}")
            graph.add_derived(module.ANALYZER.run(graph))
        return graph
