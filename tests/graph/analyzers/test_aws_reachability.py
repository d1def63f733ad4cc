"""Reachability on moto-built estates: collect, build the graph, run the analyzer.

Each internet case is the same public SSH instance with one change that must break
the path (tests/estates/aws_reachability.py).
"""

from __future__ import annotations

from cloudwarden.graph.analyzers.aws_reachability import ANALYZER
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

from tests.estates import aws_reachability as estates


def _reaches() -> dict[tuple[str, str], Edge]:
    snapshot = collect_aws(AwsScope(regions=[estates.REGION], services=["ec2", "elb", "rds"]), "t")
    return {(e.source, e.target): e for e in ANALYZER.run(EstateGraph(snapshot))}


def test_public_instance_is_reachable_from_the_internet_on_22(aws: str) -> None:
    planted = estates.public_instance()
    detail = _reaches()[(INTERNET_ID, planted.instance)].detail
    assert (detail["protocol"], detail["ports"]) == ("tcp", [[22, 22]])


def test_reachable_instance_edge_names_gateway_route_acl_and_group(aws: str) -> None:
    planted = estates.public_instance()
    hops = [h["hop"] for h in _reaches()[(INTERNET_ID, planted.instance)].detail["via"]]
    assert hops == ["public_ip", "internet_gateway", "route_table", "network_acl", "security_group"]


def _internet_reaches(variant: str) -> bool:
    planted = estates.public_instance(variant)
    return (INTERNET_ID, planted.instance) in _reaches()


def test_nacl_deny_on_22_breaks_the_internet_path(aws: str) -> None:
    assert not _internet_reaches("nacl_deny_22")


def test_private_subnet_without_a_route_to_the_internet_gateway_breaks_the_path(aws: str) -> None:
    assert not _internet_reaches("private_subnet")


def test_longer_routes_to_a_nat_gateway_win_over_the_internet_gateway_route(aws: str) -> None:
    assert not _internet_reaches("nat_routes")


def test_group_opening_only_443_leaves_22_closed(aws: str) -> None:
    planted = estates.public_instance("https_only")
    assert _reaches()[(INTERNET_ID, planted.instance)].detail["ports"] == [[443, 443]]


def test_nacl_denying_replies_on_ephemeral_ports_breaks_the_path(aws: str) -> None:
    assert not _internet_reaches("nacl_deny_ephemeral")


def test_instance_without_a_public_ip_is_not_reachable(aws: str) -> None:
    assert not _internet_reaches("no_public_ip")


def test_internet_facing_alb_reaches_a_private_instance_through_a_group_reference(aws: str) -> None:
    planted = estates.balanced_private_instance()
    edges = _reaches()
    assert edges[(INTERNET_ID, planted.load_balancer)].detail["ports"] == [[80, 80]]
    assert edges[(planted.load_balancer, planted.instance)].detail["ports"] == [[8080, 8080]]


def test_private_instance_behind_an_alb_has_no_direct_internet_edge(aws: str) -> None:
    planted = estates.balanced_private_instance()
    assert (INTERNET_ID, planted.instance) not in _reaches()


def test_app_instance_reaches_the_database_instance_on_5432_through_a_group_reference(aws: str) -> None:
    planted = estates.lateral_trio()
    assert _reaches()[(planted.app, planted.database)].detail["ports"] == [[5432, 5432]]


def test_instance_outside_the_referenced_group_does_not_reach_the_database(aws: str) -> None:
    planted = estates.lateral_trio()
    assert (planted.other, planted.database) not in _reaches()


def test_publicly_accessible_database_is_reachable_on_its_port_only(aws: str) -> None:
    database = estates.public_database(publicly_accessible=True)
    assert _reaches()[(INTERNET_ID, database)].detail["ports"] == [[5432, 5432]]


def test_database_not_publicly_accessible_is_not_reachable_from_the_internet(aws: str) -> None:
    database = estates.public_database(publicly_accessible=False)
    assert (INTERNET_ID, database) not in _reaches()
