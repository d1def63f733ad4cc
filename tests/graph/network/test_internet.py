"""Internet -> workload edges on hand-built snapshots: each hop can open or break the path."""

from __future__ import annotations

import msgspec
from cloudwarden.graph.analyzers.aws_reachability import reachability_edges
from cloudwarden.graph.model import INTERNET_ID, Edge

from tests.graph.network.handmade import PRIVATE, PUBLIC, VPC, WORLD, NetworkEstate, arn

SSH = ("tcp", (22, 22), WORLD)


def _from_internet(estate: NetworkEstate, source: list[str] | None = None) -> dict[str, Edge]:
    return {e.target: e for e in reachability_edges(estate.graph(), source) if e.source == INTERNET_ID}


def _public_ssh_instance(estate: NetworkEstate, **kwargs) -> str:
    group = estate.group("sg-ssh", VPC, [SSH])
    return estate.instance("i-web", kwargs.pop("subnet", PUBLIC), [group], "10.0.1.10", **kwargs)


def test_public_instance_with_world_open_ssh_is_reached_on_22() -> None:
    estate = NetworkEstate.standard()
    instance = _public_ssh_instance(estate, public_ip="54.0.0.10")
    detail = _from_internet(estate)[instance].detail
    assert (detail["protocol"], detail["ports"], detail["public_ip"]) == ("tcp", [[22, 22]], "54.0.0.10")


def test_edge_explains_every_hop() -> None:
    estate = NetworkEstate.standard()
    instance = _public_ssh_instance(estate, public_ip="54.0.0.10")
    hops = {h["hop"]: h for h in _from_internet(estate)[instance].detail["via"]}
    assert hops["internet_gateway"]["id"] == arn("internet-gateway/igw-1")
    assert hops["route_table"]["routes"] == [{"destination": WORLD, "target": "igw-1", "target_kind": "igw"}]
    assert (hops["network_acl"]["inbound_rules"], hops["network_acl"]["outbound_rules"]) == ([100], [100])
    assert hops["security_group"]["rules"][0]["peers"] == [WORLD]


def test_instance_without_public_ip_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    instance = _public_ssh_instance(estate)
    assert instance not in _from_internet(estate)


def test_stopped_instance_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    instance = _public_ssh_instance(estate, public_ip="54.0.0.10", state="stopped")
    assert instance not in _from_internet(estate)


def test_longer_route_to_nat_for_the_source_range_beats_the_internet_gateway() -> None:
    estate = NetworkEstate.standard(
        [("10.0.0.0/16", "local"), (WORLD, "igw-1"), ("198.51.100.0/24", "nat-1")])
    instance = _public_ssh_instance(estate, public_ip="54.0.0.10")
    assert instance not in _from_internet(estate, ["198.51.100.7/32"])
    assert instance in _from_internet(estate, ["203.0.113.7/32"])


def test_group_open_only_to_an_office_range_is_not_internet_exposure() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-office", VPC, [("tcp", (22, 22), "203.0.113.0/24")])
    instance = estate.instance("i-web", PUBLIC, [group], "10.0.1.10", public_ip="54.0.0.10")
    assert instance not in _from_internet(estate)


def test_a_source_inside_an_allow_listed_range_reaches_through_it() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-office", VPC, [("tcp", (22, 22), "203.0.113.0/24")])
    instance = estate.instance("i-web", PUBLIC, [group], "10.0.1.10", public_ip="54.0.0.10")
    assert _from_internet(estate, ["203.0.113.7/32"])[instance].detail["sources"] == ["203.0.113.7/32"]


def test_nacl_denying_a_few_ranges_leaves_the_rest_of_the_internet_through() -> None:
    estate = NetworkEstate()
    vpc = estate.vpc()
    estate.igw("igw-1", vpc)
    acl = estate.acl("acl-1", vpc, [(90, "deny", "all", (0, 65535), "203.0.113.0/24"),
                                    (100, "allow", "all", (0, 65535), WORLD)],
                     [(100, "allow", "all", (0, 65535), WORLD)])
    table = estate.route_table("rtb-1", vpc, [("10.0.0.0/16", "local"), (WORLD, "igw-1")])
    subnet = estate.subnet("subnet-1", vpc, "10.0.1.0/24", table, acl)
    instance = _public_ssh_instance(estate, subnet=subnet, public_ip="54.0.0.10")
    detail = _from_internet(estate)[instance].detail
    assert detail["restricted"] is True and "203.0.113.0/24" not in detail["sources"]


def test_unknown_acl_is_taken_as_the_default_that_allows_all() -> None:
    estate = NetworkEstate()
    vpc = estate.vpc()
    estate.igw("igw-1", vpc)
    table = estate.route_table("rtb-1", vpc, [("10.0.0.0/16", "local"), (WORLD, "igw-1")])
    subnet = estate.subnet("subnet-1", vpc, "10.0.1.0/24", table)
    instance = _public_ssh_instance(estate, subnet=subnet, public_ip="54.0.0.10")
    hops = {h["hop"]: h for h in _from_internet(estate)[instance].detail["via"]}
    assert "assumed" in hops["network_acl"]


def test_unknown_group_rules_prove_no_exposure() -> None:
    estate = NetworkEstate.standard()
    estate.add(arn("security-group/sg-unknown"), "network.firewall", {})
    instance = estate.instance("i-web", PUBLIC, [arn("security-group/sg-unknown")], "10.0.1.10", public_ip="54.0.0.10")
    assert instance not in _from_internet(estate)


def test_ipv6_address_is_reached_through_the_ipv6_default_route() -> None:
    estate = NetworkEstate.standard([("10.0.0.0/16", "local"), ("::/0", "igw-1")])
    group = estate.group("sg-v6", VPC, [("tcp", (443, 443), "::/0")])
    instance = estate.instance("i-v6", PUBLIC, [group], "10.0.1.10", ipv6="2600:1f18::10")
    detail = _from_internet(estate)[instance].detail
    assert (detail["ports"], detail["public_ip"], detail["sources"]) == ([[443, 443]], "2600:1f18::10", ["::/0"])


def test_public_database_is_reached_on_its_port_only() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-all", VPC, [("tcp", (0, 65535), WORLD)])
    database = estate.database("db1", [PUBLIC], [group], public=True, port=5432)
    assert _from_internet(estate)[database].detail["ports"] == [[5432, 5432]]


def test_database_not_publicly_accessible_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-all", VPC, [("tcp", (0, 65535), WORLD)])
    database = estate.database("db1", [PUBLIC], [group], public=False)
    assert database not in _from_internet(estate)


def test_public_database_in_private_subnets_only_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-all", VPC, [("tcp", (0, 65535), WORLD)])
    database = estate.database("db1", [PRIVATE], [group], public=True)
    assert database not in _from_internet(estate)


def test_internet_facing_balancer_is_reached_on_its_listeners() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-web", VPC, [("tcp", (0, 65535), WORLD)])
    lb = estate.load_balancer("web", [PUBLIC], [group], [("HTTPS", 443)])
    assert _from_internet(estate)[lb].detail["ports"] == [[443, 443]]


def test_internal_balancer_is_not_reached_from_the_internet() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-web", VPC, [("tcp", (0, 65535), WORLD)])
    lb = estate.load_balancer("web", [PUBLIC], [group], [("HTTPS", 443)], scheme="internal")
    assert lb not in _from_internet(estate)


def test_network_balancer_without_groups_is_reached_on_its_listeners() -> None:
    estate = NetworkEstate.standard()
    lb = estate.load_balancer("nlb", [PUBLIC], [], [("TCP", 5000)], lb_type="network")
    assert _from_internet(estate)[lb].detail["ports"] == [[5000, 5000]]


def test_function_url_without_auth_is_reached_on_https() -> None:
    estate = NetworkEstate()
    fn = estate.function("open", {"function_url": {"auth_type": "NONE", "urls": ["https://x.lambda-url"]}})
    detail = _from_internet(estate)[fn].detail
    assert (detail["ports"], detail["via"][0]["hop"]) == ([[443, 443]], "function_url")


def test_function_url_with_iam_auth_is_not_reached() -> None:
    estate = NetworkEstate()
    fn = estate.function("closed", {"function_url": {"auth_type": "AWS_IAM"}, "public_by_policy": False})
    assert fn not in _from_internet(estate)


def test_notebook_with_direct_internet_access_is_reached_with_authentication() -> None:
    estate = NetworkEstate()
    notebook = estate.notebook("nb", direct_internet_access=True)
    assert _from_internet(estate)[notebook].detail["authenticated"] is True


def test_notebook_without_direct_internet_access_is_not_reached() -> None:
    estate = NetworkEstate()
    notebook = estate.notebook("nb", direct_internet_access=False)
    assert notebook not in _from_internet(estate)


def test_stopped_notebook_is_not_reached() -> None:
    estate = NetworkEstate()
    notebook = estate.notebook("nb", direct_internet_access=True, status="Stopped")
    assert notebook not in _from_internet(estate)


def test_edge_details_are_plain_json() -> None:
    estate = NetworkEstate.standard()
    _public_ssh_instance(estate, public_ip="54.0.0.10")
    estate.instance("i-peer", PRIVATE, [arn("security-group/sg-ssh")], "10.0.2.5")
    edges = reachability_edges(estate.graph())
    assert {e.source == INTERNET_ID for e in edges} == {True, False}
    for edge in edges:
        assert msgspec.json.decode(msgspec.json.encode(edge.detail)) == edge.detail
