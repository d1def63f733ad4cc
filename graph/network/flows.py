"""Placement -> placement traffic inside a VPC, or across a peering both VPCs route to.

The hops: source group egress, source route (``local`` or the peering), source
NACL out, target NACL in, target group ingress (by CIDR, or by naming one of the
source's groups), and for the NACLs the replies on ephemeral ports both ways.
Traffic inside one subnet crosses no NACL and no route table.

Every check is a filter on the source address alone or on the target address
alone, so an allowed flow on a port range is a product ``sources x targets`` of
two address sets (``FlowPiece``), and each check can be computed once over
*every* address and intersected with a particular endpoint's addresses later.
``FlowEvaluator`` caches them that way: routes and replies per subnet pair,
ACL decisions per (ACL, port range), group decisions per (groups, port range,
peer groups). Group pairs then cost a few set intersections each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.network.aws_paths import Evidence
from cloudwarden.graph.network.cidr import ALL_ADDRESSES, EMPTY, AddressSet
from cloudwarden.graph.network.rules import (
    EPHEMERAL_PORTS,
    AclDecision,
    GroupDecision,
    PortRange,
    acl_decide,
    acl_decide_any_port,
    elementary_ranges,
    groups_admit,
    merge_ranges,
    relevant_rules,
)
from cloudwarden.graph.network.topology import NetworkIndex, Route, Subnet


@dataclass(frozen=True)
class Endpoint:
    """One side of an internal flow: a subnet, its security groups and its addresses.

    ``check_groups`` False: a side without security groups (a network load
    balancer without any) whose traffic no group filters.
    """

    subnet: str
    groups: tuple[str, ...]
    addresses: AddressSet
    check_groups: bool = True


@dataclass
class FlowPiece:
    """An allowed port range and the source and target addresses it holds for (every pair of them)."""

    ports: PortRange
    sources: AddressSet
    targets: AddressSet


@dataclass
class Flow:
    """What one endpoint may open to another over one protocol, with the hops that allow it."""

    protocol: str
    scope: str  # same_subnet | same_vpc | peered
    pieces: list[FlowPiece] = field(default_factory=list)
    via: list[dict[str, Any]] = field(default_factory=list)

    def ports(self) -> list[list[int]]:
        """Every allowed port range, merged."""
        return merge_ranges(p.ports for p in self.pieces)


@dataclass
class _Path:
    """Routes and replies between two subnets, over every address: who can be reached and answer back."""

    sources: AddressSet  # source addresses the target side routes back to and lets the reply out to
    targets: AddressSet  # target addresses the source side routes to and lets the reply in from
    out_routes: list[Route]
    back_routes: list[Route]
    replies_out: AclDecision | None  # target ACL, egress to the sources' ephemeral ports
    replies_in: AclDecision | None  # source ACL, ingress from the targets on ephemeral ports
    peerings: set[str]


def _carried(index: NetworkIndex, subnet: Subnet, vpc: str | None, peerings: set[str]) -> tuple[AddressSet, list[Route]]:
    """Every address the subnet's routes deliver to ``vpc`` (its ``local`` route, or one of the peerings)."""
    carried, used = EMPTY, []
    for route, part in index.route_split(subnet, ALL_ADDRESSES):
        if route is None:
            if vpc == subnet.vpc:
                carried = carried | part
        elif (route.target_kind == "local" and vpc == subnet.vpc) or (route.target_kind == "pcx" and route.target in peerings):
            carried = carried | part
            used.append(route)
    return carried, used


def _narrow(addresses: AddressSet, allowed: AddressSet) -> AddressSet:
    return addresses if allowed is ALL_ADDRESSES else addresses & allowed


class FlowEvaluator:
    """Internal flows between endpoints, with the per-subnet, per-ACL and per-group work cached."""

    def __init__(self, index: NetworkIndex) -> None:
        self.index = index
        self._paths: dict[tuple[str, str, str], _Path | None] = {}
        self._acl: dict[tuple[str, str, str, PortRange], AclDecision] = {}
        self._groups: dict[tuple[Any, ...], tuple[AddressSet, GroupDecision]] = {}
        self._cuts: dict[tuple[Any, ...], list[PortRange]] = {}
        self._hops: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    def _path(self, s_sub: Subnet, d_sub: Subnet, protocol: str) -> _Path | None:
        key = (s_sub.id, d_sub.id, protocol)
        if key not in self._paths:
            index = self.index
            peerings = set() if s_sub.vpc == d_sub.vpc else index.peered(s_sub.vpc, d_sub.vpc)
            targets, out_routes = _carried(index, s_sub, d_sub.vpc, peerings)
            sources, back_routes = _carried(index, d_sub, s_sub.vpc, peerings)
            s_acl, d_acl = index.acls.get(s_sub.acl or ""), index.acls.get(d_sub.acl or "")
            replies_out = acl_decide_any_port(d_acl, "egress", protocol, EPHEMERAL_PORTS, sources) if d_acl else None
            replies_in = acl_decide_any_port(s_acl, "ingress", protocol, EPHEMERAL_PORTS, targets) if s_acl else None
            sources = replies_out.allowed if replies_out else sources
            targets = replies_in.allowed if replies_in else targets
            self._paths[key] = (
                _Path(sources, targets, out_routes, back_routes, replies_out, replies_in, peerings)
                if sources and targets else None
            )
        return self._paths[key]

    def _acl_piece(self, subnet: Subnet, direction: str, protocol: str, piece: PortRange) -> AclDecision | None:
        rules = self.index.acls.get(subnet.acl or "")
        if rules is None:
            return None
        key = (subnet.acl or "", direction, protocol, piece)
        if key not in self._acl:
            self._acl[key] = acl_decide(rules, direction, protocol, piece, ALL_ADDRESSES)
        return self._acl[key]

    def _group_piece(self, groups: tuple[str, ...], direction: str, protocol: str, piece: PortRange,
                     peer_groups: tuple[str, ...]) -> tuple[AddressSet, GroupDecision]:
        """What the groups admit on a port range, over every address (``ALL_ADDRESSES`` itself when a rule names a peer group)."""
        key = (groups, direction, protocol, piece, peer_groups)
        if key not in self._groups:
            rules = self.index.group_rules(groups) or []
            decision = groups_admit(rules, direction, protocol, piece, ALL_ADDRESSES, frozenset(peer_groups))
            named = any(r.groups and not r.groups.isdisjoint(peer_groups) for _, r in decision.rules)
            self._groups[key] = (ALL_ADDRESSES if named else decision.admitted, decision)
        return self._groups[key]

    def _pieces(self, src: Endpoint, dst: Endpoint, s_sub: Subnet, d_sub: Subnet, protocol: str,
                domain: list[PortRange]) -> list[PortRange]:
        same = s_sub.id == d_sub.id
        key = (src.groups if src.check_groups else None, dst.groups, None if same else (s_sub.acl, d_sub.acl),
               protocol, tuple(domain))
        if key not in self._cuts:
            index = self.index
            cuts = relevant_rules(index.group_rules(dst.groups) or [], "ingress", protocol)
            if src.check_groups:
                cuts += relevant_rules(index.group_rules(src.groups) or [], "egress", protocol)
            if not same:
                cuts += [r for r in index.acls.get(s_sub.acl or "", ()) if r.applies("egress", protocol)]
                cuts += [r for r in index.acls.get(d_sub.acl or "", ()) if r.applies("ingress", protocol)]
            has_ingress = any(r.direction == "ingress" and r.protocol in (protocol, "all") for r in cuts)
            self._cuts[key] = elementary_ranges(cuts, domain) if has_ingress or not dst.check_groups else []
        return self._cuts[key]

    def flow(self, src: Endpoint, dst: Endpoint, protocol: str, domain: list[PortRange]) -> Flow | None:
        """The ports of ``protocol`` (within ``domain``) on which ``src`` can open connections to ``dst``."""
        index = self.index
        s_sub, d_sub = index.subnets.get(src.subnet), index.subnets.get(dst.subnet)
        if s_sub is None or d_sub is None:
            return None
        if dst.check_groups and not index.group_rules(dst.groups):
            return None  # unknown (or no) groups on the target: nothing proves an open port
        # Unknown source groups: AWS's default egress allows all, so no egress check.
        check_egress = src.check_groups and index.group_rules(src.groups) is not None
        pieces = self._pieces(src, dst, s_sub, d_sub, protocol, domain)
        if not pieces:
            return None  # no rule of the target's groups admits this protocol on these ports
        same_subnet = s_sub.id == d_sub.id
        path = None if same_subnet else self._path(s_sub, d_sub, protocol)
        if not same_subnet and (path is None or (s_sub.vpc != d_sub.vpc and not path.peerings)):
            return None
        sources = src.addresses if path is None else src.addresses & path.sources
        targets = dst.addresses if path is None else dst.addresses & path.targets
        if not sources or not targets:
            return None
        scope = "same_subnet" if same_subnet else "same_vpc" if s_sub.vpc == d_sub.vpc else "peered"
        result = Flow(protocol, scope)
        leaving_ev, entering_ev = Evidence(), Evidence()
        s_out: list[int] = []  # ACL rule numbers that let the request out of the source subnet
        d_in: list[int] = []  # ... and into the target subnet
        for piece in pieces:
            piece_sources, piece_targets = sources, targets
            admitted = leaving = None
            if dst.check_groups:
                allowed, admitted = self._group_piece(dst.groups, "ingress", protocol, piece, src.groups)
                piece_sources = _narrow(piece_sources, allowed)
            if piece_sources and check_egress:
                allowed, leaving = self._group_piece(src.groups, "egress", protocol, piece, dst.groups)
                piece_targets = _narrow(piece_targets, allowed)
            out_decision = in_decision = None
            if path is not None and piece_sources and piece_targets:
                out_decision = self._acl_piece(s_sub, "egress", protocol, piece)
                in_decision = self._acl_piece(d_sub, "ingress", protocol, piece)
                if out_decision is not None:
                    piece_targets = piece_targets & out_decision.allowed
                if in_decision is not None:
                    piece_sources = piece_sources & in_decision.allowed
            if not piece_sources or not piece_targets:
                continue
            for decision, numbers in ((out_decision, s_out), (in_decision, d_in)):
                if decision is not None:
                    numbers += [n for n in decision.allow_rules if n not in numbers]
            if leaving is not None:
                leaving_ev.groups(leaving, "egress")
            if admitted is not None:
                entering_ev.groups(admitted, "ingress")
            result.pieces.append(FlowPiece(piece, piece_sources, piece_targets))
        if not result.pieces:
            return None
        result.via = leaving_ev.hops + self._network_hops(s_sub, d_sub, protocol, path, s_out, d_in) + entering_ev.hops
        return result

    def _network_hops(self, s_sub: Subnet, d_sub: Subnet, protocol: str, path: _Path | None, s_out: list[int],
                      d_in: list[int]) -> list[dict[str, Any]]:
        """Route and ACL hops between two subnets; shared by every flow with the same rules (do not modify)."""
        if path is None:
            return []
        key = (s_sub.id, d_sub.id, protocol, tuple(s_out), tuple(d_in))
        if key not in self._hops:
            hops = Evidence()
            hops.routes(s_sub, path.out_routes)
            if path.peerings:
                hops.add({"hop": "vpc_peering", "id": min(path.peerings)})
            known = self.index.acls
            hops.acl(s_sub, "outbound_rules", AclDecision(EMPTY, s_out) if s_sub.acl in known else None)
            hops.acl(s_sub, "inbound_rules", path.replies_in)
            hops.acl(d_sub, "inbound_rules", AclDecision(EMPTY, d_in) if d_sub.acl in known else None)
            hops.acl(d_sub, "outbound_rules", path.replies_out)
            hops.routes(d_sub, path.back_routes, label="return_route_table")
            self._hops[key] = hops.hops
        return self._hops[key]
