"""GCP VPC firewall rules: which sources reach an instance on which ports.

Semantics (VPC firewall rules):

- rules belong to a network; disabled rules are ignored;
- a rule applies to an instance by target tags (any network tag of the
  instance), by target service accounts (the instance's account email), or to
  every instance of the network when it names neither;
- ingress is evaluated by priority, ascending (0 is the highest); at equal
  priority a deny wins over an allow; the first matching rule decides;
- the implied rules close every evaluation: deny all ingress and allow all
  egress at 65535 (not nodes; connections are stateful, replies pass);
- only source *ranges* admit internet addresses (source tags and source
  service accounts match traffic from instances of the network).

Over address sets each rule decides the part of the remaining sources it
covers, as for ordered ACLs. Rules come from ``props.rules`` (normalized
entries); the raw Compute payload (``allowed``/``denied``, ``sourceRanges``)
is read when the normalized entries are absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node
from cloudwarden.graph.network.cidr import EMPTY, AddressSet
from cloudwarden.graph.network.rules import (
    CompiledRule,
    PortRange,
    compile_rules,
    elementary_ranges,
    merge_ranges,
)

IMPLIED_PRIORITY = 65535


def network_key(reference: str | None) -> str | None:
    """``projects/<p>/global/networks/<name>`` from a network URL, partial URL or CAI name."""
    if not reference:
        return None
    text = str(reference)
    marker = text.find("projects/")
    return text[marker:].rstrip("/") if marker >= 0 else text


@dataclass(frozen=True)
class Firewall:
    """One firewall rule node, compiled."""

    id: str
    name: str
    network: str | None
    priority: int
    direction: str
    target_tags: frozenset[str]
    target_accounts: frozenset[str]
    entries: tuple[CompiledRule, ...]

    def applies_to(self, tags: Iterable[str], accounts: Iterable[str]) -> bool:
        """The rule targets an instance with these network tags and service-account emails."""
        if self.target_tags:
            return bool(self.target_tags & set(tags))
        if self.target_accounts:
            return bool(self.target_accounts & {a.lower() for a in accounts})
        return True

    def evidence(self) -> dict[str, Any]:
        """What explains this rule in a hop."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "priority": self.priority}
        if self.target_tags:
            out["target_tags"] = sorted(self.target_tags)
        if self.target_accounts:
            out["target_service_accounts"] = sorted(self.target_accounts)
        return out


def _raw_entries(node: Node) -> list[dict[str, Any]]:
    """Normalized entries built from a raw Compute firewall payload (when ``props.rules`` is absent)."""
    raw = node.raw or {}
    direction = str(raw.get("direction") or "INGRESS").lower()
    peers = raw.get("sourceRanges") or raw.get("source_ranges") or []
    if direction == "egress":
        peers = raw.get("destinationRanges") or raw.get("destination_ranges") or []
    out = []
    for action, key in (("allow", "allowed"), ("deny", "denied")):
        for item in raw.get(key) or []:
            protocol = str(item.get("IPProtocol") or item.get("ipProtocol") or item.get("ip_protocol") or "all").lower()
            ports = []
            for spec in item.get("ports") or []:
                low, _, high = str(spec).partition("-")
                ports.append([int(low), int(high or low)])
            if not ports and protocol in ("tcp", "udp", "all"):
                ports = [[0, 65535]]
            out.append({"direction": direction, "action": action, "protocol": protocol, "ports": ports,
                        "sources": list(peers) if direction == "ingress" else [],
                        "destinations": list(peers) if direction == "egress" else []})
    return out


def compile_firewall(node: Node, network: str | None) -> Firewall | None:
    """The rule of a firewall node, or None when disabled (a disabled rule does not exist for traffic)."""
    props = node.props
    raw = node.raw or {}
    if props.get("disabled") is True or (props.get("disabled") is None and raw.get("disabled") is True):
        return None
    priority = props.get("priority", raw.get("priority"))
    priority = int(priority) if priority is not None else 1000
    entries = props.get("rules")
    if entries is None:
        entries = _raw_entries(node)
    entries = [{**e, "priority": priority, "ports": e.get("ports") or (
        [[0, 65535]] if str(e.get("protocol", "all")).lower() in ("tcp", "udp", "6", "17") else e.get("ports"))}
        for e in entries]
    direction = str(props.get("direction") or raw.get("direction") or
                     (entries[0].get("direction") if entries else "ingress")).lower()
    tags = props.get("target_tags") or raw.get("targetTags") or raw.get("target_tags") or []
    accounts = props.get("target_service_accounts") or raw.get("targetServiceAccounts") or \
        raw.get("target_service_accounts") or []
    return Firewall(node.id, node.name or node.id, network, priority, direction, frozenset(tags),
                    frozenset(str(a).lower() for a in accounts), compile_rules(entries))


class FirewallIndex:
    """The enabled firewall rules of every GCP network, by network key."""

    def __init__(self, graph: EstateGraph) -> None:
        self.by_network: dict[str, list[Firewall]] = defaultdict(list)
        self.network_ids: dict[str, str] = {}
        for vpc in graph.nodes_of("network.vpc"):
            if vpc.cloud == "gcp":
                key = network_key(vpc.id)
                if key:
                    self.network_ids[key] = vpc.id
        for node in graph.nodes_of("network.firewall"):
            if node.cloud != "gcp":
                continue
            network = next((e.target for e in graph.out_edges(node.id, "in_vpc")), None)
            key = network_key(network or node.props.get("network") or (node.raw or {}).get("network"))
            rule = compile_firewall(node, key)
            if rule is not None and key:
                self.by_network[key].append(rule)
        for rules in self.by_network.values():
            rules.sort(key=lambda r: r.priority)

    def rules_for(self, network: str, tags: Iterable[str], accounts: Iterable[str]) -> list[Firewall]:
        """Enabled ingress rules of the network that target the instance, by priority."""
        tags, accounts = list(tags), list(accounts)
        return [r for r in self.by_network.get(network, []) if r.direction == "ingress" and r.applies_to(tags, accounts)]


@dataclass
class PortDecision:
    """What the rules let in on one port range: sources, whether allow rules open it to all, which rules decided."""

    passed: AddressSet
    opened: AddressSet
    allow: list[Firewall]
    deny: list[Firewall]


def decide(rules: Sequence[Firewall], protocol: str, piece: PortRange, sources: AddressSet) -> PortDecision:
    """First match by priority (deny first at equal priority) over ``sources`` on an elementary port range."""
    ordered = sorted(((r, e) for r in rules for e in r.entries if e.applies("ingress", protocol) and e.covers(piece)),
                     key=lambda pair: (pair[0].priority, pair[1].action != "deny"))
    remaining, decision = sources, PortDecision(EMPTY, EMPTY, [], [])
    for rule, entry in ordered:
        if entry.action == "allow":
            decision.opened = decision.opened | (entry.cidrs & sources)
        hit = remaining & entry.cidrs
        if not hit:
            continue
        if entry.action == "allow":
            decision.passed = decision.passed | hit
            if rule not in decision.allow:
                decision.allow.append(rule)
        elif rule not in decision.deny:
            decision.deny.append(rule)
        remaining = remaining - entry.cidrs
    return decision  # what is left is denied by the implied rule (65535)


@dataclass
class Admission:
    """Ports on which sources get in over one protocol, with the passed sources and the deciding rules."""

    protocol: str
    ports: list[list[int]]
    passed: AddressSet
    allow: list[Firewall]
    deny: list[Firewall]


def admit(rules: Sequence[Firewall], protocol: str, ranges: Sequence[PortRange], sources: AddressSet,
          allow_lists: bool = False) -> Admission | None:
    """The ports of ``ranges`` on which the rules let ``sources`` in.

    A port only allow-listed ranges open (their allows do not cover every
    source) is not exposure and is skipped, unless ``allow_lists``.
    """
    cuts = [e for r in rules for e in r.entries if e.applies("ingress", protocol)]
    ports: list[PortRange] = []
    passed = EMPTY
    allow: list[Firewall] = []
    deny: list[Firewall] = []
    for piece in elementary_ranges(cuts, ranges):
        decision = decide(rules, protocol, piece, sources)
        if not decision.passed or (not allow_lists and not decision.opened.covers(sources)):
            continue
        ports.append(piece)
        passed = passed | decision.passed
        allow += [r for r in decision.allow if r not in allow]
        deny += [r for r in decision.deny if r not in deny]
    if not ports:
        return None
    return Admission(protocol, merge_ranges(ports), passed, allow, deny)
