"""AWS traffic evaluation from the internet to a placement, and the hop evidence shared with ``flows``.

Internet -> placement (inbound connection to a public address):
  the public address (instance/ENI public IP or EIP; a public load balancer or
  database) -> the subnet's route table must send the *reply* to the client
  through an internet gateway attached to the VPC (longest prefix: a longer
  route to a NAT gateway takes its range away from the default route) -> the
  subnet's NACL must allow the request in (service port) and the reply out
  (the client's ephemeral port, 1024-65535) -> the security groups must admit
  the internet source (their CIDRs together contain it; groups are stateful).

Placement -> placement traffic is ``flows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloudwarden.graph.network.cidr import EMPTY, PUBLIC_INTERNET, AddressSet
from cloudwarden.graph.network.rules import (
    EPHEMERAL_PORTS,
    AclDecision,
    CompiledRule,
    GroupDecision,
    PortRange,
    acl_decide,
    acl_decide_any_port,
    elementary_ranges,
    groups_admit,
    merge_ranges,
    relevant_rules,
    rule_evidence,
)
from cloudwarden.graph.network.topology import NetworkIndex, Placement, Route, Subnet

GroupRules = list[tuple[str, tuple[CompiledRule, ...]]]
_SOURCE_LIMIT = 16  # CIDRs listed in an edge's ``sources`` when the internet is only partly admitted


class Evidence:
    """Collects the hops that let traffic through, in the order a reader follows them."""

    def __init__(self) -> None:
        self.hops: list[dict[str, Any]] = []
        self._keys: dict[tuple[str, ...], dict[str, Any]] = {}

    def _hop(self, key: tuple[str, ...], base: dict[str, Any]) -> dict[str, Any]:
        if key not in self._keys:
            self._keys[key] = base
            self.hops.append(base)
        return self._keys[key]

    def add(self, hop: dict[str, Any]) -> None:
        """A hop with nothing to merge (a public address, a gateway, an assumption)."""
        self._hop(("plain", hop.get("hop", ""), str(hop.get("id"))), hop)

    def routes(self, subnet: Subnet, used: list[Route], label: str = "route_table") -> None:
        """The routes (longest prefix) that carried the traffic."""
        hop = self._hop((label, subnet.id), {
            "hop": label, "id": subnet.route_table, "subnet": subnet.id, "main": subnet.route_table_main,
            "routes": [] if subnet.route_table else [{"destination": "local", "target": "local", "assumed": True}],
        })
        for route in used:
            if route.evidence() not in hop["routes"]:
                hop["routes"].append(route.evidence())

    def acl(self, subnet: Subnet, field_name: str, decision: AclDecision | None) -> None:
        """NACL rule numbers that allowed traffic (``inbound_rules`` / ``outbound_rules``)."""
        hop = self._hop(("acl", subnet.id), {"hop": "network_acl", "id": subnet.acl, "subnet": subnet.id})
        if decision is None:
            hop["assumed"] = "no ACL known: the VPC default ACL allows all"
            return
        numbers = hop.setdefault(field_name, [])
        numbers += [n for n in decision.allow_rules if n not in numbers]

    def groups(self, decision: GroupDecision, direction: str) -> None:
        """Security-group rules that admitted traffic, grouped by group."""
        for group_id, rule in decision.rules:
            hop = self._hop(("sg", group_id, direction),
                            {"hop": "security_group", "id": group_id, "direction": direction, "rules": []})
            evidence = rule_evidence(rule)
            if evidence not in hop["rules"]:
                hop["rules"].append(evidence)


@dataclass
class Access:
    """One way in: a protocol, its ports, and the hops that allow them."""

    protocol: str
    ports: list[list[int]]
    via: list[dict[str, Any]]
    family: int = 4
    public_ip: str | None = None
    sources: list[str] | None = None
    restricted: bool = False

    def as_detail(self) -> dict[str, Any]:
        """JSON-ready form for an edge detail."""
        detail: dict[str, Any] = {"protocol": self.protocol, "ports": self.ports}
        if self.public_ip is not None:
            detail["public_ip"] = self.public_ip
        if self.sources is not None:
            detail["sources"] = self.sources
            detail["restricted"] = self.restricted
        detail["via"] = self.via
        return detail


def _acl(index: NetworkIndex, subnet: Subnet) -> tuple[CompiledRule, ...] | None:
    return index.acls.get(subnet.acl or "")


def _acl_pass(rules: Sequence[CompiledRule] | None, direction: str, protocol: str, ports: PortRange,
              peers: AddressSet, any_port: bool = False) -> AclDecision | None:
    """The ACL's decision; None (everything allowed) when the subnet's ACL is unknown."""
    if rules is None:
        return None
    decide = acl_decide_any_port if any_port else acl_decide
    return decide(rules, direction, protocol, ports, peers)


def _allowed(decision: AclDecision | None, peers: AddressSet) -> AddressSet:
    return peers if decision is None else decision.allowed


def _source_label(version: int, passed: AddressSet, source: AddressSet) -> tuple[list[str], bool]:
    if passed == source:
        if source == PUBLIC_INTERNET.family(version):
            return (["0.0.0.0/0"] if version == 4 else ["::/0"]), False
        return source.cidrs(limit=_SOURCE_LIMIT), False
    return passed.cidrs(limit=_SOURCE_LIMIT), True


def internet_access(
    index: NetworkIndex,
    placement: Placement,
    source: AddressSet,
    domain: dict[str, list[PortRange]],
    *,
    families: tuple[int, ...] | None = None,
    require_groups: bool = True,
) -> list[Access]:
    """The protocols and ports on which ``source`` (internet addresses) can open connections to the placement.

    ``domain`` maps each protocol to the port ranges worth asking about (all
    ports for an instance, the listeners of a load balancer, a database's port).
    ``require_groups`` False lets a placement without security groups (a
    network load balancer without groups) through with no group check. The
    public address itself is the caller's hop (it differs between workloads
    that share a subnet and groups, whose answers are otherwise the same).
    """
    subnet = index.subnets.get(placement.subnet)
    group_rules = index.group_rules(placement.groups)
    if subnet is None or group_rules is None or (require_groups and not group_rules):
        return []
    if families is None:
        families = ((4,) if placement.public_v4 else ()) + ((6,) if placement.ipv6 else ())
    accesses: list[Access] = []
    for version in families:
        wanted = source.family(version)
        gateway, routed, used = None, EMPTY, []
        for route, part in index.route_split(subnet, wanted):
            found = index.internet_gateway(subnet, route) if route is not None else None
            if found:
                gateway, routed = found, routed | part
                used.append((route, part))
        if not routed:
            continue
        for protocol, ranges in domain.items():
            access = _internet_protocol(index, subnet, placement, group_rules, wanted, routed, protocol, ranges)
            if access is None:
                continue
            passed, evidence, ports = access
            hops = Evidence()
            hops.add({"hop": "internet_gateway", "id": gateway})
            hops.routes(subnet, [r for r, part in used if part.overlaps(passed)])
            hops.hops += evidence.hops
            sources, restricted = _source_label(version, passed, wanted)
            accesses.append(Access(protocol, ports, hops.hops, version, None, sources, restricted))
    return accesses


def _internet_protocol(
    index: NetworkIndex, subnet: Subnet, placement: Placement, group_rules: GroupRules,
    wanted: AddressSet, routed: AddressSet, protocol: str, ranges: list[PortRange],
) -> tuple[AddressSet, Evidence, list[list[int]]] | None:
    acl = _acl(index, subnet)
    reply = _acl_pass(acl, "egress", protocol, EPHEMERAL_PORTS, routed, any_port=True)
    answerable = _allowed(reply, routed)
    if not answerable:
        return None
    cuts = relevant_rules(group_rules, "ingress", protocol) + [r for r in acl or () if r.applies("ingress", protocol)]
    evidence, passed, ports = Evidence(), EMPTY, []
    inbound = AclDecision(EMPTY)
    for piece in elementary_ranges(cuts, ranges):
        if group_rules:
            admitted = groups_admit(group_rules, "ingress", protocol, piece, wanted)
            if not admitted.admitted.covers(wanted):
                continue  # the groups admit only part of the internet: an allow-list, not exposure
        request = _acl_pass(acl, "ingress", protocol, piece, answerable)
        through = _allowed(request, answerable)
        if not through:
            continue
        if group_rules:
            evidence.groups(admitted, "ingress")
        if request is not None:
            inbound.absorb(request)
        passed, ports = passed | through, ports + [piece]
    if not ports:
        return None
    acl_evidence = Evidence()
    acl_evidence.acl(subnet, "inbound_rules", inbound if acl is not None else None)
    if acl is not None and reply is not None:
        acl_evidence.acl(subnet, "outbound_rules", reply)
    acl_evidence.hops += evidence.hops
    return passed, acl_evidence, merge_ranges(ports)
