"""Workload -> workload ``reaches`` edges inside VPCs (and across peerings): what lateral movement needs.

Scaling. Workloads are grouped by where they sit: (subnet, security-group set)
for sources, and the same plus what they listen on for targets. Every check
depends only on those and on addresses, so flows are evaluated per group pair,
never per instance pair. Candidate source groups of a target group come from
indexes, not from a scan of all pairs: the groups its rules name, and the
groups of its VPC and peered VPCs whose addresses its CIDR rules overlap.
Candidates are tried exposed-first and the search stops once enough groups
reach the target to fill its cap, so a rule open to the whole VPC costs a
bounded number of evaluations per target group, not one per group of the VPC.

Aggregation. A group pair can stand for a great many instance pairs (a
thousand web servers whose group admits itself is a million pairs), so each
target gets at most ``max_sources`` incoming edges. Sources are picked round-robin
over the source groups that reach it, internet-exposed sources first, so every
reaching group is represented before any group gets a second member and the
pivots an attack path starts from are never the ones left out. Edges into a
capped target say so: ``aggregated {sources_shown, candidate_sources}``; the
members left out sit in the same subnet with the same groups as one shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.model import Edge
from cloudwarden.graph.network.balancers import flows_access
from cloudwarden.graph.network.cidr import AddressSet
from cloudwarden.graph.network.flows import Endpoint, Flow, FlowEvaluator
from cloudwarden.graph.network.internet import reaches_edge
from cloudwarden.graph.network.rules import merge_ranges
from cloudwarden.graph.network.topology import NetworkIndex
from cloudwarden.graph.network.workloads import Workload

MAX_SOURCES_PER_TARGET = 10


@dataclass
class PlacementGroup:
    """Workload placements that share a subnet and security groups (and, for targets, listening ports)."""

    subnet: str
    vpc: str | None
    groups: tuple[str, ...]
    domain: dict[str, list[tuple[int, int]]] | None
    members: list[tuple[str, AddressSet]] = field(default_factory=list)
    addresses: AddressSet = field(default_factory=AddressSet)
    exposed: bool = False
    rank: int = 0  # order in which sources are tried: exposed groups first

    def endpoint(self) -> Endpoint:
        """The group as one side of a flow."""
        return Endpoint(self.subnet, self.groups, self.addresses)


@dataclass
class GroupReach:
    """A source group that reaches a target group, with the flows and their member-independent access."""

    source: PlacementGroup
    flows: list[Flow]
    access: list[dict[str, Any]]
    uniform: bool  # every piece holds for all members of both groups


def build_groups(
    index: NetworkIndex, workloads: Iterable[Workload], targets: bool, exposed: set[str]
) -> list[PlacementGroup]:
    """Group the sources (``targets`` False) or targets of ``workloads`` by placement."""
    found: dict[tuple[Any, ...], PlacementGroup] = {}
    for workload in workloads:
        if (targets and not workload.domain) or (not targets and not workload.source):
            continue
        domain_key = tuple((p, tuple(r)) for p, r in sorted(workload.domain.items())) if targets and workload.domain else ()
        for placement in workload.placements:
            subnet = index.subnets.get(placement.subnet)
            if subnet is None:
                continue
            key = (placement.subnet, placement.groups, domain_key)
            if key not in found:
                found[key] = PlacementGroup(placement.subnet, subnet.vpc, placement.groups,
                                            workload.domain if targets else None)
            found[key].members.append((workload.id, placement.private or subnet.addresses))
    for group in found.values():
        group.members.sort(key=lambda m: (m[0] not in exposed, m[0]))
        group.addresses = AddressSet.union_all(a for _, a in group.members)
        group.exposed = any(m in exposed for m, _ in group.members)
    ordered = sorted(found.values(), key=lambda g: (not g.exposed, g.subnet, g.groups))
    for rank, group in enumerate(ordered):
        group.rank = rank
    return ordered


class LateralReach:
    """Group-level internal reachability, and the capped workload edges drawn from it."""

    def __init__(self, flows: FlowEvaluator, workloads: list[Workload], exposed: set[str]) -> None:
        self.flows = flows
        self.index = index = flows.index
        self.sources = build_groups(index, workloads, targets=False, exposed=exposed)
        self.targets = build_groups(index, workloads, targets=True, exposed=exposed)
        self._by_group: dict[str, list[PlacementGroup]] = defaultdict(list)
        self._by_vpc: dict[str | None, list[PlacementGroup]] = defaultdict(list)
        for group in self.sources:
            self._by_vpc[group.vpc].append(group)
            for sg in group.groups:
                self._by_group[sg].append(group)
        self._cidr_candidates: dict[tuple[Any, ...], list[PlacementGroup]] = {}

    def candidates(self, target: PlacementGroup) -> list[PlacementGroup]:
        """Source groups the target's ingress rules could admit: named groups, and groups inside its CIDRs."""
        rules = self.index.group_rules(target.groups) or []
        ingress = [r for _, rs in rules for r in rs if r.direction == "ingress" and r.protocol in ("tcp", "udp", "all")]
        picked: dict[int, PlacementGroup] = {}
        for rule in ingress:
            for sg in rule.groups:
                picked.update((id(g), g) for g in self._by_group.get(sg, []))
        key = (target.vpc, target.groups)
        if key not in self._cidr_candidates:
            cidrs = AddressSet.union_all(r.cidrs for r in ingress)
            vpcs = {target.vpc} | self.index.peer_vpcs(target.vpc)
            self._cidr_candidates[key] = [
                g for vpc in vpcs for g in self._by_vpc.get(vpc, []) if cidrs and g.addresses.overlaps(cidrs)
            ]
        picked.update((id(g), g) for g in self._cidr_candidates[key])
        return list(picked.values())

    def reach(self, target: PlacementGroup, limit: int | None = None) -> tuple[list[GroupReach], int]:
        """Source groups that reach the target group (exposed first), and how many sources could at most.

        Candidates are tried in priority order and the search stops after
        ``limit`` reaching groups: a capped target never needs more, and this
        keeps the work per target group bounded however open its rules are.
        """
        candidates = sorted(self.candidates(target), key=lambda g: g.rank)
        bound = sum(len(g.members) for g in candidates)
        found: list[GroupReach] = []
        target_end = target.endpoint()
        for source in candidates:
            if limit is not None and len(found) >= limit:
                break
            source_end = source.endpoint()
            flows = [
                f for protocol, ranges in (target.domain or {}).items()
                if (f := self.flows.flow(source_end, target_end, protocol, ranges)) is not None
            ]
            if flows:
                # Pieces are narrowed from the groups' addresses: equal means nothing was narrowed.
                uniform = all(p.sources == source.addresses and p.targets == target.addresses
                              for f in flows for p in f.pieces)
                found.append(GroupReach(source, flows, flows_access(flows), uniform))
        return found, bound

    def edges(self, max_sources: int = MAX_SOURCES_PER_TARGET) -> list[Edge]:
        """Workload -> workload edges, at most ``max_sources`` into each target (see the module notes)."""
        entries: dict[str, list[tuple[list[GroupReach], AddressSet, int]]] = defaultdict(list)
        for target in self.targets:
            # One more than the cap: the target itself may be the only member of a reaching group.
            reaches, bound = self.reach(target, limit=max_sources + 1)
            if reaches:
                for member, addresses in target.members:
                    entries[member].append((reaches, addresses, bound))
        edges: list[Edge] = []
        details: dict[tuple[int, str], dict[str, Any]] = {}
        for target_id, target_entries in entries.items():
            edges += _target_edges(target_id, target_entries, max_sources, details)
        return edges


def _member_access(reach: GroupReach, source: AddressSet, target: AddressSet) -> list[dict[str, Any]]:
    if reach.uniform:
        return reach.access
    flows = []
    for found in reach.flows:
        pieces = [p for p in found.pieces if p.sources.overlaps(source) and p.targets.overlaps(target)]
        if pieces:
            flows.append(Flow(found.protocol, found.scope, pieces, found.via))
    return flows_access(flows)


def _merge_access(first: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_protocol = {a["protocol"]: dict(a) for a in first}
    for access in more:
        if access["protocol"] in by_protocol:
            known = by_protocol[access["protocol"]]
            known["ports"] = merge_ranges([tuple(p) for p in known["ports"] + access["ports"]])  # type: ignore[misc]
        else:
            by_protocol[access["protocol"]] = access
    return sorted(by_protocol.values(), key=lambda a: a["protocol"] != "tcp")


def _target_edges(
    target_id: str, entries: list[tuple[list[GroupReach], AddressSet, int]], cap: int,
    details: dict[tuple[int, str], dict[str, Any]],
) -> list[Edge]:
    """Round-robin over the reaching groups' members (exposed first) until ``cap`` sources are chosen.

    Edges with the same accesses share one detail dict (``details``, keyed by
    the access list, which lives as long as its ``GroupReach``): on a big
    estate that is most of the memory the edges would take.
    """
    streams = [(reach, addresses) for reaches, addresses, _ in entries for reach in reaches]
    chosen: dict[str, list[dict[str, Any]]] = {}
    positions = [0] * len(streams)
    active = list(range(len(streams)))
    while active and len(chosen) < cap:
        still: list[int] = []
        for k in active:
            reach, target_addresses = streams[k]
            members = reach.source.members
            while positions[k] < len(members):
                source_id, source_addresses = members[positions[k]]
                positions[k] += 1
                if source_id == target_id:
                    continue
                access = _member_access(reach, source_addresses, target_addresses)
                if not access:
                    continue
                if source_id in chosen:  # another placement of a source already chosen: join, don't count
                    chosen[source_id] = _merge_access(chosen[source_id], access)
                    continue
                chosen[source_id] = access
                break
            if positions[k] < len(members):
                still.append(k)
            if len(chosen) >= cap:
                break
        active = still
    # An upper bound: every member of every candidate group (the target itself included).
    bound = sum(b for _, _, b in entries)
    extra: dict[str, Any] = {}
    if len(chosen) >= cap and bound > len(chosen):
        extra["aggregated"] = {"sources_shown": len(chosen), "candidate_sources": bound}
    edges: list[Edge] = []
    for source_id, access in sorted(chosen.items()):
        key = (id(access), repr(extra))
        if key not in details:
            details[key] = reaches_edge(source_id, target_id, access, **extra).detail
        edges.append(Edge(source=source_id, target=target_id, kind="reaches", detail=details[key]))
    return edges
