"""Load balancer -> target edges on hand-built snapshots."""

from __future__ import annotations

from cloudwarden.graph.analyzers.aws_reachability import reachability_edges
from cloudwarden.graph.model import Edge

from tests.graph.network.handmade import PRIVATE, PUBLIC, VPC, WORLD, NetworkEstate

HTTP = ("tcp", (80, 80), WORLD)


def _edges(estate: NetworkEstate) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in reachability_edges(estate.graph())}


def _alb(estate: NetworkEstate, target_rule_peer: str | None = None) -> tuple[str, str]:
    lb_group = estate.group("sg-lb", VPC, [HTTP])
    app = estate.group("sg-app", VPC, [("tcp", (8080, 8080), target_rule_peer or lb_group)])
    lb = estate.load_balancer("web", [PUBLIC], [lb_group], [("HTTP", 80)])
    instance = estate.instance("i-app", PRIVATE, [app], "10.0.2.10")
    estate.target(lb, instance, 8080)
    return lb, instance


def test_balancer_reaches_a_target_whose_group_names_the_balancers_group() -> None:
    estate = NetworkEstate.standard()
    lb, instance = _alb(estate)
    detail = _edges(estate)[(lb, instance)].detail
    assert (detail["ports"], detail["target_group"], detail["via"][0]["hop"]) == ([[8080, 8080]], "tg-1", "target_group")


def test_balancer_reaches_a_target_whose_group_admits_its_subnet() -> None:
    estate = NetworkEstate.standard()
    lb, instance = _alb(estate, target_rule_peer="10.0.1.0/24")
    assert (lb, instance) in _edges(estate)


def test_target_group_that_admits_another_range_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    lb, instance = _alb(estate, target_rule_peer="10.9.0.0/16")
    assert (lb, instance) not in _edges(estate)


def test_target_on_a_port_its_group_does_not_open_is_not_reached() -> None:
    estate = NetworkEstate.standard()
    lb_group = estate.group("sg-lb", VPC, [HTTP])
    app = estate.group("sg-app", VPC, [("tcp", (8080, 8080), lb_group)])
    lb = estate.load_balancer("web", [PUBLIC], [lb_group], [("HTTP", 80)])
    instance = estate.instance("i-app", PRIVATE, [app], "10.0.2.10")
    estate.target(lb, instance, 9000)
    assert (lb, instance) not in _edges(estate)


def test_function_target_is_reached_on_the_listener_ports() -> None:
    estate = NetworkEstate.standard()
    lb_group = estate.group("sg-lb", VPC, [HTTP])
    lb = estate.load_balancer("web", [PUBLIC], [lb_group], [("HTTPS", 443)])
    fn = estate.function("handler", {})
    estate.target(lb, fn, 0, protocol="")
    assert _edges(estate)[(lb, fn)].detail["ports"] == [[443, 443]]


def test_target_registered_by_ip_address_is_matched_to_its_instance() -> None:
    estate = NetworkEstate.standard()
    lb_group = estate.group("sg-lb", VPC, [HTTP])
    app = estate.group("sg-app", VPC, [("tcp", (8080, 8080), lb_group)])
    lb = estate.load_balancer("web", [PUBLIC], [lb_group], [("HTTP", 80)])
    instance = estate.instance("i-app", PRIVATE, [app], "10.0.2.10")
    estate.nodes[lb].props["targets"] = [{"type": "ip", "id": "10.0.2.10", "port": 8080, "protocol": "HTTP"}]
    assert _edges(estate)[(lb, instance)].detail["ports"] == [[8080, 8080]]
