"""Workload -> workload edges inside VPCs on hand-built snapshots."""

from __future__ import annotations

from cloudwarden.graph.analyzers.aws_reachability import reachability_edges
from cloudwarden.graph.model import INTERNET_ID, Edge

from tests.graph.network.handmade import (
    PRIVATE,
    PUBLIC,
    VPC,
    WORLD,
    NetworkEstate,
    arn,
    sg,
)

PG = (5432, 5432)


def _lateral(estate: NetworkEstate, max_sources: int = 50) -> dict[tuple[str, str], Edge]:
    edges = reachability_edges(estate.graph(), max_sources=max_sources)
    return {(e.source, e.target): e for e in edges if e.source != INTERNET_ID}


def _app_and_db(estate: NetworkEstate) -> tuple[str, str]:
    app = estate.group("sg-app", VPC, [])
    db = estate.group("sg-db", VPC, [("tcp", PG, app)])
    return app, db


def test_group_reference_lets_app_reach_database_on_its_port() -> None:
    estate = NetworkEstate.standard()
    app, db = _app_and_db(estate)
    a = estate.instance("i-app", PUBLIC, [app], "10.0.1.10")
    database = estate.database("db1", [PRIVATE], [db], public=False)
    detail = _lateral(estate)[(a, database)].detail
    assert (detail["protocol"], detail["ports"], detail["scope"]) == ("tcp", [[5432, 5432]], "same_vpc")


def test_instance_outside_the_referenced_group_does_not_reach_the_database() -> None:
    estate = NetworkEstate.standard()
    _, db = _app_and_db(estate)
    other = estate.group("sg-other", VPC, [])
    c = estate.instance("i-other", PUBLIC, [other], "10.0.1.11")
    database = estate.database("db1", [PRIVATE], [db], public=False)
    assert (c, database) not in _lateral(estate)


def test_database_does_not_open_connections() -> None:
    estate = NetworkEstate.standard()
    everyone = estate.group("sg-open", VPC, [("all", (0, 65535), "10.0.0.0/8")])
    database = estate.database("db1", [PRIVATE], [everyone], public=False)
    estate.instance("i-any", PUBLIC, [everyone], "10.0.1.10")
    assert not [key for key in _lateral(estate) if key[0] == database]


def test_acl_between_subnets_can_block_lateral_traffic() -> None:
    estate = NetworkEstate.standard()
    app, db = _app_and_db(estate)
    deny_pg = estate.acl("acl-db", VPC, [(90, "deny", "tcp", PG, "10.0.1.0/24"), (100, "allow", "all", (0, 65535), WORLD)],
                         [(100, "allow", "all", (0, 65535), WORLD)])
    subnet = estate.subnet("subnet-db", VPC, "10.0.3.0/24", arn("route-table/rtb-main"), deny_pg, main=True)
    a = estate.instance("i-app", PUBLIC, [app], "10.0.1.10")
    b = estate.instance("i-db", subnet, [db], "10.0.3.10")
    assert (a, b) not in _lateral(estate)


def test_traffic_inside_one_subnet_crosses_no_acl() -> None:
    estate = NetworkEstate.standard()
    app, db = _app_and_db(estate)
    deny_all = estate.acl("acl-closed", VPC, [], [])
    subnet = estate.subnet("subnet-closed", VPC, "10.0.3.0/24", arn("route-table/rtb-main"), deny_all, main=True)
    a = estate.instance("i-app", subnet, [app], "10.0.3.10")
    b = estate.instance("i-db", subnet, [db], "10.0.3.11")
    assert _lateral(estate)[(a, b)].detail["scope"] == "same_subnet"


def test_source_group_egress_can_block_lateral_traffic() -> None:
    estate = NetworkEstate.standard()
    app = estate.group("sg-app", VPC, [], egress=[("tcp", (443, 443), WORLD)])
    db = estate.group("sg-db", VPC, [("tcp", PG, app)])
    a = estate.instance("i-app", PUBLIC, [app], "10.0.1.10")
    b = estate.instance("i-db", PRIVATE, [db], "10.0.2.10")
    assert (a, b) not in _lateral(estate)


def test_cidr_rule_admits_only_the_member_inside_it() -> None:
    estate = NetworkEstate.standard()
    app = estate.group("sg-app", VPC, [])
    db = estate.group("sg-db", VPC, [("tcp", PG, "10.0.1.10/32")])
    inside = estate.instance("i-in", PUBLIC, [app], "10.0.1.10")
    outside = estate.instance("i-out", PUBLIC, [app], "10.0.1.11")
    b = estate.instance("i-db", PRIVATE, [db], "10.0.2.10")
    edges = _lateral(estate)
    assert (inside, b) in edges and (outside, b) not in edges


def test_function_in_a_vpc_reaches_but_is_never_a_target() -> None:
    estate = NetworkEstate.standard()
    app, db = _app_and_db(estate)
    fn = estate.function("worker", {}, subnets=[PRIVATE], groups=[app])
    b = estate.instance("i-db", PRIVATE, [db], "10.0.2.10")
    open_all = estate.group("sg-open", VPC, [("all", (0, 65535), WORLD)])
    estate.instance("i-open", PRIVATE, [open_all], "10.0.2.11")
    edges = _lateral(estate)
    assert (fn, b) in edges and not [key for key in edges if key[1] == fn]


def _peered(both_sides: bool) -> NetworkEstate:
    estate = NetworkEstate.standard([("10.0.0.0/16", "local"), ("10.1.0.0/16", "pcx-1")])
    other = estate.vpc("vpc-2", "10.1.0.0/16")
    back = [("10.1.0.0/16", "local")] + ([("10.0.0.0/16", "pcx-1")] if both_sides else [])
    table = estate.route_table("rtb-2", other, back, main=True)
    estate.subnet("subnet-2", other, "10.1.1.0/24", table, main=True)
    return estate


def test_peered_vpc_workload_reaches_when_both_sides_route_to_the_peering() -> None:
    estate = _peered(both_sides=True)
    app = estate.group("sg-app", VPC, [])
    db = estate.group("sg-db2", arn("vpc/vpc-2"), [("tcp", PG, "10.0.1.0/24")])
    a = estate.instance("i-app", PUBLIC, [app], "10.0.1.10")
    b = estate.instance("i-db", arn("subnet/subnet-2"), [db], "10.1.1.10")
    assert _lateral(estate)[(a, b)].detail["scope"] == "peered"


def test_peering_routed_on_one_side_only_does_not_reach() -> None:
    estate = _peered(both_sides=False)
    app = estate.group("sg-app", VPC, [])
    db = estate.group("sg-db2", arn("vpc/vpc-2"), [("tcp", PG, "10.0.1.0/24")])
    a = estate.instance("i-app", PUBLIC, [app], "10.0.1.10")
    b = estate.instance("i-db", arn("subnet/subnet-2"), [db], "10.1.1.10")
    assert (a, b) not in _lateral(estate)


def _fleet(estate: NetworkEstate, size: int) -> tuple[list[str], str]:
    app, db = _app_and_db(estate)
    sources = [estate.instance(f"i-app{n}", PUBLIC, [app], f"10.0.1.{10 + n}") for n in range(size)]
    return sources, estate.instance("i-db", PRIVATE, [db], "10.0.2.10")


def test_sources_into_one_target_are_capped() -> None:
    estate = NetworkEstate.standard()
    _, target = _fleet(estate, 10)
    into = [key for key in _lateral(estate, max_sources=3) if key[1] == target]
    assert len(into) == 3


def test_capped_edges_say_how_many_sources_they_stand_for() -> None:
    estate = NetworkEstate.standard()
    _, target = _fleet(estate, 10)
    edge = next(e for key, e in _lateral(estate, max_sources=3).items() if key[1] == target)
    assert edge.detail["aggregated"] == {"sources_shown": 3, "candidate_sources": 10}


def test_internet_exposed_sources_are_kept_first_when_capping() -> None:
    estate = NetworkEstate.standard()
    estate.group("sg-app", VPC, [("tcp", (22, 22), WORLD)])
    db = estate.group("sg-db", VPC, [("tcp", PG, sg("sg-app"))])
    quiet = [estate.instance(f"i-a{n}", PUBLIC, [sg("sg-app")], f"10.0.1.{10 + n}") for n in range(5)]
    exposed = estate.instance("i-z-exposed", PUBLIC, [sg("sg-app")], "10.0.1.99", public_ip="54.0.0.99")
    target = estate.instance("i-db", PRIVATE, [db], "10.0.2.10")
    into = {key[0] for key in _lateral(estate, max_sources=1) if key[1] == target}
    assert into == {exposed} and exposed not in quiet
