"""The state of one normalization run: the record index, the partials being filled, principals.

Handlers read records through the index (joins by lower-cased id: a NIC names
its subnet, a VM its NICs) and write nodes, references, edges, patches and gaps
into one ``Partial`` per (subscription, family); tenant-level things (management
groups, role definitions, principals) go to the tenant's partial.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cloudwarden.graph.merge import Partial
from cloudwarden.graph.model import CoverageGap, Edge, Node
from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.raw import raw_payload

SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets"
VNET_TYPE = "microsoft.network/virtualnetworks"
UAMI_TYPE = "microsoft.managedidentity/userassignedidentities"
RG_NATIVE = "Microsoft.Resources/resourceGroups"
SUB_NATIVE = "Microsoft.Resources/subscriptions"


def principal_node_id(object_id: str) -> str:
    """The node id of an Entra object known by its object id."""
    return f"azure:principal:{object_id.strip().lower()}"


class Context:
    """Record index plus the partial results of a run."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        *,
        source: str,
        native_types: dict[str, str],
        node_types: set[str],
        collected_types: Iterable[str] | None = None,
        failed_parents: Iterable[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.source = source
        self.now = now or datetime.now(UTC)
        self.native_types = native_types
        self.node_types = node_types
        self.records: dict[str, dict[str, Any]] = {}
        self.types: dict[str, str] = {}
        self.tenant_id: str | None = None
        for record in records:
            self._index(record)
        self._expand_subnets()
        self.by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._children: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rid, record in self.records.items():
            rtype = self.types[rid]
            self.by_type[rtype].append(record)
            parent = arm.parent_id(rid)
            if parent:
                self._children[(parent, rtype)].append(record)
        # Child kinds present in the input were collected; the caller may add the ones it fetched and found none of.
        self.collected_types = set(self.by_type) | {t.lower() for t in collected_types or []}
        self.failed_parents = {arm.lower_id(p) or "" for p in (failed_parents or [])}
        self.tenant_key = f"tenant:{self.tenant_id}" if self.tenant_id else "tenant"
        self.identities = _identity_index(self)
        self._partials: dict[tuple[str, str], Partial] = {}
        self.skipped: Counter[str] = Counter()
        self.principal_info: dict[str, dict[str, Any]] = {}
        self.assignments: list[dict[str, Any]] = []
        self.role_definitions: dict[str, dict[str, Any]] = {}
        self.activity_log: dict[str, list[tuple[str, list[str]]]] = {}
        self._vault_hosts: dict[str, str] | None = None

    # -- the index --------------------------------------------------------------------------

    def _index(self, record: dict[str, Any]) -> None:
        rid = arm.lower_id(arm.get(record, "id"))
        rtype = arm.lower(arm.get(record, "type"))
        if not rid or not rtype:
            return
        self.records[rid] = record
        self.types[rid] = rtype
        if not self.tenant_id:
            self.tenant_id = arm.lower(arm.get(record, "tenantId"))

    def _expand_subnets(self) -> None:
        """Subnets embedded in virtual networks become records of their own (a standalone record wins)."""
        for rid, rtype in list(self.types.items()):
            if rtype != VNET_TYPE:
                continue
            vnet = self.records[rid]
            for subnet in arm.items(arm.get(arm.props(vnet), "subnets")):
                sid = arm.lower_id(arm.get(subnet, "id"))
                if not sid or sid in self.records:
                    continue
                self.records[sid] = {
                    "id": arm.get(subnet, "id"),
                    "name": arm.get(subnet, "name") or arm.last_segment(sid),
                    "type": "Microsoft.Network/virtualNetworks/subnets",
                    "location": arm.get(vnet, "location"),
                    "subscriptionId": arm.get(vnet, "subscriptionId"),
                    "resourceGroup": arm.get(vnet, "resourceGroup"),
                    "tenantId": arm.get(vnet, "tenantId"),
                    "properties": arm.props(subnet),
                }
                self.types[sid] = SUBNET_TYPE

    def record(self, resource_id: str | None) -> dict[str, Any] | None:
        """The record with this id (any letter case), if the input has it."""
        return self.records.get(arm.lower_id(resource_id) or "") if resource_id else None

    def children(self, parent: str, child_type: str) -> list[dict[str, Any]]:
        """Records of ``child_type`` directly under ``parent``."""
        return self._children.get((parent.lower(), child_type.lower()), [])

    def children_known(self, parent: str, child_type: str) -> bool:
        """Whether the input carries ``child_type`` records for ``parent`` (absence then means none)."""
        return child_type.lower() in self.collected_types and parent.lower() not in self.failed_parents

    def is_node(self, resource_id: str | None) -> bool:
        """Whether this id is a record that becomes a node of its own."""
        rid = arm.lower_id(resource_id)
        return bool(rid) and self.types.get(rid or "") in self.node_types

    def uri_key_id(self, vault_uri: Any, key_name: Any) -> str | None:
        """A Key Vault key's node id from a vault URI and key name (the URI form when the vault is unknown)."""
        host = arm.lower(str(vault_uri or "").split("//")[-1].split("/")[0])
        name = arm.lower(key_name)
        if not host or not name:
            return None
        vault = self.vaults_by_host().get(host)
        return f"{vault}/keys/{name}" if vault else f"https://{host}/keys/{name}"

    def key_url_id(self, url: Any) -> str | None:
        """A key's node id from a key URL (``https://v.vault.azure.net/keys/name[/version]``)."""
        parts = str(url or "").split("//")[-1].split("/")
        if len(parts) >= 3 and parts[1].lower() == "keys":
            return self.uri_key_id("https://" + parts[0], parts[2])
        return None

    def vaults_by_host(self) -> dict[str, str]:
        """Vault host name (``v.vault.azure.net``) -> vault node id."""
        cached = self._vault_hosts
        if cached is None:
            cached = {}
            for vault in self.by_type.get("microsoft.keyvault/vaults", []):
                uri = arm.get(arm.props(vault), "vaultUri")
                host = arm.lower(str(uri or "").split("//")[-1].split("/")[0])
                if host:
                    cached[host] = arm.lower_id(vault.get("id")) or ""
            self._vault_hosts = cached
        return cached

    # -- principals -------------------------------------------------------------------------

    def resolve_principal(self, object_id: Any) -> str | None:
        """The node id of a principal: a user-assigned identity's ARM id, else ``azure:principal:<oid>``."""
        oid = arm.lower(object_id)
        if not oid:
            return None
        return self.identities.get(oid) or principal_node_id(oid)

    def note_principal(self, node_id: str, kind: str | None = None, **facts: Any) -> None:
        """Remember what is known of a principal; nodes are made once every record was read."""
        info = self.principal_info.setdefault(node_id, {"kind": None, "props": {}, "name": None, "collected": False})
        if kind and (info["kind"] is None or facts.get("managed_identity")):
            info["kind"] = kind
        for key, value in facts.items():
            if key in ("name", "collected"):
                if value:
                    info[key] = value
            elif value is not None:
                info["props"][key] = value

    # -- output -----------------------------------------------------------------------------

    def partial(self, account: str | None, family: str) -> Partial:
        """The partial of an account (subscription GUID, or the tenant) and family."""
        key = (account or self.tenant_key, family)
        part = self._partials.get(key)
        if part is None:
            part = self._partials[key] = Partial("azure", key[0], None, family)
        return part

    def add(self, node: Node, family: str) -> str:
        """Add a collected node."""
        self.partial(node.account, family).nodes.append(node)
        return node.id

    def reference(self, node_id: str, kind: str, name: str | None = None, native_type: str = "", family: str = "references") -> str:
        """A node known only because something points at it."""
        account = arm.subscription_of(node_id)
        ref = Node(
            id=node_id, cloud="azure", kind=kind, native_type=native_type or self._native_from_id(node_id),
            account=account, name=name or arm.last_segment(node_id), reference=True,
        )
        self.partial(account, family).references.append(ref)
        return node_id

    def edge(self, source: str, target: str, kind: str, family: str, **detail: Any) -> None:
        """A fact edge (both ends must be nodes or references)."""
        account = arm.subscription_of(source) or arm.subscription_of(target)
        self.partial(account, family).edges.append(Edge(source=source, target=target, kind=kind, detail=detail))

    def patch(self, node_id: str, facets: dict[str, Any], family: str) -> None:
        """Facets deep-merged into a node another handler owns."""
        self.partial(arm.subscription_of(node_id), family).patches.append((node_id, facets))

    def gap(self, account: str | None, family: str, gap: CoverageGap) -> None:
        """A coverage gap recorded on an account's source."""
        self.partial(account, family).gaps.append(gap)

    def resource(
        self,
        record: dict[str, Any],
        kind: str,
        family: str,
        props: dict[str, Any],
        *,
        name: str | None = None,
        raw_drop: tuple[str, ...] = (),
    ) -> str:
        """Emit a resource node with its container edge and the identities it runs as."""
        rid = arm.lower_id(arm.get(record, "id")) or ""
        rtype = self.types.get(rid) or arm.lower(arm.get(record, "type")) or ""
        account = arm.lower(arm.get(record, "subscriptionId")) or arm.subscription_of(rid)
        node = Node(
            id=rid,
            cloud="azure",
            kind=kind,
            native_type=self.native_types.get(rtype, arm.text(arm.get(record, "type")) or ""),
            account=account,
            region=arm.region(arm.get(record, "location")),
            name=name or arm.text(arm.get(record, "name")) or arm.last_segment(rid),
            tags=arm.tag_map(arm.get(record, "tags")),
            props=props,
            raw=raw_payload(record, raw_drop),
        )
        self.add(node, family)
        self.edge(self.container(rid, family), rid, "contains", family)
        from cloudwarden.providers.azure.normalize.identity import link_identities

        link_identities(self, record, rid, family)
        return rid

    def container(self, resource_id: str, family: str) -> str:
        """The node that contains a resource: its parent resource, else its resource group, else its subscription."""
        parent = arm.parent_id(resource_id)
        if parent and self.is_node(parent):
            return parent
        group = arm.resource_group_id(resource_id)
        sub = arm.subscription_of(resource_id)
        if group and sub:
            self.reference(group, "org.unit", native_type=RG_NATIVE, family=family)
            self.edge(self.subscription(sub, family), group, "contains", family)
            return group
        if sub:
            return self.subscription(sub, family)
        return self.reference(self.tenant_key, "org.unit", name=self.tenant_key, family=family)

    def subscription(self, sub: str, family: str) -> str:
        """The subscription node id (a reference until the subscription's own record supplies it)."""
        node_id = f"/subscriptions/{sub}"
        ref = Node(id=node_id, cloud="azure", kind="account", native_type=SUB_NATIVE, account=sub, name=sub, reference=True)
        self.partial(sub, family).references.append(ref)
        return node_id

    def partials(self) -> list[Partial]:
        """Every partial of the run, plus one per (subscription, region) so sources list their regions."""
        regions: set[tuple[str | None, str]] = set()
        for part in list(self._partials.values()):
            for node in part.nodes:
                if node.region and node.account:
                    regions.add((node.account, node.region))
        accounts = {key[0] for key in self._partials}
        out = list(self._partials.values())
        for account in sorted(accounts):
            out.append(Partial("azure", account, None, self.source))
        for account, location in sorted(regions, key=lambda r: (r[0] or "", r[1])):
            out.append(Partial("azure", account or self.tenant_key, location, self.source))
        return out

    def _native_from_id(self, node_id: str) -> str:
        rtype = self.types.get(node_id)
        if rtype:
            return self.native_types.get(rtype, rtype)
        return ""


def _identity_index(ctx: Context) -> dict[str, str]:
    """principalId -> user-assigned identity node id, from identity records and identity blocks."""
    out: dict[str, str] = {}
    for rid, record in ctx.records.items():
        if ctx.types[rid] == UAMI_TYPE:
            pid = arm.lower(arm.get(arm.props(record), "principalId"))
            if pid:
                out[pid] = rid
        block = arm.get(record, "identity")
        for uami_id, detail in (arm.get(block, "userAssignedIdentities") or {}).items() if isinstance(block, dict) else []:
            pid = arm.lower(arm.get(detail, "principalId"))
            if pid and arm.lower_id(uami_id):
                out.setdefault(pid, arm.lower_id(uami_id) or "")
    return out
