"""Evaluating normalized firewall and ACL rules (``props.rules``) over address sets and port ranges.

Two families of rules, two semantics:

- security groups are allow-only and stateful: the admitted addresses of a
  port are the union of every matching rule's peers (order does not matter);
- network ACLs are ordered and stateless: rules are tried by number, the first
  whose protocol, port and CIDR match decides, and what no rule matches is
  denied. Over a *set* of peers this means each rule decides the part of the
  peers it covers that no earlier rule decided.

Both are evaluated on "elementary" port ranges: ranges cut at every rule
boundary, so that each rule covers a range wholly or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.network.cidr import EMPTY, AddressSet

Rule = dict[str, Any]
PortRange = tuple[int, int]

PORTED_PROTOCOLS: tuple[str, ...] = ("tcp", "udp")
ALL_PORTS: PortRange = (0, 65535)
# Clients pick their source port from here; the reply travels back to it, so a
# stateless ACL must let it through (AWS documents 1024-65535 for NACLs).
EPHEMERAL_PORTS: PortRange = (1024, 65535)
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "-1": "all"}


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A normalized rule parsed once: peers split into addresses and security-group ids."""

    direction: str
    protocol: str
    ports: tuple[PortRange, ...]
    cidrs: AddressSet
    groups: frozenset[str]
    action: str
    number: int
    raw: Rule
    evidence: dict[str, Any]  # what explains a hop, built once

    def applies(self, direction: str, protocol: str) -> bool:
        """The rule is of this direction and applies to ``protocol``."""
        return self.direction == direction and (self.protocol == "all" or self.protocol == protocol)

    def covers(self, ports: PortRange) -> bool:
        """One of the rule's ranges contains the whole (elementary) range."""
        return any(low <= ports[0] and ports[1] <= high for low, high in self.ports)


def compile_rules(rules: Iterable[Rule] | None) -> tuple[CompiledRule, ...]:
    """Rules parsed for evaluation, in rule-number order (security-group rules have none and keep theirs)."""
    compiled: list[CompiledRule] = []
    for rule in rules or []:
        protocol = str(rule.get("protocol", "all")).lower()
        protocol = _PROTOCOL_NUMBERS.get(protocol, protocol)
        ports = rule.get("ports") or ([list(ALL_PORTS)] if protocol == "all" else [])
        peers = list(rule.get("sources") if rule.get("direction") == "ingress" else rule.get("destinations") or [])
        compiled.append(CompiledRule(
            direction=str(rule.get("direction")),
            protocol=protocol,
            ports=tuple((int(low), int(high)) for low, high in ports),
            cidrs=AddressSet.from_iter(peers),
            groups=frozenset(p for p in peers if p.startswith("arn:")),
            action=str(rule.get("action", "allow")),
            number=int(rule["priority"]) if rule.get("priority") is not None else 32767,
            raw=rule,
            evidence=_evidence(protocol, ports, peers, rule.get("description")),
        ))
    compiled.sort(key=lambda r: r.number)
    return tuple(compiled)


def _relevant(rules: Iterable[CompiledRule], direction: str, protocol: str) -> list[CompiledRule]:
    return [r for r in rules if r.applies(direction, protocol)]


def elementary_ranges(rules: Iterable[CompiledRule], domain: Sequence[PortRange]) -> list[PortRange]:
    """``domain`` cut at every boundary of the rules' ranges, so each rule covers a piece wholly or not at all."""
    cuts: set[int] = set()
    for rule in rules:
        for low, high in rule.ports:
            cuts.add(low)
            cuts.add(high + 1)
    pieces: list[PortRange] = []
    for low, high in domain:
        inner = sorted(c for c in cuts if low < c <= high)
        start = low
        for cut in inner:
            pieces.append((start, cut - 1))
            start = cut
        pieces.append((start, high))
    return pieces


def merge_ranges(ranges: Iterable[PortRange]) -> list[list[int]]:
    """Sorted ranges with adjacent and overlapping ones joined, as JSON-ready lists."""
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


@dataclass
class AclDecision:
    """What an ordered ACL let through: the admitted peers and the numbers of the rules that decided."""

    allowed: AddressSet
    allow_rules: list[int] = field(default_factory=list)
    deny_rules: list[int] = field(default_factory=list)

    def absorb(self, other: AclDecision) -> None:
        """Add another range's decision to this one."""
        self.allowed = self.allowed | other.allowed
        self.allow_rules += [n for n in other.allow_rules if n not in self.allow_rules]
        self.deny_rules += [n for n in other.deny_rules if n not in self.deny_rules]


def acl_decide(
    rules: Sequence[CompiledRule], direction: str, protocol: str, ports: PortRange, peers: AddressSet
) -> AclDecision:
    """First-match evaluation of a NACL for traffic on an elementary port range from/to ``peers``.

    Rules are taken by number; the part of ``peers`` a rule covers and no
    earlier rule decided is allowed or denied by it. What is left at the end
    is denied (the ``*`` rule, 32767, whether or not it was listed).
    """
    remaining, decision = peers, AclDecision(EMPTY)
    for rule in rules:
        if not remaining:
            break
        if not rule.applies(direction, protocol) or not rule.covers(ports):
            continue
        hit = remaining & rule.cidrs
        if not hit:
            continue
        if rule.action == "allow":
            decision.allowed = decision.allowed | hit
            decision.allow_rules.append(rule.number)
        else:
            decision.deny_rules.append(rule.number)
        remaining = remaining - rule.cidrs
    return decision


def acl_decide_any_port(
    rules: Sequence[CompiledRule], direction: str, protocol: str, ports: PortRange, peers: AddressSet
) -> AclDecision:
    """Peers for which the ACL lets traffic through on at least one port of ``ports`` (e.g. a reply's ephemeral port)."""
    relevant = _relevant(rules, direction, protocol)
    total = AclDecision(EMPTY)
    for piece in elementary_ranges(relevant, [ports]):
        total.absorb(acl_decide(relevant, direction, protocol, piece, peers))
        if total.allowed == peers:
            break
    return total


@dataclass
class GroupDecision:
    """What security groups admitted on one port range: the peers, and each admitting rule with its group."""

    admitted: AddressSet
    rules: list[tuple[str, CompiledRule]] = field(default_factory=list)


def groups_admit(
    groups: Iterable[tuple[str, Sequence[CompiledRule]]],
    direction: str,
    protocol: str,
    ports: PortRange,
    peers: AddressSet,
    peer_groups: frozenset[str] = frozenset(),
) -> GroupDecision:
    """Union of what the groups' rules admit for ``peers`` on an elementary port range.

    A rule naming one of ``peer_groups`` (the other side's security groups)
    admits every peer address; a CIDR rule admits the peers inside it;
    prefix lists cannot be resolved from the snapshot and admit nothing.
    """
    decision = GroupDecision(EMPTY)
    for group_id, rules in groups:
        for rule in rules:
            if not rule.applies(direction, protocol) or not rule.covers(ports):
                continue
            admitted = peers if (rule.groups and not rule.groups.isdisjoint(peer_groups)) else rule.cidrs & peers
            if admitted:
                decision.admitted = decision.admitted | admitted
                decision.rules.append((group_id, rule))
    return decision


def relevant_rules(
    groups: Iterable[tuple[str, Sequence[CompiledRule]]], direction: str, protocol: str
) -> list[CompiledRule]:
    """Every rule of the groups that applies to a direction and protocol (to cut port ranges)."""
    return [r for _, rules in groups for r in rules if r.applies(direction, protocol)]


def _evidence(protocol: str, ports: list[list[int]], peers: list[str], description: str | None) -> dict[str, Any]:
    evidence: dict[str, Any] = {"protocol": protocol, "ports": [list(p) for p in ports], "peers": peers}
    if description:
        evidence["description"] = description
    return evidence


def rule_evidence(rule: CompiledRule) -> dict[str, Any]:
    """The parts of a rule that explain a hop (shared: do not modify)."""
    return rule.evidence
