"""The normalizer's working state: indexes over the whole input, the nodes and edges built, the partials.

A first pass indexes every record (resource names, project number <-> id, service
account emails), so that each handler can resolve a reference whichever way the
API spelled it. Nodes, edges and gaps are kept once, globally (an edge's detail
aggregates every binding that makes it), and are only split into ``Partial``\\ s
(one per project, service family and region) at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from cloudwarden.graph.merge import Partial, deep_merge
from cloudwarden.graph.model import CoverageGap, Edge, Node
from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset

Key = tuple[str | None, str, str | None]  # (account, service family, region) of a partial
UNATTRIBUTED = "unattributed"  # the Source account of things no project or organization can be named for


class Builder:
    """Everything the handlers share while turning assets into nodes and edges."""

    def __init__(self, assets: list[Asset], now: datetime) -> None:
        self.assets = assets
        self.now = now
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}
        self.gaps: list[tuple[Key, CoverageGap]] = []
        self._owner: dict[str, Key] = {}
        self._edge_owner: dict[tuple[str, str, str], Key] = {}
        self._current: Key = (None, "resourcemanager", None)  # outside any handler: settled in partials()
        self._depth = 0
        self.by_type: dict[str, list[Asset]] = defaultdict(list)
        self.names: set[str] = set()
        self.project_ids: dict[str, str] = {}  # number -> id
        self.project_numbers: dict[str, str] = {}  # id -> number
        self.sa_by_email: dict[str, str] = {}  # lower-cased email -> node id
        self.shared: dict[str, Any] = {}  # facts one handler leaves for a later pass
        for asset in assets:
            self.by_type[asset.asset_type].append(asset)
            self.names.add(asset.name)
        self._index_projects()
        for asset in self.by_type.get("iam.googleapis.com/ServiceAccount", []):
            tail = names.basename(asset.name)
            email = str(asset.data.get("email") or (tail if "@" in tail else "")).lower()
            if email:
                self.sa_by_email[email] = asset.name
        self.has_iam_content = any(a.iam_policy is not None for a in assets)

    # -- indexes ------------------------------------------------------------------------------

    def _learn(self, number: str | None, project_id: str | None) -> None:
        if number and project_id and names.is_number(number) and not names.is_number(project_id):
            self.project_ids.setdefault(number, project_id)
            self.project_numbers.setdefault(project_id, number)

    def _index_projects(self) -> None:
        """Project number <-> id from project records, then from resources named by id under a numbered parent."""
        for asset in self.by_type.get("cloudresourcemanager.googleapis.com/Project", []):
            number = names.basename(asset.name) if names.is_number(names.basename(asset.name)) else None
            number = str(asset.data.get("projectNumber") or number or "") or None
            self._learn(number, asset.data.get("projectId"))
        for asset in self.assets:
            in_name = names.project_in_name(asset.name)
            numbered = next((a.split("/", 1)[1] for a in asset.ancestors if a.startswith("projects/")), None)
            if numbered is None and asset.parent and "/projects/" in asset.parent:
                numbered = names.basename(asset.parent)
            self._learn(numbered, in_name or asset.data.get("projectId"))
            self._learn(str(asset.data.get("projectNumber") or "") or None, asset.data.get("projectId"))

    # -- projects and names -------------------------------------------------------------------

    def project_id(self, ref: str | None) -> str | None:
        """The project id of a project reference (number, id, ``projects/X``); the number when no id is known."""
        if not ref:
            return None
        ref = names.basename(ref)
        return self.project_ids.get(ref, ref) if names.is_number(ref) else ref

    def project_number(self, project_id: str | None) -> str | None:
        """The project number of a project id (or the reference itself when it is a number)."""
        if not project_id:
            return None
        return project_id if names.is_number(project_id) else self.project_numbers.get(project_id)

    def project_node(self, ref: str) -> str:
        """The node id of a project: ``//cloudresourcemanager.googleapis.com/projects/<NUMBER>`` when known."""
        ref = names.basename(ref)
        number = self.project_number(ref) or ref
        return names.project_node_id(number)

    def project_of(self, asset: Asset) -> str | None:
        """The project id an asset belongs to (from its name, data, ancestors or parent)."""
        if asset.asset_type == "cloudresourcemanager.googleapis.com/Project":
            return self.project_id(asset.data.get("projectId") or names.basename(asset.name))
        candidates = [names.project_in_name(asset.name), asset.data.get("projectId")]
        candidates += [a.split("/", 1)[1] for a in asset.ancestors if a.startswith("projects/")]
        if asset.parent and "/projects/" in asset.parent:
            candidates.append(names.basename(asset.parent))
        for candidate in candidates:
            if candidate and not names.is_number(str(candidate)):
                return str(candidate)
        found = next((str(c) for c in candidates if c), None)
        return self.project_id(found)

    def resolve(self, node_id: str) -> str:
        """A referenced id as the collected node's id, trying the other spelling of its project segment."""
        if node_id in self.names or node_id in self.nodes:
            return node_id
        if node_id.startswith(names.RESOURCE_MANAGER + "projects/"):
            return self.project_node(names.basename(node_id))
        project = names.project_in_name(node_id)
        if project:
            other = self.project_number(project) if not names.is_number(project) else self.project_ids.get(project)
            if other:
                alternative = names.swap_project(node_id, other)
                if alternative in self.names or alternative in self.nodes:
                    return alternative
        return node_id

    # -- building -----------------------------------------------------------------------------

    @contextmanager
    def producing(self, account: str | None, family: str, region: str | None = None) -> Iterator[None]:
        """Attribute what is built inside to the partial of (account, family, region)."""
        previous = self._current
        self._current = (account or previous[0], family, region)
        self._depth += 1
        try:
            yield
        finally:
            self._current = previous
            self._depth -= 1

    def add(self, node: Node) -> str:
        """Add a collected node (replacing a reference of the same id) and return its id."""
        self.nodes[node.id] = node
        self._owner[node.id] = (node.account or self._current[0], self._current[1], node.region)
        return node.id

    def reference(self, node_id: str, kind: str, name: str = "", **props: Any) -> str:
        """A node known only because something points at it; the collected node wins when both exist."""
        node_id = self.resolve(node_id)
        if node_id not in self.nodes:
            project = names.project_in_name(node_id)
            self.nodes[node_id] = Node(id=node_id, cloud="gcp", kind=kind, name=name or names.basename(node_id),
                                       account=self.project_id(project) if project else None,
                                       props=dict(props), reference=True)
            self._owner[node_id] = (self.nodes[node_id].account or self._current[0], self._current[1], None)
        return node_id

    def patch(self, node_id: str, props: dict[str, Any]) -> None:
        """Deep-merge facets into a node built elsewhere (ignored when the node does not exist)."""
        node = self.nodes.get(node_id)
        if node is not None:
            node.props = deep_merge(node.props, props)

    def edge(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """A fact edge; a second edge of the same kind between the same nodes merges its detail."""
        key = (source, target, kind)
        existing = self.edges.get(key)
        if existing is None:
            self.edges[key] = Edge(source=source, target=target, kind=kind, detail=dict(detail))
            # Outside any handler (the settling passes), an edge belongs with its source node (else its target).
            owner = self._owner.get(source) or self._owner.get(target) or self._current
            self._edge_owner[key] = self._current if self._depth and self._current[0] else owner
        elif detail:
            existing.detail = deep_merge(existing.detail, detail)

    def edge_list_append(self, source: str, target: str, kind: str, field: str, item: dict[str, Any]) -> None:
        """Append ``item`` to the list ``detail[field]`` of an edge (created when absent), without duplicates."""
        self.edge(source, target, kind)
        items = self.edges[(source, target, kind)].detail.setdefault(field, [])
        if item not in items:
            items.append(item)

    def gap(self, service: str, reason: str, message: str, resource: str | None = None,
            operation: str | None = None, account: str | None = None) -> None:
        """Record something the input cannot tell, so its absence is not read as a clean result."""
        key: Key = (account or self._current[0], self._current[1], None)
        gap = CoverageGap(service=service, reason=reason, message=message, resource=resource,  # type: ignore[arg-type]
                          operation=operation)
        if all(existing != gap or other[0] != key[0] for other, existing in self.gaps):
            self.gaps.append((key, gap))

    def node_of(self, node_id: str | None) -> Node | None:
        """A built node by id."""
        return self.nodes.get(node_id) if node_id else None

    # -- output -------------------------------------------------------------------------------

    def fallback_account(self) -> str:
        """The account for what was built outside any project: the input's first project, else organization."""
        if self.project_numbers:
            return min(self.project_numbers)
        orgs = {a for asset in self.assets for a in asset.ancestors if a.startswith("organizations/")}
        return min(orgs) if orgs else UNATTRIBUTED

    def partials(self) -> list[Partial]:
        """Everything built, split into partials by (project, service family, region).

        Every partial names a real account: something built outside any handler and
        owned by no node joins the input's first project, so no Source says "unknown".
        """
        parts: dict[tuple[str, str, str | None], Partial] = {}
        fallback = self.fallback_account()

        def part(key: Key) -> Partial:
            named = (key[0] or fallback, key[1], key[2])
            if named not in parts:
                parts[named] = Partial("gcp", named[0], named[2], named[1])
            return parts[named]

        for node_id, node in self.nodes.items():
            target = part(self._owner[node_id])
            (target.references if node.reference else target.nodes).append(node)
        for key, edge in self.edges.items():
            part(self._edge_owner[key]).edges.append(edge)
        for key, gap in self.gaps:
            part(key).gaps.append(gap)
        return [parts[k] for k in sorted(parts, key=lambda k: (k[0], k[1], k[2] or ""))]
