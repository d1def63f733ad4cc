"""azure_reachability: NSG priority order, both NSG levels, service tags, public IPs, load balancers, PaaS settings."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID

from tests.graph.azure.estate import AzureEstate
from tests.graph.azure.network import Network, rule

REACH_ONLY = ("azure_reachability",)


def _ports(graph: EstateGraph, node_id: str) -> list[list[int]]:
    return GraphQueries(graph).exposed_ports(node_id)


def test_deny_at_100_shadows_allow_at_200() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "deny", [(22, 22)], ["Internet"]),
                                    rule(200, "allow", [(22, 22), (443, 443)], ["Internet"]))
    graph = estate.graph(REACH_ONLY)
    assert _ports(graph, vm) == [[443, 443]]
    hop = graph.edge(INTERNET_ID, vm, "reaches").detail["via"][1]
    assert hop["level"] == "subnet" and [r["priority"] for r in hop["rules"]] == [200]


def test_allow_at_lower_number_wins_over_a_later_deny() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(22, 22)], ["*"]),
                                    rule(200, "deny", [(22, 22)], ["Internet"]))
    assert _ports(estate.graph(REACH_ONLY), vm) == [[22, 22]]


def test_default_deny_all_inbound_closes_a_vm_with_no_custom_rule() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-quiet")
    assert not GraphQueries(estate.graph(REACH_ONLY)).internet_exposed(vm)


def test_both_levels_must_allow_subnet_allows_but_nic_denies() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(443, 443)], ["Internet"]), nic_rules=())
    assert not GraphQueries(estate.graph(REACH_ONLY)).internet_exposed(vm)


def test_both_levels_allowing_open_the_intersection_of_their_ports() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(80, 443)], ["Internet"]),
                                    nic_rules=(rule(100, "allow", [(443, 8443)], ["*"]),))
    assert _ports(estate.graph(REACH_ONLY), vm) == [[443, 443]]


def test_virtual_network_tag_does_not_admit_the_internet() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-int", rule(100, "allow", None, ["VirtualNetwork"], "all"),
                                    rule(110, "allow", None, ["AzureLoadBalancer"], "all"))
    assert not GraphQueries(estate.graph(REACH_ONLY)).internet_exposed(vm)


def test_internet_tag_admits_the_whole_internet() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(3389, 3389)], ["Internet"]))
    access = estate.graph(REACH_ONLY).edge(INTERNET_ID, vm, "reaches").detail["access"][0]
    assert (access["sources"], access["restricted"], access["public_ip"]) == (["0.0.0.0/0"], False, "20.0.0.4")


def test_an_allow_list_of_one_address_is_not_exposure() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-admin", rule(100, "allow", [(22, 22)], ["203.0.113.7/32"]))
    assert not GraphQueries(estate.graph(REACH_ONLY)).internet_exposed(vm)


def test_internet_minus_a_denied_range_is_exposure_marked_restricted() -> None:
    estate = AzureEstate()
    vm = Network(estate).exposed_vm("vm-web", rule(100, "deny", [(443, 443)], ["198.51.100.0/24"]),
                                    rule(200, "allow", [(443, 443)], ["Internet"]))
    access = estate.graph(REACH_ONLY).edge(INTERNET_ID, vm, "reaches").detail["access"][0]
    assert access["restricted"] is True


def test_vm_without_public_ip_is_not_reachable() -> None:
    estate = AzureEstate()
    net = Network(estate)
    subnet = net.subnet("snet-private", nsg=net.nsg("nsg-open", rule(100, "allow", None, ["*"], "all")))
    vm = estate.vm("vm-private")
    net.nic("nic-private", subnet, vm)
    assert not GraphQueries(estate.graph(REACH_ONLY)).internet_exposed(vm)


def test_standard_public_ip_without_any_nsg_is_closed_but_basic_is_open() -> None:
    estate = AzureEstate()
    net = Network(estate)
    subnet = net.subnet("snet-bare")
    standard, basic = estate.vm("vm-standard"), estate.vm("vm-basic")
    net.nic("nic-standard", subnet, standard, public_ip=net.public_ip("pip-standard", "20.0.1.1", "Standard"))
    net.nic("nic-basic", subnet, basic, public_ip=net.public_ip("pip-basic", "20.0.1.2", "Basic"))
    queries = GraphQueries(estate.graph(REACH_ONLY))
    assert not queries.internet_exposed(standard)
    assert queries.exposed_ports(basic) == [[0, 65535]]


def test_load_balancer_frontend_forwards_to_the_backend_vm() -> None:
    estate = AzureEstate()
    net = Network(estate)
    subnet = net.subnet("snet-pool", nsg=net.nsg("nsg-pool", rule(100, "allow", [(8080, 8080)], ["Internet"])))
    vm = estate.vm("vm-pool-0")
    nic = net.nic("nic-pool-0", subnet, vm)
    lb = estate.resource("microsoft.network/loadbalancers/lb-web", "network.load_balancer",
                         "Microsoft.Network/loadBalancers", {"scheme": "internet-facing", "sku": "Standard", "rules": [
                             {"name": "http", "protocol": "Tcp", "frontend_port": 80, "backend_port": 8080}]})
    estate.link(net.public_ip("pip-lb", "20.0.2.1"), lb, "routes_to")
    estate.link(lb, nic, "routes_to")
    graph = estate.graph(REACH_ONLY)
    assert graph.edge(INTERNET_ID, lb, "reaches").detail["ports"] == [[80, 80]]
    assert graph.edge(lb, vm, "reaches").detail["ports"] == [[8080, 8080]]
    assert GraphQueries(graph).internet_exposed(vm)
    assert _ports(graph, vm) == [[8080, 8080]]


def test_load_balancer_backend_closed_by_its_nsg_gets_no_edge() -> None:
    estate = AzureEstate()
    net = Network(estate)
    subnet = net.subnet("snet-pool", nsg=net.nsg("nsg-pool"))
    vm = estate.vm("vm-pool-0")
    nic = net.nic("nic-pool-0", subnet, vm)
    lb = estate.resource("microsoft.network/loadbalancers/lb-web", "network.load_balancer",
                         "Microsoft.Network/loadBalancers", {"scheme": "internet-facing", "rules": [
                             {"protocol": "Tcp", "frontend_port": 80, "backend_port": 8080}]})
    estate.link(lb, nic, "routes_to")
    graph = estate.graph(REACH_ONLY)
    assert graph.edge(lb, vm, "reaches") is None and graph.edge(INTERNET_ID, lb, "reaches") is None


def test_storage_account_with_public_network_access_is_reached_from_the_internet() -> None:
    estate = AzureEstate()
    account = estate.storage("stopen", public_network_access="Enabled", network_default_action="Allow")
    graph = estate.graph(REACH_ONLY)
    assert _ports(graph, account) == [[443, 443]]
    assert graph.edge(INTERNET_ID, account, "reaches").detail["via"][0]["hop"] == "public_network_access"


def test_storage_account_with_default_action_deny_or_public_access_disabled_is_not() -> None:
    estate = AzureEstate()
    firewalled = estate.storage("stfw", public_network_access="Enabled", network_default_action="Deny")
    private = estate.storage("stpriv", public_network_access="Disabled", network_default_action="Allow")
    queries = GraphQueries(estate.graph(REACH_ONLY))
    assert not queries.internet_exposed(firewalled) and not queries.internet_exposed(private)


def test_sql_server_open_to_every_address_is_reached_on_1433() -> None:
    estate = AzureEstate()
    server = estate.resource("microsoft.sql/servers/sql-app", "database.instance", "Microsoft.Sql/servers", {
        "public_network_access": "Enabled",
        "firewall_rules": [{"name": "AllowAll", "start_ip": "0.0.0.0", "end_ip": "255.255.255.255"}]})
    azure_only = estate.resource("microsoft.sql/servers/sql-int", "database.instance", "Microsoft.Sql/servers", {
        "public_network_access": "Enabled",
        "firewall_rules": [{"name": "AllowAllWindowsAzureIps", "start_ip": "0.0.0.0", "end_ip": "0.0.0.0"}]})
    queries = GraphQueries(estate.graph(REACH_ONLY))
    assert queries.exposed_ports(server) == [[1433, 1433]]
    assert not queries.internet_exposed(azure_only)


def test_exposed_vm_whose_identity_can_write_data_is_the_toxic_combination() -> None:
    from tests.graph.azure.estate import CONTRIBUTOR, SUB

    estate = AzureEstate()
    identity = estate.identity("mi-web")
    estate.assign(identity, CONTRIBUTOR, SUB)
    account = estate.storage("stdata", public_network_access="Disabled")
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(443, 443)], ["Internet"]), identity=identity)
    queries = GraphQueries(estate.graph())
    assert queries.internet_exposed(vm)
    assert queries.identities(vm) == [identity]
    assert queries.writable(identity) == [account]


def test_function_app_with_public_access_and_no_restrictions_is_reached_on_443() -> None:
    estate = AzureEstate()
    app = estate.resource("microsoft.web/sites/func-api", "compute.function", "Microsoft.Web/sites",
                          {"public_network_access": "Enabled", "access_restrictions": []})
    narrowed = estate.resource("microsoft.web/sites/func-int", "compute.function", "Microsoft.Web/sites", {
        "public_network_access": "Enabled",
        "access_restrictions": [{"action": "Allow", "ip_address": "203.0.113.0/24", "priority": 100}]})
    queries = GraphQueries(estate.graph(REACH_ONLY))
    assert queries.exposed_ports(app) == [[443, 443]]
    assert not queries.internet_exposed(narrowed)


def test_destination_application_security_group_matches_only_its_members() -> None:
    estate = AzureEstate()
    net = Network(estate)
    asg = "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-app/providers/" \
          "microsoft.network/applicationsecuritygroups/asg-web"
    subnet = net.subnet("snet-mixed", nsg=net.nsg("nsg-mixed", rule(100, "allow", [(443, 443)], ["Internet"],
                                                                        destinations=[asg])))
    member, outsider = estate.vm("vm-member"), estate.vm("vm-outsider")
    nic = net.nic("nic-member", subnet, member, public_ip=net.public_ip("pip-member", "20.0.3.1"))
    estate.nodes[nic].props["application_security_groups"] = [asg]
    net.nic("nic-outsider", subnet, outsider, public_ip=net.public_ip("pip-outsider", "20.0.3.2"))
    queries = GraphQueries(estate.graph(REACH_ONLY))
    assert queries.exposed_ports(member) == [[443, 443]]
    assert not queries.internet_exposed(outsider)


def test_inbound_nat_rule_forwards_only_to_its_own_backend() -> None:
    estate = AzureEstate()
    net = Network(estate)
    subnet = net.subnet("snet-pool", nsg=net.nsg("nsg-pool", rule(100, "allow", [(22, 22)], ["Internet"])))
    first, second = estate.vm("vm-0"), estate.vm("vm-1")
    nic_first, nic_second = net.nic("nic-0", subnet, first), net.nic("nic-1", subnet, second)
    lb = estate.resource("microsoft.network/loadbalancers/lb-ssh", "network.load_balancer",
                         "Microsoft.Network/loadBalancers", {"scheme": "internet-facing", "public_ips": ["20.0.4.1"],
                                                             "rules": [{"protocol": "tcp", "frontend_port": 50001,
                                                                        "backend_port": 22, "nat": True}]})
    estate.link(lb, nic_first, "routes_to", nat_rule="nat-0",
                rules=[{"protocol": "tcp", "frontend_port": 50001, "backend_port": 22}])
    estate.link(lb, nic_second, "routes_to", backend_pool="pool", rules=[])
    graph = estate.graph(REACH_ONLY)
    assert graph.edge(INTERNET_ID, lb, "reaches").detail["ports"] == [[50001, 50001]]
    assert graph.edge(lb, first, "reaches") is not None and graph.edge(lb, second, "reaches") is None


def test_nsg_rules_are_read_from_the_arm_payload_when_not_normalized() -> None:
    estate = AzureEstate()
    net = Network(estate)
    nsg = estate.resource("microsoft.network/networksecuritygroups/nsg-raw", "network.firewall",
                          "Microsoft.Network/networkSecurityGroups", {}, raw={"properties": {"securityRules": [
                              {"name": "rdp", "properties": {"priority": 300, "direction": "Inbound", "access": "Allow",
                                                             "protocol": "Tcp", "sourceAddressPrefix": "*",
                                                             "destinationAddressPrefix": "*",
                                                             "destinationPortRange": "3389"}}]}})
    subnet = net.subnet("snet-raw", nsg=nsg)
    vm = estate.vm("vm-raw")
    net.nic("nic-raw", subnet, vm, public_ip=net.public_ip("pip-raw", "20.0.5.1"))
    assert _ports(estate.graph(REACH_ONLY), vm) == [[3389, 3389]]
