"""Firewall rules: a world-open rule is disabled, never deleted; narrower and harmless rules stay as they are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudwarden.providers.gcp.remediation.compute import world_open_entries
from cloudwarden.providers.remediation import Session

from tests.providers.gcp.remediation.gcp_estate import (
    apply,
    firewall,
    gcp_finding,
    plan,
)
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp


def _rule(gcp: StatefulGcp, name: str) -> dict:
    return gcp.firewalls[("acme-prod", name)]


def test_a_world_open_rule_is_disabled_not_deleted(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                   tmp_path: Path) -> None:
    [fix] = apply([gcp_finding("firewall-no-world-admin-ports", firewall("allow-ssh-world"))], session_for,
                  tmp_path / "a.jsonl")
    assert fix.status == "applied"
    assert gcp.seen("DELETE") == []
    rule = _rule(gcp, "allow-ssh-world")
    assert rule["disabled"] is True and rule["sourceRanges"] == ["0.0.0.0/0"]
    assert rule["allowed"] == [{"IPProtocol": "tcp", "ports": ["22"]}]
    assert [r.body for r in gcp.seen("PATCH")] == [{"disabled": True}]


@pytest.mark.parametrize(("policy", "name"), [
    ("firewall-no-world-admin-ports", "allow-rdp-world-v6"),
    ("firewall-no-world-all-ports", "allow-all-world"),
    ("firewall-no-world-database-ports", "allow-postgres-world"),
])
def test_each_firewall_policy_disables_rules_open_on_its_ports(gcp: StatefulGcp, policy: str, name: str,
                                                               session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding(policy, firewall(name))], session_for)
    assert [c.params for c in fix.calls] == [
        {"project": "acme-prod", "firewall": name, "firewall_resource": {"disabled": True}}]


@pytest.mark.parametrize(("policy", "name"), [
    ("firewall-no-world-admin-ports", "allow-ssh-office"),
    ("firewall-no-world-admin-ports", "allow-https-world"),
    ("firewall-no-world-admin-ports", "allow-ssh-world-disabled"),
    ("firewall-no-world-all-ports", "allow-ssh-world"),
    ("firewall-no-world-database-ports", "allow-ssh-world"),
])
def test_rules_not_open_to_the_world_on_the_policys_ports_stay_enabled(gcp: StatefulGcp, policy: str, name: str,
                                                                       session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding(policy, firewall(name))], session_for)
    assert (fix.status, fix.calls) == ("compliant", [])


def test_only_the_finding_rule_is_touched(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                          tmp_path: Path) -> None:
    before = {name: dict(rule) for (_, name), rule in gcp.firewalls.items()}
    apply([gcp_finding("firewall-no-world-admin-ports", firewall("allow-ssh-world"))], session_for, tmp_path / "a.jsonl")
    changed = [name for (_, name), rule in gcp.firewalls.items() if rule != before[name]]
    assert changed == ["allow-ssh-world"]


def test_an_ingress_rule_without_any_source_counts_as_world_open() -> None:
    rule = {"direction": "INGRESS", "allowed": [{"IPProtocol": "tcp", "ports": ["3389"]}]}
    assert world_open_entries(rule, (22, 3389)) == [{"IPProtocol": "tcp", "ports": ["3389"]}]


def test_egress_rules_and_icmp_are_not_world_open_ingress() -> None:
    egress = {"direction": "EGRESS", "destinationRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "all"}]}
    icmp = {"direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "icmp"}]}
    assert world_open_entries(egress, None) == [] and world_open_entries(icmp, None) == []
