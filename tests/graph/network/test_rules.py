"""Security-group (union, stateful) and network-ACL (ordered, first match) evaluation."""

from __future__ import annotations

from cloudwarden.graph.network.cidr import AddressSet
from cloudwarden.graph.network.rules import (
    acl_decide,
    acl_decide_any_port,
    compile_rules,
    elementary_ranges,
    groups_admit,
)

WORLD = AddressSet.of("0.0.0.0/0")
SG_APP = "arn:aws:ec2:us-east-1:1:security-group/sg-app"


def _acl(*entries: tuple[int, str, str, list[int], str], direction: str = "ingress"):
    key = "sources" if direction == "ingress" else "destinations"
    other = "destinations" if direction == "ingress" else "sources"
    return compile_rules(
        {"direction": direction, "action": a, "protocol": p, "ports": [r], key: [c], other: [], "priority": n}
        for n, a, p, r, c in entries
    )


def _group(*entries: tuple[str, list[int], str]):
    return compile_rules(
        {"direction": "ingress", "action": "allow", "protocol": p, "ports": [r], "sources": [peer], "destinations": []}
        for p, r, peer in entries
    )


def test_nacl_lowest_numbered_matching_rule_decides() -> None:
    rules = _acl((200, "allow", "all", [0, 65535], "0.0.0.0/0"), (100, "deny", "tcp", [22, 22], "0.0.0.0/0"))
    decision = acl_decide(rules, "ingress", "tcp", (22, 22), WORLD)
    assert not decision.allowed and decision.deny_rules == [100]


def test_nacl_allow_before_a_deny_wins() -> None:
    rules = _acl((100, "allow", "tcp", [22, 22], "0.0.0.0/0"), (200, "deny", "all", [0, 65535], "0.0.0.0/0"))
    assert acl_decide(rules, "ingress", "tcp", (22, 22), WORLD).allow_rules == [100]


def test_nacl_traffic_no_rule_matches_is_denied() -> None:
    rules = _acl((100, "allow", "tcp", [443, 443], "0.0.0.0/0"))
    assert not acl_decide(rules, "ingress", "tcp", (22, 22), WORLD).allowed


def test_nacl_deny_of_one_range_leaves_the_rest_of_the_world_allowed() -> None:
    rules = _acl((90, "deny", "tcp", [22, 22], "203.0.113.0/24"), (100, "allow", "all", [0, 65535], "0.0.0.0/0"))
    allowed = acl_decide(rules, "ingress", "tcp", (22, 22), WORLD).allowed
    assert not allowed.overlaps(AddressSet.of("203.0.113.9")) and allowed.covers(AddressSet.of("198.51.100.0/24"))


def test_nacl_rule_of_another_protocol_does_not_match() -> None:
    rules = _acl((100, "allow", "udp", [22, 22], "0.0.0.0/0"))
    assert not acl_decide(rules, "ingress", "tcp", (22, 22), WORLD).allowed


def test_reply_passes_when_part_of_the_ephemeral_range_is_open() -> None:
    rules = _acl((100, "allow", "tcp", [32768, 65535], "0.0.0.0/0"), direction="egress")
    assert acl_decide_any_port(rules, "egress", "tcp", (1024, 65535), WORLD).allowed == WORLD


def test_group_rule_naming_the_peer_group_admits_every_peer_address() -> None:
    peers = AddressSet.of("10.0.1.0/24")
    decision = groups_admit([("sg-db", _group(("tcp", [5432, 5432], SG_APP)))], "ingress", "tcp", (5432, 5432),
                            peers, frozenset({SG_APP}))
    assert decision.admitted == peers


def test_group_rules_add_up_across_groups() -> None:
    groups = [("a", _group(("tcp", [22, 22], "0.0.0.0/1"))), ("b", _group(("tcp", [22, 22], "128.0.0.0/1")))]
    assert groups_admit(groups, "ingress", "tcp", (22, 22), WORLD).admitted == WORLD


def test_prefix_list_peer_admits_nothing() -> None:
    decision = groups_admit([("a", _group(("tcp", [22, 22], "pl-123")))], "ingress", "tcp", (22, 22), WORLD)
    assert not decision.admitted


def test_port_domain_is_cut_at_every_rule_boundary() -> None:
    rules = _group(("tcp", [22, 22], "0.0.0.0/0"), ("tcp", [20, 30], "10.0.0.0/8"))
    assert elementary_ranges(rules, [(0, 100)]) == [(0, 19), (20, 21), (22, 22), (23, 30), (31, 100)]
