"""Security-group and network-ACL entries normalized into the model's firewall rules.

Pure functions over the EC2 API shapes, so they can be tested without a server.
A normalized rule is one (permission x peer) pair:
``{direction, action, protocol, ports, sources, destinations, priority, description}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WORLD_CIDRS: frozenset[str] = frozenset({"0.0.0.0/0", "::/0"})
ALL_PORTS: list[int] = [0, 65535]

# IANA protocol numbers EC2 reports either by name or by number.
_PROTOCOL_NAMES: dict[str, str] = {"-1": "all", "1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}
_PORTED = frozenset({"tcp", "udp"})
_DEFAULT_NACL_RULE = 32767

# Turns a (group id, owner account or None) pair into that security group's node id.
GroupArn = Callable[[str, str | None], str]


def normalize_protocol(value: str | int | None) -> str:
    """``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all`` or the protocol number as a string."""
    text = str(value if value is not None else "-1").lower()
    return _PROTOCOL_NAMES.get(text, text)


def port_ranges(protocol: str, low: int | None, high: int | None) -> list[list[int]]:
    """The port ranges a rule covers: every port for ``all`` or an unbounded TCP/UDP rule, none for ICMP."""
    if protocol == "all":
        return [list(ALL_PORTS)]
    if protocol not in _PORTED:
        return []
    if low is None or high is None or low < 0 or high < 0:
        return [list(ALL_PORTS)]
    return [[int(low), int(high)]]


def _rule(
    direction: str,
    action: str,
    protocol: str,
    ports: list[list[int]],
    peer: str,
    priority: int | None,
    description: str | None,
) -> dict[str, Any]:
    ingress = direction == "ingress"
    return {
        "direction": direction,
        "action": action,
        "protocol": protocol,
        "ports": ports,
        "sources": [peer] if ingress else [],
        "destinations": [] if ingress else [peer],
        "priority": priority,
        "description": description,
    }


def permission_peers(permission: dict[str, Any], group_arn: GroupArn) -> list[tuple[str, str | None]]:
    """Every (peer, description) of one IpPermission: CIDRs, prefix lists, and referenced groups by node id."""
    peers: list[tuple[str, str | None]] = []
    peers += [(r["CidrIp"], r.get("Description")) for r in permission.get("IpRanges", []) if r.get("CidrIp")]
    peers += [(r["CidrIpv6"], r.get("Description")) for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6")]
    peers += [
        (r["PrefixListId"], r.get("Description")) for r in permission.get("PrefixListIds", []) if r.get("PrefixListId")
    ]
    for pair in permission.get("UserIdGroupPairs", []):
        if pair.get("GroupId"):
            peers.append((group_arn(pair["GroupId"], pair.get("UserId")), pair.get("Description")))
    return peers


def security_group_rules(group: dict[str, Any], group_arn: GroupArn) -> list[dict[str, Any]]:
    """Ingress then egress rules of a security group (always ``allow``; no priority: order does not matter)."""
    rules: list[dict[str, Any]] = []
    for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for permission in group.get(key, []):
            protocol = normalize_protocol(permission.get("IpProtocol"))
            ports = port_ranges(protocol, permission.get("FromPort"), permission.get("ToPort"))
            for peer, description in permission_peers(permission, group_arn):
                rules.append(_rule(direction, "allow", protocol, [list(p) for p in ports], peer, None, description))
    return rules


def network_acl_rules(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """NACL entries as rules, ingress then egress, each in evaluation order (lowest rule number first).

    The catch-all default entry is reported by the API as rule 32767, so it
    sorts last, which is also where AWS evaluates it.
    """
    rules: list[dict[str, Any]] = []
    for entry in entries:
        protocol = normalize_protocol(entry.get("Protocol"))
        port_range = entry.get("PortRange") or {}
        ports = port_ranges(protocol, port_range.get("From"), port_range.get("To"))
        peer = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock") or ""
        number = entry.get("RuleNumber")
        rules.append(
            _rule(
                "egress" if entry.get("Egress") else "ingress",
                str(entry.get("RuleAction", "deny")).lower(),
                protocol,
                ports,
                peer,
                int(number) if number is not None else _DEFAULT_NACL_RULE,
                None,
            )
        )
    rules.sort(key=lambda r: (r["direction"] != "ingress", r["priority"]))
    return rules


def merge_port_ranges(ranges: Iterable[Iterable[int]]) -> list[list[int]]:
    """Sorted ranges with overlapping and adjacent ones merged: [[80,80],[81,90],[22,22]] -> [[22,22],[80,90]]."""
    merged: list[list[int]] = []
    for low, high in sorted((int(a), int(b)) for a, b in ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def is_world_ingress_allow(rule: dict[str, Any]) -> bool:
    """An ingress allow whose sources include the whole IPv4 or IPv6 internet."""
    return (
        rule.get("direction") == "ingress"
        and rule.get("action") == "allow"
        and any(src in WORLD_CIDRS for src in rule.get("sources", []))
    )


def world_open_ports(rules: Iterable[dict[str, Any]]) -> list[list[int]]:
    """TCP/UDP/all-protocol port ranges that security-group rules allow in from anywhere, merged.

    Only for security groups (allow-only): NACL rules need evaluation order, not a union.
    """
    ranges: list[list[int]] = []
    for rule in rules:
        if is_world_ingress_allow(rule) and rule.get("protocol") in ("tcp", "udp", "all"):
            ranges.extend(rule.get("ports", []))
    return merge_port_ranges(ranges)
