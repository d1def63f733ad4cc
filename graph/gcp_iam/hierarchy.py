"""The GCP resource hierarchy of a graph: organization > folders > projects > resources, by ``contains`` edges.

IAM policies inherit downwards: a binding on a folder applies to every project
and resource below it. ``ancestors(id)`` is the node and everything above it,
nearest first; ``under(scope, kinds)`` the nodes of some kinds below a scope.
Projects are also found by project id or number (custom role names and the
``projectOwner:<id>`` convenience members use the id; node ids the number).
"""

from __future__ import annotations

from collections import defaultdict, deque

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

PROJECT_PREFIX = "//cloudresourcemanager.googleapis.com/projects/"
SCOPE_KINDS = ("org.unit", "account")


class Hierarchy:
    """Parent and child links of GCP nodes, with cached ancestor and descendant lookups."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.parents: dict[str, list[str]] = defaultdict(list)
        self.children: dict[str, list[str]] = defaultdict(list)
        for edge in graph.edges("contains"):
            child = graph.node(edge.target)
            if child is None or child.cloud != "gcp":
                continue
            self.parents[edge.target].append(edge.source)
            self.children[edge.source].append(edge.target)
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self._under: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self.projects: dict[str, str] = {}
        for node in graph.nodes_of("account"):
            if node.cloud != "gcp":
                continue
            keys = {node.id, node.account, node.name, node.props.get("project_id"), node.props.get("project_number")}
            if node.id.startswith(PROJECT_PREFIX):
                keys.add(node.id[len(PROJECT_PREFIX):])
            for key in keys:
                if key:
                    self.projects.setdefault(str(key), node.id)

    def ancestors(self, node_id: str) -> tuple[str, ...]:
        """The node and every node above it, nearest first."""
        found = self._ancestors.get(node_id)
        if found is None:
            seen = [node_id]
            queue = deque([node_id])
            while queue:
                for parent in self.parents.get(queue.popleft(), ()):
                    if parent not in seen:
                        seen.append(parent)
                        queue.append(parent)
            found = self._ancestors[node_id] = tuple(seen)
        return found

    def under(self, scope: str, kinds: tuple[str, ...]) -> list[str]:
        """Nodes of ``kinds`` at or below ``scope`` (sorted)."""
        key = (scope, kinds)
        found = self._under.get(key)
        if found is None:
            seen = {scope}
            queue = deque([scope])
            out: list[str] = []
            while queue:
                current = queue.popleft()
                node = self.graph.node(current)
                if node is not None and node.kind in kinds:
                    out.append(current)
                for child in self.children.get(current, ()):
                    if child not in seen:
                        seen.add(child)
                        queue.append(child)
            found = self._under[key] = sorted(out)
        return found

    def project_of(self, node_id: str) -> str | None:
        """The project (account node id) a node is in: its nearest account ancestor, else by its ``account``."""
        for ancestor in self.ancestors(node_id):
            node = self.graph.node(ancestor)
            if node is not None and node.kind == "account":
                return ancestor
        node = self.graph.node(node_id)
        if node is not None and node.account:
            return self.projects.get(node.account)
        return None

    def project(self, key: str) -> str | None:
        """The project node for a project id, number or node id."""
        return self.projects.get(key)

    def is_scope(self, node_id: str) -> bool:
        """An organization, folder or project (a container of resources)."""
        node = self.graph.node(node_id)
        return node is not None and node.kind in SCOPE_KINDS


def project_id_of(node: Node | None) -> str | None:
    """A project node's project id (its ``account``), if known."""
    if node is None:
        return None
    return node.props.get("project_id") or node.account or None
