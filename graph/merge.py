"""Merging the partial results of independent collection tasks into one snapshot.

Tasks (account x region x service) never see each other's results, so they can
run in threads here or on a distributed executor later; everything that needs
more than one task's view happens after this merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cloudwarden.graph.model import CoverageGap, Edge, Node, Source
from cloudwarden.graph.snapshot import Snapshot, now_rfc3339


class Partial:
    """What one collection task produced: nodes, references, edges, facet patches, gaps."""

    def __init__(self, cloud: str, account: str, region: str | None, service: str) -> None:
        self.cloud = cloud
        self.account = account
        self.region = region
        self.service = service
        self.nodes: list[Node] = []
        self.references: list[Node] = []
        self.edges: list[Edge] = []
        self.patches: list[tuple[str, dict[str, Any]]] = []
        self.gaps: list[CoverageGap] = []


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into a copy of ``base``; nested maps merge, everything else is replaced."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_partials(partials: Iterable[Partial], tool_version: str, collected_at: str | None = None) -> Snapshot:
    """Merge task results into one snapshot with sorted, de-duplicated nodes and edges.

    Collected nodes win over references (nodes known only because something
    points at them); a reference nothing collected stays as a node marked
    ``reference`` so that no edge dangles. Facet patches (several tasks
    contributing to one node, such as per-region facts on an account) are
    deep-merged into the node's props.
    """
    nodes: dict[str, Node] = {}
    refs: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    patches: list[tuple[str, dict[str, Any]]] = []
    sources: dict[tuple[str, str], Source] = {}
    for part in partials:
        key = (part.cloud, part.account)
        src = sources.get(key)
        if src is None:
            src = sources[key] = Source(cloud=part.cloud, account=part.account)  # type: ignore[arg-type]
        if part.region and part.region not in src.regions:
            src.regions.append(part.region)
        if part.service not in src.services:
            src.services.append(part.service)
        src.errors.extend(part.gaps)
        for node in part.nodes:
            nodes[node.id] = node
        for ref in part.references:
            refs.setdefault(ref.id, ref)
        for edge in part.edges:
            existing = edges.get(edge.key)
            if existing is None:
                edges[edge.key] = edge
            elif edge.detail and edge.detail != existing.detail:
                existing.detail = deep_merge(existing.detail, edge.detail)
        patches.extend(part.patches)
    for ref_id, ref in refs.items():
        nodes.setdefault(ref_id, ref)
    for node_id, patch in patches:
        if node_id in nodes:
            nodes[node_id].props = deep_merge(nodes[node_id].props, patch)
    for src in sources.values():
        src.regions.sort()
        src.services.sort()
    return Snapshot(
        collected_at=collected_at or now_rfc3339(),
        tool_version=tool_version,
        sources=sorted(sources.values(), key=lambda s: (s.cloud, s.account)),
        nodes=sorted(nodes.values(), key=lambda n: n.id),
        edges=sorted(edges.values(), key=lambda e: e.key),
    )


def merge_snapshots(snapshots: Iterable[Snapshot], tool_version: str, collected_at: str | None = None) -> Snapshot:
    """One snapshot of several (clouds or runs): collected nodes win over references, edges de-duplicated.

    Sources of the same cloud and account are kept side by side, so each
    run's coverage gaps stay visible.
    """
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    sources: list[Source] = []
    for snap in snapshots:
        sources.extend(snap.sources)
        for node in snap.nodes:
            if node.id not in nodes or (nodes[node.id].reference and not node.reference):
                nodes[node.id] = node
        for edge in snap.edges:
            edges.setdefault(edge.key, edge)
    return Snapshot(
        collected_at=collected_at or now_rfc3339(),
        tool_version=tool_version,
        sources=sorted(sources, key=lambda s: (s.cloud, s.account)),
        nodes=sorted(nodes.values(), key=lambda n: n.id),
        edges=sorted(edges.values(), key=lambda e: e.key),
    )
