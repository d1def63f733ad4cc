"""Network security group rules in the model's rule shape, and which ports the world reaches through them.

Each NSG rule becomes one entry per peer (source for inbound, destination for
outbound), keeping the other side's prefixes whole: ``{direction, action,
protocol, ports, sources, destinations, priority, description, name, default,
source_ports}``. Peers are kept as Azure writes them: ``*``, service tags
(``Internet``, ``VirtualNetwork``, ``AzureLoadBalancer``...), CIDRs, and
application security groups by lower-cased id. The six default rules are always
present (from the record, else synthesized) with ``default: true``.

World exposure follows NSG semantics: rules are evaluated by priority, first
match wins; an inbound packet must be allowed by the subnet's NSG and by the
NIC's NSG, and a level without an NSG allows everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from cloudwarden.providers.azure.normalize import arm

ALL = (0, 65535)
WORLD_PEERS = frozenset({"*", "internet", "0.0.0.0/0", "::/0", "any"})
_PROTOCOLS = {"*": "all", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "esp": "esp", "ah": "ah"}

# (name, direction, priority, access, source, destination), per Azure's documented defaults.
DEFAULT_RULES: tuple[tuple[str, str, int, str, str, str], ...] = (
    ("AllowVnetInBound", "Inbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", "Inbound", 65500, "Deny", "*", "*"),
    ("AllowVnetOutBound", "Outbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", "Outbound", 65001, "Allow", "*", "Internet"),
    ("DenyAllOutBound", "Outbound", 65500, "Deny", "*", "*"),
)

Ranges = list[tuple[int, int]]


def _port_ranges(values: Iterable[Any]) -> list[list[int]]:
    out: list[list[int]] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if text == "*":
            return [list(ALL)]
        low, _, high = text.partition("-")
        try:
            out.append([int(low), int(high or low)])
        except ValueError:
            continue
    return out


def _listed(rule: dict[str, Any], single: str, plural: str) -> list[str]:
    values = [str(v) for v in arm.items(arm.get(rule, plural)) if str(v).strip()]
    one = arm.text(arm.get(rule, single))
    if one and one not in values:
        values.insert(0, one)
    return values


def normalize_rule(rule: dict[str, Any], *, default: bool = False) -> list[dict[str, Any]]:
    """One NSG rule as normalized entries (one per peer)."""
    p = arm.props(rule)
    direction = "ingress" if (arm.lower(arm.get(p, "direction")) or "inbound") == "inbound" else "egress"
    protocol_text = arm.lower(arm.get(p, "protocol")) or "*"
    protocol = _PROTOCOLS.get(protocol_text, protocol_text)
    ports = _port_ranges(_listed(p, "destinationPortRange", "destinationPortRanges")) or [list(ALL)]
    if protocol in ("icmp", "esp", "ah"):
        ports = []
    sources = _listed(p, "sourceAddressPrefix", "sourceAddressPrefixes")
    sources += [i for i in (arm.ref_id(g) for g in arm.items(arm.get(p, "sourceApplicationSecurityGroups"))) if i]
    destinations = _listed(p, "destinationAddressPrefix", "destinationAddressPrefixes")
    destinations += [i for i in (arm.ref_id(g) for g in arm.items(arm.get(p, "destinationApplicationSecurityGroups"))) if i]
    priority = arm.get(p, "priority")
    base = {
        "direction": direction,
        "action": "allow" if (arm.lower(arm.get(p, "access")) or "allow") == "allow" else "deny",
        "protocol": protocol,
        "ports": ports,
        "priority": int(priority) if isinstance(priority, (int, float)) or str(priority).isdigit() else None,
        "description": arm.text(arm.get(p, "description")),
        "name": arm.text(arm.get(rule, "name")) or arm.text(arm.get(p, "name")),
        "default": default,
        "source_ports": _port_ranges(_listed(p, "sourcePortRange", "sourcePortRanges")) or [list(ALL)],
    }
    peers = sources if direction == "ingress" else destinations
    out = []
    for peer in peers or ["*"]:
        entry = dict(base)
        entry["sources"] = [peer] if direction == "ingress" else sources
        entry["destinations"] = destinations if direction == "ingress" else [peer]
        out.append(entry)
    return out


def nsg_rules(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule of an NSG record, custom and default, normalized and sorted by direction and priority."""
    p = arm.props(record)
    rules: list[dict[str, Any]] = []
    for rule in arm.items(arm.get(p, "securityRules")):
        rules += normalize_rule(rule)
    given = arm.items(arm.get(p, "defaultSecurityRules"))
    names = {arm.lower(arm.get(r, "name")) for r in given}
    for rule in given:
        rules += normalize_rule(rule, default=True)
    for name, direction, priority, access, source, destination in DEFAULT_RULES:
        if name.lower() not in names:
            rules += normalize_rule({"name": name, "properties": {
                "direction": direction, "priority": priority, "access": access, "protocol": "*",
                "sourceAddressPrefix": source, "destinationAddressPrefix": destination,
                "sourcePortRange": "*", "destinationPortRange": "*",
            }}, default=True)
    rules.sort(key=lambda r: (r["direction"], r["priority"] if r["priority"] is not None else 99999))
    return rules


def _intersect(left: Ranges, right: Ranges) -> Ranges:
    out = []
    for a_low, a_high in left:
        for b_low, b_high in right:
            low, high = max(a_low, b_low), min(a_high, b_high)
            if low <= high:
                out.append((low, high))
    return merge(out)


def _subtract(left: Ranges, right: Ranges) -> Ranges:
    out = list(left)
    for b_low, b_high in right:
        nxt = []
        for a_low, a_high in out:
            if b_high < a_low or b_low > a_high:
                nxt.append((a_low, a_high))
                continue
            if a_low < b_low:
                nxt.append((a_low, b_low - 1))
            if b_high < a_high:
                nxt.append((b_high + 1, a_high))
        out = nxt
    return out


def merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sorted, merged port ranges."""
    out: Ranges = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _covers(prefix: str, addresses: list[str], groups: set[str]) -> bool:
    """Whether a rule's destination prefix covers the interface (any of its private IPs or its ASGs)."""
    folded = prefix.lower()
    if folded in ("*", "virtualnetwork", "any", "0.0.0.0/0", "::/0") or folded in groups:
        return True
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False  # another service tag: it does not name this VM
    for address in addresses:
        try:
            if ipaddress.ip_address(address) in network:
                return True
        except ValueError:
            continue
    return False


def world_admitted(rules: list[dict[str, Any]], protocol: str, addresses: list[str], groups: set[str]) -> Ranges:
    """Ports of ``protocol`` the NSG lets in from any internet address to the interface, first match by priority."""
    undecided: Ranges = [ALL]
    allowed: Ranges = []
    for rule in rules:
        if rule["direction"] != "ingress" or rule["protocol"] not in ("all", protocol):
            continue
        if not any(s.lower() in WORLD_PEERS for s in rule["sources"]):
            continue  # a narrower source decides nothing for an arbitrary internet address
        if not any(_covers(d, addresses, groups) for d in rule["destinations"] or ["*"]):
            continue
        hit = _intersect(undecided, [tuple(p) for p in rule["ports"]])  # type: ignore[misc]
        if not hit:
            continue
        if rule["action"] == "allow":
            allowed += hit
        undecided = _subtract(undecided, hit)
        if not undecided:
            break
    return merge(allowed)


def interface_world_ports(
    levels: list[list[dict[str, Any]] | None], addresses: list[str], groups: set[str]
) -> Ranges:
    """TCP/UDP ports open to the world through every level (None = no NSG at that level: allow all)."""
    out: Ranges = []
    for protocol in ("tcp", "udp"):
        open_ports: Ranges = [ALL]
        for rules in levels:
            if rules is not None:
                open_ports = _intersect(open_ports, world_admitted(rules, protocol, addresses, groups))
        out += open_ports
    return merge(out)
