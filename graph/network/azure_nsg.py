"""Azure network security group evaluation for traffic from the internet.

NSG semantics: inbound rules are tried by priority, lowest number first; the
first rule whose protocol, destination port, source and destination match
decides (allow or deny); what no rule matches meets the default rules (65000
AllowVnetInBound, 65001 AllowAzureLoadBalancerInBound, 65500 DenyAllInBound),
so internet traffic no rule allows is denied. Over a *set* of sources this means
each rule decides the part of the remaining sources it covers.

Sources, seen from the internet: ``*``/``Any``/``Internet`` and CIDRs match;
``VirtualNetwork``, ``AzureLoadBalancer``, other service tags and application
security groups do not (they name Azure-internal address space). Destinations
are matched against the interface after the public address is translated to its
private one: ``*``, ``VirtualNetwork``, a CIDR containing a private address, or
an application security group the interface belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.network.cidr import ALL_ADDRESSES, EMPTY, AddressSet
from cloudwarden.graph.network.rules import PortRange

INTERNET_TAGS = frozenset({"*", "any", "internet"})
VNET_DESTINATIONS = frozenset({"*", "any", "virtualnetwork"})
_PROTOCOLS = {"*": "all", "any": "all", "all": "all", "-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}


@dataclass(frozen=True)
class NsgRule:
    """One inbound NSG rule parsed for evaluation."""

    priority: int
    action: str
    protocol: str
    ports: tuple[PortRange, ...]
    sources: AddressSet
    destinations: tuple[str, ...]
    evidence: dict[str, Any]

    def applies(self, protocol: str, ports: PortRange) -> bool:
        """Protocol matches and one of the rule's ranges holds the whole (elementary) range."""
        if self.protocol not in ("all", protocol):
            return False
        return any(low <= ports[0] and ports[1] <= high for low, high in self.ports)


@dataclass
class Destination:
    """The interface traffic is destined to: its private addresses and application security groups."""

    private_ips: AddressSet = EMPTY
    groups: frozenset[str] = frozenset()

    def matches(self, tokens: tuple[str, ...]) -> bool:
        """The rule's destination prefixes include this interface."""
        if not tokens:
            return True
        for token in tokens:
            low = token.lower()
            if low in VNET_DESTINATIONS or low in self.groups:
                return True
            cidr = AddressSet.of(token)
            if cidr and (not self.private_ips or cidr.overlaps(self.private_ips)):
                return True  # no private address known: a CIDR destination is assumed to include it
        return False


@dataclass
class LevelDecision:
    """What one NSG let in for one port range: admitted sources, and whether it opens to the whole source."""

    admitted: AddressSet
    opened: bool
    allow_rules: list[dict[str, Any]] = field(default_factory=list)


def source_set(token: str) -> AddressSet:
    """The internet addresses an NSG source prefix matches (service tags other than Internet: none)."""
    if token.strip().lower() in INTERNET_TAGS:
        return ALL_ADDRESSES
    return AddressSet.of(token.strip())


def compile_rules(rules: Iterable[dict[str, Any]] | None) -> tuple[NsgRule, ...] | None:
    """Inbound rules in priority order; None when the rules are unknown."""
    if rules is None:
        return None
    compiled = []
    for rule in rules:
        if str(rule.get("direction", "ingress")).lower() not in ("ingress", "inbound"):
            continue
        protocol = str(rule.get("protocol") or "all").lower()
        protocol = _PROTOCOLS.get(protocol, protocol)
        ports = rule.get("ports")
        if not ports:
            ports = [[0, 65535]] if protocol in ("all", "tcp", "udp") else []
        sources = [str(s) for s in rule.get("sources") or ["*"]]
        destinations = tuple(str(d) for d in rule.get("destinations") or [])
        priority = rule.get("priority")
        compiled.append(NsgRule(
            priority=int(priority) if priority is not None else 65500,
            action="allow" if str(rule.get("action", "allow")).lower() == "allow" else "deny",
            protocol=protocol,
            ports=tuple((int(low), int(high)) for low, high in ports),
            sources=AddressSet.union_all(source_set(s) for s in sources),
            destinations=destinations,
            evidence={k: rule.get(k) for k in ("name", "priority", "protocol", "ports", "sources", "destinations",
                                                "default") if rule.get(k) is not None},
        ))
    compiled.sort(key=lambda r: r.priority)
    return tuple(compiled)


def rules_from_raw(raw: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Normalized rules from an ARM NSG payload (``securityRules`` + ``defaultSecurityRules``), if present."""
    properties = (raw or {}).get("properties") or {}
    if "securityRules" not in properties and "defaultSecurityRules" not in properties:
        return None
    out = []
    for default, key in ((False, "securityRules"), (True, "defaultSecurityRules")):
        for entry in properties.get(key) or []:
            p = entry.get("properties") or entry
            sources = p.get("sourceAddressPrefixes") or ([p["sourceAddressPrefix"]] if p.get("sourceAddressPrefix") else [])
            sources += [g.get("id", "") for g in p.get("sourceApplicationSecurityGroups") or []]
            dests = p.get("destinationAddressPrefixes") or (
                [p["destinationAddressPrefix"]] if p.get("destinationAddressPrefix") else [])
            dests += [str(g.get("id", "")).lower() for g in p.get("destinationApplicationSecurityGroups") or []]
            out.append({"name": entry.get("name"), "direction": "ingress" if str(p.get("direction")).lower() ==
                        "inbound" else "egress", "action": str(p.get("access", "")).lower(),
                        "protocol": p.get("protocol"), "ports": _port_ranges(p), "sources": sources,
                        "destinations": dests, "priority": p.get("priority"), "default": default})
    return out


def _port_ranges(p: dict[str, Any]) -> list[list[int]]:
    texts = p.get("destinationPortRanges") or ([p["destinationPortRange"]] if p.get("destinationPortRange") else ["*"])
    ranges = []
    for text in texts:
        text = str(text).strip()
        if text == "*":
            return [[0, 65535]]
        low, _, high = text.partition("-")
        if low.isdigit():
            ranges.append([int(low), int(high) if high.isdigit() else int(low)])
    return ranges


def decide(rules: tuple[NsgRule, ...], protocol: str, ports: PortRange, destination: Destination,
           sources: AddressSet) -> LevelDecision:
    """First match by priority over a set of sources; unmatched sources meet DenyAllInBound."""
    remaining, admitted, opened_by = sources, EMPTY, EMPTY
    allow_rules: list[dict[str, Any]] = []
    for rule in rules:
        if not remaining:
            break
        if not rule.applies(protocol, ports) or not destination.matches(rule.destinations):
            continue
        hit = remaining & rule.sources
        if not hit:
            continue
        if rule.action == "allow":
            admitted = admitted | hit
            opened_by = opened_by | rule.sources
            if rule.evidence not in allow_rules:
                allow_rules.append(rule.evidence)
        remaining = remaining - rule.sources
    # An allow-list of a few CIDRs is not exposure: the allowing rules must together cover every source.
    return LevelDecision(admitted, bool(admitted) and opened_by.covers(sources), allow_rules)
