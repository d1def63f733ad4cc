"""Normalizing security-group permissions, NACL entries and routes (pure functions, no server)."""

from __future__ import annotations

from cloudwarden.providers.aws.rules import (
    merge_port_ranges,
    network_acl_rules,
    normalize_protocol,
    security_group_rules,
    world_open_ports,
)
from cloudwarden.providers.aws.services.ec2_network import normalize_route


def _arn(group_id: str, owner: str | None) -> str:
    return f"arn:aws:ec2:us-east-1:{owner or '123456789012'}:security-group/{group_id}"


def _group(*ingress: dict, egress: tuple[dict, ...] = ()) -> dict:
    return {"GroupId": "sg-1", "IpPermissions": list(ingress), "IpPermissionsEgress": list(egress)}


def test_protocol_numbers_become_names_and_unknown_numbers_stay_numbers() -> None:
    assert [normalize_protocol(p) for p in ("-1", "6", "17", "1", "58", "tcp", "50")] == [
        "all", "tcp", "udp", "icmp", "icmpv6", "tcp", "50"]


def test_each_peer_of_a_permission_becomes_its_own_rule() -> None:
    rules = security_group_rules(
        _group({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}, {"CidrIp": "10.0.0.0/8"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [{"PrefixListId": "pl-1"}]}),
        _arn,
    )
    assert [r["sources"] for r in rules] == [["0.0.0.0/0"], ["10.0.0.0/8"], ["::/0"], ["pl-1"]]
    assert rules[0] == {"direction": "ingress", "action": "allow", "protocol": "tcp", "ports": [[22, 22]],
                        "sources": ["0.0.0.0/0"], "destinations": [], "priority": None, "description": "ssh"}


def test_cross_account_group_reference_names_the_other_accounts_group() -> None:
    rules = security_group_rules(
        _group({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": "sg-9", "UserId": "111122223333"}, {"GroupId": "sg-2"}]}),
        _arn,
    )
    assert [r["sources"] for r in rules] == [
        ["arn:aws:ec2:us-east-1:111122223333:security-group/sg-9"],
        ["arn:aws:ec2:us-east-1:123456789012:security-group/sg-2"],
    ]


def test_egress_rules_name_their_peer_as_destination() -> None:
    rules = security_group_rules(_group(egress=({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},)), _arn)
    assert rules == [{"direction": "egress", "action": "allow", "protocol": "all", "ports": [[0, 65535]],
                      "sources": [], "destinations": ["0.0.0.0/0"], "priority": None, "description": None}]


def test_icmp_rules_have_no_ports_and_tcp_without_range_has_all_ports() -> None:
    rules = security_group_rules(
        _group({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
               {"IpProtocol": "6", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
        _arn,
    )
    assert [(r["protocol"], r["ports"]) for r in rules] == [("icmp", []), ("tcp", [[0, 65535]])]


def test_nacl_rules_sort_by_rule_number_per_direction_with_default_last() -> None:
    rules = network_acl_rules([
        {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": True, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0",
         "PortRange": {"From": 22, "To": 22}},
        {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": False, "Ipv6CidrBlock": "::/0",
         "PortRange": {"From": 22, "To": 22}},
    ])
    assert [(r["direction"], r["priority"], r["action"]) for r in rules] == [
        ("ingress", 90, "deny"), ("ingress", 100, "allow"), ("ingress", 32767, "deny"), ("egress", 100, "allow")]
    assert rules[0]["sources"] == ["::/0"] and rules[0]["ports"] == [[22, 22]]
    assert rules[3]["destinations"] == ["0.0.0.0/0"]


def test_port_ranges_merge_when_overlapping_or_adjacent() -> None:
    assert merge_port_ranges([[80, 80], [22, 22], [81, 90], [85, 100], [443, 443]]) == [[22, 22], [80, 100], [443, 443]]


def test_world_open_ports_ignore_private_sources_egress_and_icmp() -> None:
    rules = security_group_rules(
        _group({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
               {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
               {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
               egress=({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},)),
        _arn,
    )
    assert world_open_ports(rules) == [[53, 53]]


def test_all_protocols_from_the_world_open_every_port() -> None:
    rules = security_group_rules(_group({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}), _arn)
    assert world_open_ports(rules) == [[0, 65535]]


def test_route_kinds_prefer_the_instance_over_its_interface() -> None:
    routes = [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
        {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"},
        {"DestinationCidrBlock": "10.9.0.0/16", "InstanceId": "i-1", "NetworkInterfaceId": "eni-1", "State": "blackhole"},
        {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1", "State": "active"},
        {"DestinationCidrBlock": "172.16.0.0/12", "TransitGatewayId": "tgw-1", "State": "active"},
    ]
    assert [(r["destination"], r["target"], r["target_kind"]) for r in map(normalize_route, routes)] == [
        ("10.0.0.0/16", "local", "local"), ("0.0.0.0/0", "igw-1", "igw"), ("::/0", "eigw-1", "other"),
        ("10.9.0.0/16", "i-1", "instance"), ("pl-1", "vpce-1", "vpce"), ("172.16.0.0/12", "tgw-1", "tgw")]
