"""GCP reaches edges: VPC firewall semantics, external addresses, Cloud SQL, public buckets, forwarding rules."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID

from tests.graph.gcp.estate import PROJECT, GcpEstate

IP = "34.77.1.2"


def _graph(estate: GcpEstate) -> EstateGraph:
    return estate.graph(("gcp_reachability",))


def _web(estate: GcpEstate, **kwargs: object) -> tuple[str, str]:
    network = estate.network()
    options = {"public_ips": [IP], "tags": ["web"], "network": network, **kwargs}
    return network, estate.instance("web", **options)  # type: ignore[arg-type]


def _ports(graph: EstateGraph, node: str) -> list[list[int]]:
    return GraphQueries(graph).exposed_ports(node)


def test_an_allow_rule_open_to_the_world_exposes_an_instance_with_an_external_ip() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    rule = estate.firewall("allow-https", network, ports=[(443, 443)])
    detail = _graph(estate).edge(INTERNET_ID, vm, "reaches").detail
    assert detail["access"][0] | {"via": None} == {"protocol": "tcp", "ports": [[443, 443]], "public_ip": IP,
                                                   "sources": ["0.0.0.0/0"], "restricted": False, "via": None}
    assert detail["rules"] == [{"id": rule, "name": "allow-https", "priority": 1000}]


def test_a_higher_priority_deny_shadows_an_allow() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-ssh", network, ports=[(22, 22)], priority=1000)
    estate.firewall("deny-ssh", network, ports=[(22, 22)], priority=500, action="deny")
    assert _ports(_graph(estate), vm) == []


def test_at_equal_priority_deny_wins() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-ssh", network, ports=[(22, 22)], priority=1000)
    estate.firewall("deny-ssh", network, ports=[(22, 22)], priority=1000, action="deny")
    assert _ports(_graph(estate), vm) == []


def test_a_lower_priority_deny_does_not_shadow_an_allow() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-ssh", network, ports=[(22, 22)], priority=100)
    estate.firewall("deny-all", network, protocol="all", priority=2000, action="deny")
    assert _ports(_graph(estate), vm) == [[22, 22]]


def test_a_disabled_rule_is_ignored() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-ssh", network, ports=[(22, 22)], disabled=True)
    assert _ports(_graph(estate), vm) == []


def test_a_rule_for_another_target_tag_does_not_apply() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-db", network, ports=[(5432, 5432)], target_tags=["db"])
    estate.firewall("allow-web", network, ports=[(80, 80)], target_tags=["web"])
    assert _ports(_graph(estate), vm) == [[80, 80]]


def test_a_rule_for_the_instance_service_account_applies() -> None:
    estate = GcpEstate()
    account = estate.service_account("web-sa")
    network, vm = _web(estate, service_account=account)
    estate.firewall("allow-web", network, ports=[(8080, 8080)], target_service_accounts=[estate.nodes[account].name])
    assert _ports(_graph(estate), vm) == [[8080, 8080]]


def test_an_instance_without_an_external_ip_is_not_reachable() -> None:
    estate = GcpEstate()
    network, vm = _web(estate, public_ips=[])
    estate.firewall("allow-all", network, protocol="all")
    assert _graph(estate).edge(INTERNET_ID, vm, "reaches") is None


def test_without_allow_rules_the_implied_deny_closes_every_port() -> None:
    estate = GcpEstate()
    _, vm = _web(estate)
    assert _graph(estate).edge(INTERNET_ID, vm, "reaches") is None


def test_an_allow_list_is_not_exposure() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("office-ssh", network, ports=[(22, 22)], sources=["203.0.113.0/24"])
    assert _ports(_graph(estate), vm) == []


def test_a_deny_carving_out_part_of_the_internet_leaves_a_restricted_exposure() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("deny-bad", network, ports=[(22, 22)], priority=10, action="deny", sources=["198.51.100.0/24"])
    estate.firewall("allow-ssh", network, ports=[(22, 22)])
    access = _graph(estate).edge(INTERNET_ID, vm, "reaches").detail["access"][0]
    assert access["restricted"] is True and "198.51.100.0/24" not in access["sources"]


def test_a_stopped_instance_is_not_reachable() -> None:
    estate = GcpEstate()
    network, vm = _web(estate, status="TERMINATED")
    estate.firewall("allow-all", network, protocol="all")
    assert _graph(estate).edge(INTERNET_ID, vm, "reaches") is None


def test_collected_routes_without_a_default_internet_route_block_replies() -> None:
    estate = GcpEstate()
    network, vm = _web(estate)
    estate.firewall("allow-https", network, ports=[(443, 443)])
    route = estate.add("//compute.googleapis.com/projects/shop-prod/global/routes/to-vpn", "network.route_table",
                       "to-vpn", parent=PROJECT, props={"routes": [
                           {"destination": "10.8.0.0/16", "target": "vpn-tunnel-1", "target_kind": "vpn"}]})
    estate.link(route, network, "in_vpc")
    assert _ports(_graph(estate), vm) == []


def test_cloud_sql_with_a_public_ip_and_a_world_authorized_network_is_reachable_on_its_port() -> None:
    estate = GcpEstate()
    db = estate.add("//cloudsql.googleapis.com/projects/shop-prod/instances/orders", "database.instance", "orders",
                    parent=PROJECT, native_type="sqladmin.googleapis.com/Instance", raw={
                        "databaseVersion": "POSTGRES_15",
                        "ipAddresses": [{"type": "PRIMARY", "ipAddress": "35.1.1.1"}],
                        "settings": {"ipConfiguration": {"ipv4Enabled": True,
                                                         "authorizedNetworks": [{"value": "0.0.0.0/0"}]}}})
    assert _ports(_graph(estate), db) == [[5432, 5432]]


def test_cloud_sql_with_an_office_authorized_network_is_not_exposed() -> None:
    estate = GcpEstate()
    db = estate.add("//cloudsql.googleapis.com/projects/shop-prod/instances/orders", "database.instance", "orders",
                    parent=PROJECT, raw={"databaseVersion": "MYSQL_8_0", "settings": {"ipConfiguration": {
                        "ipv4Enabled": True, "authorizedNetworks": [{"value": "203.0.113.0/24"}]}}})
    assert _graph(estate).edge(INTERNET_ID, db, "reaches") is None


def test_a_bucket_readable_by_all_users_is_reached_from_the_internet() -> None:
    estate = GcpEstate()
    bucket = estate.bucket("public-assets")
    estate.bind("allUsers", "roles/storage.objectViewer", bucket)
    detail = _graph(estate).edge(INTERNET_ID, bucket, "reaches").detail
    assert detail["ports"] == [[443, 443]] and detail["rules"][0]["member"] == "allUsers"


def test_public_access_prevention_keeps_a_bucket_off_the_internet() -> None:
    estate = GcpEstate()
    bucket = estate.bucket("public-assets", public_access_prevention="enforced")
    estate.bind("allUsers", "roles/storage.objectViewer", bucket)
    assert _graph(estate).edge(INTERNET_ID, bucket, "reaches") is None


def test_an_external_forwarding_rule_reaches_its_backend_through_the_firewall() -> None:
    estate = GcpEstate()
    network, vm = _web(estate, public_ips=[])
    estate.firewall("allow-health", network, ports=[(80, 80)], sources=["35.191.0.0/16", "130.211.0.0/22"])
    lb = estate.add("//compute.googleapis.com/projects/shop-prod/global/forwardingRules/web", "network.load_balancer",
                    "web", parent=PROJECT, raw={"loadBalancingScheme": "EXTERNAL_MANAGED", "IPAddress": "34.1.1.1",
                                                "portRange": "443-443", "IPProtocol": "TCP"})
    estate.link(lb, vm, "routes_to")
    graph = _graph(estate)
    assert graph.edge(INTERNET_ID, lb, "reaches") is not None
    assert graph.edge(lb, vm, "reaches").detail["ports"] == [[80, 80]]
    assert GraphQueries(graph).internet_exposed(vm)


def test_a_function_anyone_may_invoke_is_reachable_unless_its_ingress_is_internal() -> None:
    estate = GcpEstate()
    public = estate.add("//cloudfunctions.googleapis.com/projects/shop-prod/locations/europe-west1/functions/hook",
                        "compute.function", "hook", parent=PROJECT, native_type="cloudfunctions.googleapis.com/Function",
                        props={"ingress": "all", "function_url": {"auth_type": "IAM"}})
    internal = estate.add("//cloudfunctions.googleapis.com/projects/shop-prod/locations/europe-west1/functions/job",
                          "compute.function", "job", parent=PROJECT, native_type="cloudfunctions.googleapis.com/Function",
                          props={"ingress": "internal", "function_url": {"auth_type": "IAM"}})
    estate.role("roles/cloudfunctions.invoker", ["cloudfunctions.functions.invoke"])
    for function in (public, internal):
        estate.bind("allUsers", "roles/cloudfunctions.invoker", function)
    graph = _graph(estate)
    assert graph.edge(INTERNET_ID, public, "reaches") is not None
    assert graph.edge(INTERNET_ID, internal, "reaches") is None


def test_a_workbench_notebook_with_proxy_access_and_an_external_ip_is_reachable_behind_sign_in() -> None:
    estate = GcpEstate()
    notebook = estate.add("//notebooks.googleapis.com/projects/shop-prod/locations/europe-west1-b/instances/lab",
                          "ai.notebook", "lab", parent=PROJECT, native_type="notebooks.googleapis.com/Instance",
                          props={"proxy_access": True, "direct_internet_access": True, "public_ip": True,
                                 "status": "active", "network": {"public_ips": None, "private_ips": None}})
    detail = _graph(estate).edge(INTERNET_ID, notebook, "reaches").detail
    assert detail["authenticated"] is True and detail["ports"] == [[443, 443]]


def test_a_notebook_naming_its_account_by_email_alone_is_understood() -> None:
    from cloudwarden.graph.estate import EstateGraph
    from cloudwarden.graph.model import Node
    from cloudwarden.graph.network.gcp_exposure import instance_accounts
    from cloudwarden.graph.snapshot import Snapshot

    notebook = Node(id="//notebooks.googleapis.com/projects/p/locations/l/instances/nb", cloud="gcp",
                    kind="ai.notebook", props={"service_accounts": ["nb@p.iam.gserviceaccount.com"]})
    graph = EstateGraph(Snapshot(nodes=[notebook]))
    assert instance_accounts(graph, notebook) == ["nb@p.iam.gserviceaccount.com"]
