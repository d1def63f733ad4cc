"""NSG rule normalization and first-match world exposure, on rules written inline."""

from __future__ import annotations

from cloudwarden.providers.azure.normalize.network_nsg import (
    interface_world_ports,
    normalize_rule,
    nsg_rules,
)


def _rule(name: str, priority: int, access: str = "Allow", **props: object) -> dict:
    base = {"protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*",
            "destinationPortRange": "*", "access": access, "priority": priority, "direction": "Inbound"}
    return {"name": name, "properties": {**base, **props}}


def _nsg(*rules: dict) -> dict:
    return {"id": "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/n",
            "type": "microsoft.network/networksecuritygroups", "properties": {"securityRules": list(rules)}}


def test_one_entry_per_source_prefix_and_every_port_range() -> None:
    entries = normalize_rule(_rule("r", 100, sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "Internet"],
                                   destinationPortRange=None, destinationPortRanges=["22", "8000-8100"]))
    assert [e["sources"] for e in entries] == [["10.0.0.0/8"], ["Internet"]]
    assert entries[0]["ports"] == [[22, 22], [8000, 8100]]


def test_star_protocol_is_all_and_application_security_groups_are_peers_by_id() -> None:
    (entry,) = normalize_rule(_rule("r", 100, protocol="*", sourceAddressPrefix=None, sourceApplicationSecurityGroups=[
        {"id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationSecurityGroups/web"}]))
    assert entry["protocol"] == "all"
    assert entry["sources"] == ["/subscriptions/s/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/web"]


def test_outbound_rules_have_one_entry_per_destination() -> None:
    entries = normalize_rule(_rule("out", 100, direction="Outbound", destinationAddressPrefix=None,
                                   destinationAddressPrefixes=["Internet", "Storage"]))
    assert [(e["direction"], e["destinations"]) for e in entries] == [("egress", ["Internet"]), ("egress", ["Storage"])]


def test_missing_default_rules_are_synthesized_and_marked() -> None:
    defaults = [r for r in nsg_rules(_nsg()) if r["default"]]
    assert len(defaults) == 6
    assert {"name": "DenyAllInBound", "priority": 65500, "action": "deny"}.items() <= next(
        r for r in defaults if r["name"] == "DenyAllInBound").items()


def test_lower_priority_number_wins() -> None:
    rules = nsg_rules(_nsg(_rule("allow", 200, destinationPortRange="3389"),
                           _rule("deny", 100, access="Deny", destinationPortRange="3389")))
    assert interface_world_ports([rules], ["10.0.0.4"], set()) == []


def test_a_narrower_source_deny_does_not_close_a_world_allow() -> None:
    rules = nsg_rules(_nsg(_rule("deny-office", 100, access="Deny", sourceAddressPrefix="203.0.113.0/24",
                                 destinationPortRange="22"), _rule("allow", 200, destinationPortRange="22")))
    assert interface_world_ports([rules], ["10.0.0.4"], set()) == [(22, 22)]


def test_allow_to_another_address_does_not_expose_this_interface() -> None:
    rules = nsg_rules(_nsg(_rule("allow", 200, destinationPortRange="22", destinationAddressPrefix="10.9.0.0/16")))
    assert interface_world_ports([rules], ["10.0.0.4"], set()) == []


def test_no_nsg_at_any_level_leaves_every_port_open() -> None:
    assert interface_world_ports([None, None], ["10.0.0.4"], set()) == [(0, 65535)]


def test_udp_allow_counts_as_world_open_ports() -> None:
    rules = nsg_rules(_nsg(_rule("dns", 100, protocol="Udp", destinationPortRange="53")))
    assert interface_world_ports([rules], ["10.0.0.4"], set()) == [(53, 53)]
