"""VPC firewall rule fixes: disable (never delete) an ingress rule that opens the policy's ports to the world.

Rule ids are ``//compute.googleapis.com/projects/<p>/global/firewalls/<name>``.
A world-open rule is an enabled INGRESS rule with an ``allowed`` entry over the
policy's protocols and ports whose ``sourceRanges`` include ``0.0.0.0/0`` or
``::/0`` (or, as Compute Engine reads it, no source at all). Disabling keeps
the rule, so its owner can narrow its sources and turn it back on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

RULE_ID = re.compile(r"^//compute\.googleapis\.com/projects/(?P<project>[^/]+)/global/firewalls/(?P<name>[^/]+)$")
WORLD = frozenset({"0.0.0.0/0", "::/0"})
ADMIN_PORTS = (22, 3389)
DATABASE_PORTS = (1433, 1521, 3306, 5432, 5439, 6379, 9200, 11211, 27017)
# The ports each firewall policy judges (None: a rule open on every port, any protocol).
POLICY_PORTS: dict[str, tuple[int, ...] | None] = {
    "firewall-no-world-admin-ports": ADMIN_PORTS,
    "firewall-no-world-database-ports": DATABASE_PORTS,
    "firewall-no-world-all-ports": None,
}
TCP_NAMES = frozenset({"tcp", "6", "all"})
PORTED = frozenset({"tcp", "6", "udp", "17", "sctp", "132"})  # protocols whose rules have ports


def rule_ref(target: Target) -> tuple[str, str]:
    """``(project, firewall name)`` of a firewall rule finding."""
    match = RULE_ID.match(target.resource_id)
    if match is None:
        raise RemediationError(f"{target.resource_id} is not a VPC firewall rule id")
    return match["project"], match["name"]


def _port_ranges(ports: list[str] | None) -> list[tuple[int, int]]:
    if not ports:
        return [(0, 65535)]
    ranges = []
    for spec in ports:
        low, _, high = str(spec).partition("-")
        try:
            ranges.append((int(low), int(high or low)))
        except ValueError:
            continue
    return ranges


def _opens(entry: dict[str, Any], ports: tuple[int, ...] | None) -> bool:
    protocol = str(entry.get("IPProtocol") or entry.get("ipProtocol") or "").lower()
    ranges = _port_ranges(entry.get("ports"))
    if ports is None:
        return protocol == "all" or (protocol in PORTED and any(low <= 1 and high >= 65535 for low, high in ranges))
    if protocol not in TCP_NAMES:
        return False
    return protocol == "all" or any(low <= p <= high for p in ports for low, high in ranges)


def world_open_entries(rule: dict[str, Any], ports: tuple[int, ...] | None) -> list[dict[str, Any]]:
    """The ``allowed`` entries of an enabled ingress rule (REST shape) open to the world on ``ports``."""
    if str(rule.get("direction") or "INGRESS").upper() != "INGRESS" or rule.get("disabled"):
        return []
    sources = rule.get("sourceRanges") or []
    no_source = not sources and not rule.get("sourceTags") and not rule.get("sourceServiceAccounts")
    if not no_source and not WORLD.intersection(sources):
        return []
    return [entry for entry in rule.get("allowed") or [] if _opens(entry, ports)]


@dataclass(frozen=True)
class DisableWorldOpenFirewallRule:
    """Disable a firewall rule that admits the policy's ports from anywhere (the rule is kept, not deleted)."""

    id: str = "gcp.compute.disable-world-open-firewall-rule"
    cloud: str = "gcp"
    policies: tuple[str, ...] = tuple(POLICY_PORTS)
    summary: str = "disable the world-open firewall rule (kept, not deleted: narrow its sources, then re-enable)"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Whether the rule is disabled, and its allowed entries open to the world on the policy's ports."""
        project, name = rule_ref(target)
        rule = session.read("compute.firewalls", "get", project=project, firewall=name)
        if rule is None:
            raise RemediationError(f"firewall rule {name} not found in project {project}")
        ports = POLICY_PORTS.get(target.policy, ADMIN_PORTS)
        return {"disabled": bool(rule.get("disabled")), "source_ranges": list(rule.get("sourceRanges") or []),
                "world_open_allowed": world_open_entries(rule, ports)}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``FirewallsClient.patch`` with ``disabled: true`` alone, when the rule is enabled and world-open."""
        if state["disabled"] or not state["world_open_allowed"]:
            return []
        project, name = rule_ref(target)
        return [ApiCall("compute.firewalls", "patch",
                        {"project": project, "firewall": name, "firewall_resource": {"disabled": True}},
                        target.resource_id)]


ACTIONS = (DisableWorldOpenFirewallRule(),)
