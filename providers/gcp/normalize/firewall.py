"""VPC firewall rules with GCP semantics: normalized entries, targets, shadowing, ports open to the world.

A GCP firewall rule is one node with one direction, one action and one priority;
its ``allowed`` / ``denied`` entries times its peers become normalized entries
``{direction, action, protocol, ports, sources, destinations, priority, description}``.
Ingress peers are ``sourceRanges`` and ``tag:<t>`` / ``serviceAccount:<email>``;
egress peers are ``destinationRanges``. Evaluation order is priority, lowest
first; a deny wins a tie; disabled rules do nothing; an ingress nothing allows is
denied (the implied rule at 65535), an egress nothing denies is allowed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

WORLD = ("0.0.0.0/0", "::/0")
ALL_PORTS = [0, 65535]
DEFAULT_PRIORITY = 1000
IMPLIED_PRIORITY = 65535
# GCP names protocols; numbers are normalized to the names the rule shape uses, other names to numbers.
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "all", "esp": "50", "ah": "51",
              "sctp": "132", "ipip": "4", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6"}
_PORTED = frozenset({"tcp", "udp", "132"})


def normalize_protocol(value: Any) -> str:
    """``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all`` or the IANA number as a string."""
    text = str(value if value is not None else "all").strip().lower()
    return _PROTOCOLS.get(text, text)


def port_ranges(protocol: str, ports: Iterable[Any] | None) -> list[list[int]]:
    """``["22", "8000-9000"]`` as ``[[22, 22], [8000, 9000]]``; every port when none are given; none for ICMP."""
    if protocol == "all":
        return [list(ALL_PORTS)]
    if protocol not in _PORTED:
        return []
    ranges = []
    for port in ports or ():
        low, _, high = str(port).partition("-")
        try:
            ranges.append([int(low), int(high or low)])
        except ValueError:
            continue
    return ranges or [list(ALL_PORTS)]


def peers(data: dict[str, Any], direction: str) -> list[str]:
    """Who an entry is about: source ranges, tags and service accounts (ingress) or destination ranges (egress)."""
    if direction == "egress":
        return [str(r) for r in data.get("destinationRanges") or ()] or ["0.0.0.0/0"]
    found = [str(r) for r in data.get("sourceRanges") or ()]
    found += [f"tag:{t}" for t in data.get("sourceTags") or ()]
    found += [f"serviceAccount:{str(s).lower()}" for s in data.get("sourceServiceAccounts") or ()]
    # An ingress rule with no source at all matches every source (the API fills in 0.0.0.0/0).
    return found or ["0.0.0.0/0"]


def firewall_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The rule's entries as configured (whether or not it is disabled)."""
    direction = "egress" if str(data.get("direction") or "INGRESS").upper() == "EGRESS" else "ingress"
    action = "deny" if data.get("denied") else "allow"
    priority = int(float(data.get("priority", DEFAULT_PRIORITY)))
    entries = []
    for permission in data.get("denied") or data.get("allowed") or ():
        protocol = normalize_protocol(permission.get("IPProtocol", permission.get("ipProtocol")))
        ports = port_ranges(protocol, permission.get("ports"))
        for peer in peers(data, direction):
            entries.append({
                "direction": direction, "action": action, "protocol": protocol, "ports": [list(p) for p in ports],
                "sources": [peer] if direction == "ingress" else [],
                "destinations": [] if direction == "ingress" else [peer],
                "priority": priority, "description": data.get("description") or None,
            })
    return entries


def applies_to(rule: dict[str, Any], tags: set[str], service_accounts: set[str]) -> bool:
    """Whether a firewall node's targets select an instance with these network tags and service accounts."""
    target_tags = set(rule.get("target_tags") or ())
    target_accounts = {s.lower() for s in rule.get("target_service_accounts") or ()}
    if not target_tags and not target_accounts:
        return True
    return bool(target_tags & tags) or bool(target_accounts & service_accounts)


def _covers_source(deny: str, allowed: str) -> bool:
    if deny == allowed:
        return True
    try:
        outer, inner = ipaddress.ip_network(deny, strict=False), ipaddress.ip_network(allowed, strict=False)
    except ValueError:
        return False
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _covers_ports(outer: list[list[int]], inner: list[list[int]]) -> bool:
    return all(any(o[0] <= i[0] and i[1] <= o[1] for o in outer) for i in inner)


def _covers_targets(deny: dict[str, Any], allow: dict[str, Any]) -> bool:
    """Whether every instance the allow selects is also selected by the deny."""
    deny_tags, deny_accounts = set(deny.get("target_tags") or ()), set(deny.get("target_service_accounts") or ())
    if not deny_tags and not deny_accounts:
        return True
    allow_tags, allow_accounts = set(allow.get("target_tags") or ()), set(allow.get("target_service_accounts") or ())
    if not allow_tags and not allow_accounts:
        return False
    return allow_tags <= deny_tags and allow_accounts <= deny_accounts and bool(allow_tags or allow_accounts)


def shadowing(allow: dict[str, Any], entry: dict[str, Any], denies: Iterable[tuple[str, dict[str, Any]]]) -> str | None:
    """The id of an enabled deny rule that wins over ``entry`` for every packet it admits, if any."""
    for deny_id, deny in denies:
        if deny["priority"] > allow["priority"] or not _covers_targets(deny, allow):
            continue
        for d in deny["rules"]:
            if d["protocol"] not in ("all", entry["protocol"]):
                continue
            peer_field = "sources" if entry["direction"] == "ingress" else "destinations"
            if not all(any(_covers_source(p, q) for p in d[peer_field]) for q in entry[peer_field]):
                continue
            if d["protocol"] == "all" or _covers_ports(d["ports"], entry["ports"]):
                return deny_id
    return None


def _subtract(spans: list[list[int]], cut: list[int]) -> list[list[int]]:
    out = []
    for low, high in spans:
        if cut[1] < low or cut[0] > high:
            out.append([low, high])
            continue
        if low < cut[0]:
            out.append([low, cut[0] - 1])
        if cut[1] < high:
            out.append([cut[1] + 1, high])
    return out


def _intersect(spans: list[list[int]], cut: list[int]) -> list[list[int]]:
    return [[max(low, cut[0]), min(high, cut[1])] for low, high in spans if not (cut[1] < low or cut[0] > high)]


def merge_ranges(ranges: Iterable[Iterable[int]]) -> list[list[int]]:
    """Sorted port ranges with overlapping and adjacent ones merged."""
    merged: list[list[int]] = []
    for low, high in sorted((int(a), int(b)) for a, b in ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def world_open_ports(entries: Iterable[dict[str, Any]]) -> list[list[int]]:
    """TCP/UDP ports that ingress from anywhere reaches, evaluating entries in GCP order.

    For each of IPv4 and IPv6 and each of TCP and UDP, entries whose sources
    include the whole address space decide ports in priority order (a deny first
    on a tie); what no entry decides falls to the implied deny.
    """
    ingress = sorted((e for e in entries if e["direction"] == "ingress"),
                     key=lambda e: (e["priority"] if e["priority"] is not None else IMPLIED_PRIORITY,
                                    e["action"] != "deny"))
    opened: list[list[int]] = []
    for world in WORLD:
        relevant = [e for e in ingress if world in e["sources"]]
        for protocol in ("tcp", "udp"):
            undecided = [list(ALL_PORTS)]
            for entry in relevant:
                if entry["protocol"] not in (protocol, "all") or not undecided:
                    continue
                spans = [list(ALL_PORTS)] if entry["protocol"] == "all" else entry["ports"]
                for span in spans:
                    covered = _intersect(undecided, span)
                    if entry["action"] == "allow":
                        opened += covered
                    for piece in covered:
                        undecided = _subtract(undecided, piece)
    return merge_ranges(opened)
