"""VPC networks, firewall rules with GCP semantics, routes, addresses and forwarding rules."""

from __future__ import annotations

from cloudwarden.providers.gcp.normalize.firewall import firewall_entries, port_ranges, world_open_ports

from tests.providers.gcp.normalize.conftest import COMPUTE, View

FW = COMPUTE + "/global/firewalls/"
NET = COMPUTE + "/global/networks/default"


def test_a_world_open_ssh_rule_on_a_target_tag_is_a_normalized_allow(estate: View) -> None:
    props = estate.props(FW + "allow-ssh-web")
    assert props["rules"] == [{"direction": "ingress", "action": "allow", "protocol": "tcp", "ports": [[22, 22]],
                               "sources": ["0.0.0.0/0"], "destinations": [], "priority": 1000,
                               "description": "ssh to web servers from anywhere"}]
    assert (props["target_tags"], props["network"], props["disabled"]) == (["web"], NET, False)
    assert estate.edge(FW + "allow-ssh-web", NET, "in_vpc") is not None


def test_a_disabled_rule_admits_nothing_but_keeps_its_configuration(estate: View) -> None:
    props = estate.props(FW + "allow-ssh-legacy")
    assert props["disabled"] is True and props["rules"] == []
    assert props["configured_rules"][0]["ports"] == [[22, 22]]


def test_an_allow_fully_shadowed_by_a_higher_priority_deny_admits_nothing(estate: View) -> None:
    props = estate.props(FW + "allow-ssh-bastion")
    assert props["rules"] == [] and props["shadowed_by"] == [FW + "deny-ssh-bastion"]
    deny = estate.props(FW + "deny-ssh-bastion")
    assert deny["rules"][0]["action"] == "deny" and deny["priority"] == 900


def test_source_tags_and_service_accounts_are_peers(estate: View) -> None:
    sources = [r["sources"][0] for r in estate.props(FW + "allow-from-app")["rules"]]
    assert sources == ["tag:ci", "serviceAccount:app-sa@acme-prod.iam.gserviceaccount.com"]
    assert estate.props(FW + "allow-from-app")["rules"][0]["protocol"] == "all"


def test_an_egress_rule_names_destinations(estate: View) -> None:
    [rule] = estate.props(FW + "deny-egress-smtp")["rules"]
    assert (rule["direction"], rule["sources"], rule["destinations"]) == ("egress", [], ["0.0.0.0/0"])


def test_ports_and_protocols_are_normalized() -> None:
    assert port_ranges("tcp", ["22", "8000-9000"]) == [[22, 22], [8000, 9000]]
    assert port_ranges("udp", None) == [[0, 65535]]
    assert port_ranges("icmp", None) == []
    [entry] = firewall_entries({"allowed": [{"IPProtocol": "6"}], "sourceRanges": ["10.0.0.0/8"]})
    assert (entry["protocol"], entry["ports"], entry["priority"]) == ("tcp", [[0, 65535]], 1000)


def test_an_ingress_rule_without_sources_matches_every_source() -> None:
    [entry] = firewall_entries({"allowed": [{"IPProtocol": "tcp", "ports": ["80"]}]})
    assert entry["sources"] == ["0.0.0.0/0"]


def test_world_open_ports_evaluate_priority_with_deny_winning_ties() -> None:
    allow = firewall_entries({"priority": 500, "allowed": [{"IPProtocol": "tcp", "ports": ["20-30"]}],
                              "sourceRanges": ["0.0.0.0/0"]})
    deny = firewall_entries({"priority": 500, "denied": [{"IPProtocol": "tcp", "ports": ["22"]}],
                             "sourceRanges": ["0.0.0.0/0"]})
    narrow = firewall_entries({"priority": 100, "allowed": [{"IPProtocol": "tcp", "ports": ["5432"]}],
                               "sourceRanges": ["10.0.0.0/8"]})
    assert world_open_ports(allow + deny + narrow) == [[20, 21], [23, 30]]


def test_an_instance_is_world_open_only_through_rules_that_target_it(estate: View) -> None:
    web = estate.props(COMPUTE + "/zones/us-central1-a/instances/web-1")
    assert web["world_open_ports"] == [[22, 22], [443, 443]]
    assert estate.props(COMPUTE + "/zones/us-central1-a/instances/bastion-1")["world_open_ports"] == []
    assert estate.props(COMPUTE + "/zones/us-central1-a/instances/internal-1")["world_open_ports"] == []


def test_instances_are_protected_by_the_rules_that_select_them(estate: View) -> None:
    web = COMPUTE + "/zones/us-central1-a/instances/web-1"
    targets = {e.target for e in estate.out(web, "protected_by")}
    assert targets == {FW + "allow-ssh-web", FW + "allow-https-web", FW + "allow-internal"}


def test_world_open_ports_are_unknown_when_the_input_has_no_firewall_rules(estate: View, normalized) -> None:
    records = [{"name": COMPUTE + "/zones/z-a/instances/i", "asset_type": "compute.googleapis.com/Instance",
                "resource": {"data": {"name": "i", "networkInterfaces": [{"network": "global/networks/default"}]}}}]
    assert normalized(records).props(COMPUTE + "/zones/z-a/instances/i")["world_open_ports"] is None


def test_subnetworks_carry_ranges_private_google_access_and_flow_logs(estate: View) -> None:
    private = estate.props(COMPUTE + "/regions/us-central1/subnetworks/private")
    assert private["cidrs"] == ["10.10.0.0/24", "10.20.0.0/16"]
    assert (private["private_google_access"], private["flow_logs"]) == (True, True)
    default = estate.props(COMPUTE + "/regions/us-central1/subnetworks/default")
    assert (default["private_google_access"], default["logging"]) == (False, {"enabled": False})
    assert estate.props(NET)["is_default"] is True and estate.props(NET)["auto_mode"] is True


def test_a_default_route_leads_to_the_internet_gateway(estate: View) -> None:
    route = COMPUTE + "/global/routes/default-route-0"
    gateway = COMPUTE + "/global/gateways/default-internet-gateway"
    assert estate.props(route)["routes"][0]["target_kind"] == "internet_gateway"
    assert estate.edge(route, gateway, "routes_to").detail == {"destination": "0.0.0.0/0"}
    assert estate.node(gateway).props == {"gateway_type": "internet", "attached_vpcs": [NET]}


def test_an_external_address_routes_to_its_instance_and_internal_ones_are_left_out(estate: View) -> None:
    address = COMPUTE + "/regions/us-central1/addresses/web-ip"
    assert estate.props(address)["address"] == "34.1.2.3"
    assert estate.edge(address, COMPUTE + "/zones/us-central1-a/instances/web-1", "routes_to") is not None
    assert COMPUTE + "/regions/us-central1/addresses/internal-ip" not in estate.nodes


def test_forwarding_rules_are_load_balancers_facing_the_internet_when_external(estate: View) -> None:
    external = estate.props(COMPUTE + "/global/forwardingRules/web-lb")
    assert external["scheme"] == "internet-facing"
    assert external["listeners"] == [{"protocol": "tcp", "ports": [[443, 443]]}]
    internal = estate.props(COMPUTE + "/regions/us-central1/forwardingRules/ilb")
    assert internal["scheme"] == "internal" and internal["listeners"][0]["ports"] == [[80, 80], [8080, 8080]]
