"""NSG rule removal: only custom rules opening SSH/RDP to the internet go; everything else stays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cloudwarden.engine.remediation.audit import read_audit_log
from cloudwarden.engine.remediation.plan import check_safe
from cloudwarden.engine.remediation.registry import action_for
from cloudwarden.providers.azure.remediation.network import world_open_admin_rules
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import (
    NSG,
    apply,
    azure_finding,
    plan,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm

WORLD_OPEN = ["ssh-from-anywhere", "rdp-from-internet", "admin-range-world-v6"]
DEFAULTS = ["AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound", "AllowVnetOutBound",
            "AllowInternetOutBound", "DenyAllOutBound"]


def _rule_names(arm: StatefulArm, key: str) -> list[str]:
    return [r["name"] for r in arm.get(NSG)["properties"][key]]


def test_the_plan_names_each_world_open_rule_as_a_part_of_the_nsg(arm: StatefulArm,
                                                                  session_for: Callable[[str], Session]) -> None:
    [fix] = plan([azure_finding("firewall-no-world-admin-ports", NSG)], session_for)
    assert [c.params["security_rule_name"] for c in fix.calls] == WORLD_OPEN
    assert [c.resource for c in fix.calls] == [f"{NSG}/securityrules/{name}" for name in WORLD_OPEN]
    assert {c.operation for c in fix.calls} == {"security_rules.begin_delete"}


def test_rule_deletion_is_a_listed_safe_removal(arm: StatefulArm, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([azure_finding("firewall-no-world-admin-ports", NSG)], session_for)
    assert fix.status == "planned"
    assert check_safe(fix.target, fix.action, fix.calls) is None
    assert action_for("azure", "firewall-no-world-admin-ports").safe_removals == ("security_rules.begin_delete",)


def test_narrower_udp_other_port_and_outbound_rules_stay(arm: StatefulArm, session_for: Callable[[str], Session],
                                                         tmp_path: Path) -> None:
    [fix] = apply([azure_finding("firewall-no-world-admin-ports", NSG)], session_for, tmp_path / "a.jsonl")
    assert fix.status == "applied"
    assert _rule_names(arm, "securityRules") == ["ssh-from-office", "https-from-anywhere", "rdp-udp-from-anywhere",
                                                 "deny-ssh-outbound"]


def test_default_rules_are_never_removed(arm: StatefulArm, session_for: Callable[[str], Session],
                                         tmp_path: Path) -> None:
    apply([azure_finding("firewall-no-world-admin-ports", NSG)], session_for, tmp_path / "a.jsonl")
    assert _rule_names(arm, "defaultSecurityRules") == DEFAULTS
    assert arm.seen("DELETE", "/defaultsecurityrules/") == []
    assert len(arm.seen("DELETE", "/securityrules/")) == len(WORLD_OPEN)


def test_a_default_rule_is_not_a_candidate_even_if_it_were_world_open() -> None:
    rule = {"direction": "Inbound", "access": "Allow", "protocol": "*", "sourceAddressPrefix": "*",
            "destinationPortRange": "*"}
    nsg = {"properties": {
        "securityRules": [],
        "defaultSecurityRules": [{"name": "AllowAnyInBound", "id": f"{NSG}/defaultSecurityRules/x", "properties": rule}]}}
    assert world_open_admin_rules(nsg) == []


def test_rules_are_matched_whatever_the_letter_case_of_their_fields() -> None:
    nsg = {"properties": {"securityRules": [
        {"name": "Legacy", "properties": {"direction": "inbound", "access": "allow", "protocol": "TCP",
                                          "sourceAddressPrefixes": ["INTERNET"], "destinationPortRanges": ["3389"]}}]}}
    assert [r["name"] for r in world_open_admin_rules(nsg)] == ["Legacy"]


def test_an_nsg_without_world_open_admin_rules_is_compliant(arm: StatefulArm, session_for: Callable[[str], Session],
                                                            tmp_path: Path) -> None:
    apply([azure_finding("firewall-no-world-admin-ports", NSG)], session_for, tmp_path / "a.jsonl")
    [fix] = plan([azure_finding("firewall-no-world-admin-ports", NSG)], session_for)
    assert (fix.status, fix.calls, fix.before) == ("compliant", [], {"world_open_admin_rules": []})


def test_a_failure_between_rule_deletions_records_the_ones_done(arm: StatefulArm, tmp_path: Path,
                                                                session_for: Callable[[str], Session]) -> None:
    arm.fail("DELETE", "/securityrules/rdp-from-internet$", 409, code="AnotherOperationInProgress")
    [fix] = apply([azure_finding("firewall-no-world-admin-ports", NSG)], session_for, tmp_path / "a.jsonl")
    assert fix.status == "failed"
    final = read_audit_log(tmp_path / "a.jsonl")[-1]
    assert final["event"] == "failed" and "AnotherOperationInProgress" in final["reason"]
    assert [c.split("security_rule_name=")[1] for c in final["completed_calls"]] == ["'ssh-from-anywhere')"]
    assert [r["name"] for r in final["after"]["world_open_admin_rules"]] == ["rdp-from-internet", "admin-range-world-v6"]
