"""Network security group fixes: remove custom rules that open SSH or RDP to the whole internet.

A world-open rule is an inbound Allow over TCP or any protocol (``*``) whose
destination ports include 22 or 3389 and whose source prefixes include ``*``,
``Internet``, ``0.0.0.0/0`` or ``::/0``. Only custom rules (``securityRules``)
are ever removed: the default rules (``defaultSecurityRules``) cannot be
deleted and are never touched, and rules opening the ports to narrower sources
stay. Removing a rule is a change of setting, not of data, so the action lists
``security_rules.begin_delete`` as a safe removal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.azure.remediation.resource_id import target_arm_id
from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

NSG_TYPE = "microsoft.network/networksecuritygroups"
ADMIN_PORTS = (22, 3389)
WORLD_SOURCES = frozenset({"*", "internet", "0.0.0.0/0", "::/0", "any"})
TCP_OR_ANY = frozenset({"tcp", "*", "any", "6"})


def _port_ranges(spec: str) -> list[tuple[int, int]]:
    """``"22"``, ``"20-25"`` or ``"*"`` as inclusive ranges (an unreadable spec covers nothing)."""
    spec = spec.strip()
    if spec in ("*", ""):
        return [(0, 65535)] if spec == "*" else []
    low, _, high = spec.partition("-")
    try:
        return [(int(low), int(high or low))]
    except ValueError:
        return []


def _opens_admin_port(props: dict[str, Any]) -> bool:
    specs = [props.get("destinationPortRange")] + list(props.get("destinationPortRanges") or [])
    ranges = [r for spec in specs if isinstance(spec, str) for r in _port_ranges(spec)]
    return any(low <= port <= high for port in ADMIN_PORTS for low, high in ranges)


def _world_sources(props: dict[str, Any]) -> list[str]:
    sources = [props.get("sourceAddressPrefix")] + list(props.get("sourceAddressPrefixes") or [])
    return [s for s in sources if isinstance(s, str) and s.strip().lower() in WORLD_SOURCES]


def world_open_admin_rules(nsg: dict[str, Any]) -> list[dict[str, Any]]:
    """The custom rules of an NSG (REST shape) that admit SSH or RDP from anywhere, summarised."""
    found = []
    for rule in (nsg.get("properties") or {}).get("securityRules") or []:
        props = rule.get("properties") or {}
        if "/defaultsecurityrules/" in str(rule.get("id", "")).lower():
            continue  # belt and braces: default rules are never in securityRules
        if (str(props.get("direction", "")).lower() != "inbound" or str(props.get("access", "")).lower() != "allow"
                or str(props.get("protocol", "")).lower() not in TCP_OR_ANY):
            continue
        world = _world_sources(props)
        if world and _opens_admin_port(props):
            found.append({"name": rule.get("name"), "priority": props.get("priority"),
                          "protocol": props.get("protocol"), "sources": world,
                          "ports": [props.get("destinationPortRange")] if props.get("destinationPortRange")
                          else list(props.get("destinationPortRanges") or [])})
    return found


@dataclass(frozen=True)
class RemoveWorldOpenAdminRules:
    """Delete each custom NSG rule that opens SSH/RDP to the internet; default and narrower rules stay."""

    id: str = "azure.network.remove-world-open-admin-rules"
    cloud: str = "azure"
    policies: tuple[str, ...] = ("firewall-no-world-admin-ports",)
    summary: str = ("remove the NSG's custom inbound rules that allow SSH/RDP (22/3389) from the internet "
                    "(the whole rule goes, with any other sources it lists)")
    safe_removals: tuple[str, ...] = ("security_rules.begin_delete",)

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The NSG's world-open admin rules."""
        arm = target_arm_id(target, NSG_TYPE)
        nsg = session.read("network", "network_security_groups.get", subscription_id=arm.subscription,
                           resource_group_name=arm.resource_group, network_security_group_name=arm.name)
        if nsg is None:
            raise RemediationError(f"network security group {arm.name} not found")
        return {"world_open_admin_rules": world_open_admin_rules(nsg)}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """One ``security_rules.begin_delete`` per world-open rule, each naming the rule it removes."""
        arm = target_arm_id(target, NSG_TYPE)
        return [ApiCall("network", "security_rules.begin_delete",
                        {"resource_group_name": arm.resource_group, "network_security_group_name": arm.name,
                         "security_rule_name": rule["name"]},
                        f"{target.resource_id}/securityrules/{str(rule['name']).lower()}")
                for rule in state["world_open_admin_rules"]]


ACTIONS = (RemoveWorldOpenAdminRules(),)
