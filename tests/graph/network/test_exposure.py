"""``reachable_from_internet`` and ``internet_exposure`` over the derived edges."""

from __future__ import annotations

from cloudwarden.graph.analyzers.aws_reachability import reachability_edges
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.network import internet_exposure, reachable_from_internet

from tests.graph.network.handmade import PRIVATE, PUBLIC, VPC, WORLD, NetworkEstate


def _derived(estate: NetworkEstate) -> EstateGraph:
    graph = estate.graph()
    graph.add_derived(reachability_edges(graph))
    return graph


def _behind_balancer(estate: NetworkEstate) -> tuple[str, str, str]:
    lb_group = estate.group("sg-lb", VPC, [("tcp", (443, 443), WORLD)])
    app = estate.group("sg-app", VPC, [("tcp", (8080, 8080), lb_group)])
    lb = estate.load_balancer("web", [PUBLIC], [lb_group], [("HTTPS", 443)])
    hidden = estate.instance("i-app", PRIVATE, [app], "10.0.2.10")
    estate.target(lb, hidden, 8080)
    ssh = estate.group("sg-ssh", VPC, [("tcp", (22, 22), WORLD)])
    direct = estate.instance("i-bastion", PUBLIC, [ssh], "10.0.1.10", public_ip="54.0.0.10")
    return lb, hidden, direct


def test_direct_exposure_lists_protocol_and_ports() -> None:
    estate = NetworkEstate.standard()
    _, _, direct = _behind_balancer(estate)
    [entry] = reachable_from_internet(_derived(estate), direct)
    assert (entry["protocol"], entry["ports"], entry["through"]) == ("tcp", [[22, 22]], [])


def test_instance_behind_an_internet_facing_balancer_is_reachable_through_it() -> None:
    estate = NetworkEstate.standard()
    lb, hidden, _ = _behind_balancer(estate)
    [entry] = reachable_from_internet(_derived(estate), hidden)
    assert (entry["ports"], entry["through"]) == ([[8080, 8080]], [lb])


def test_unreached_node_has_no_entries() -> None:
    estate = NetworkEstate.standard()
    group = estate.group("sg-closed", VPC, [])
    quiet = estate.instance("i-quiet", PUBLIC, [group], "10.0.1.20", public_ip="54.0.0.20")
    assert reachable_from_internet(_derived(estate), quiet) == []


def test_internet_exposure_lists_direct_and_balanced_nodes() -> None:
    estate = NetworkEstate.standard()
    lb, hidden, direct = _behind_balancer(estate)
    assert {entry["id"] for entry in internet_exposure(_derived(estate))} == {lb, hidden, direct}
