"""NSGs, NICs, public IPs and VM exposure: both NSG levels must allow, first match by priority."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import View, arm_id, build, load_rows

NSG_OPEN = arm_id("rg-app", "microsoft.network", "networksecuritygroups", "nsg-open-ssh")
NSG_SHADOWED = arm_id("rg-app", "microsoft.network", "networksecuritygroups", "nsg-shadowed-ssh")
VM_WEB = arm_id("rg-app", "microsoft.compute", "virtualmachines", "vm-web")
VM_LOCKED = arm_id("rg-app", "microsoft.compute", "virtualmachines", "vm-locked")
NIC_WEB = arm_id("rg-app", "microsoft.network", "networkinterfaces", "nic-web")
PIP_WEB = arm_id("rg-app", "microsoft.network", "publicipaddresses", "pip-web")
SUBNET_WEB = arm_id("rg-app", "microsoft.network", "virtualnetworks", "vnet-app", "subnets", "snet-web")


def test_vm_behind_nsgs_open_to_the_internet_on_22_has_22_world_open(planted: View) -> None:
    assert planted.node(VM_WEB).props["world_open_ports"] == [[22, 22]]


def test_higher_priority_deny_shadows_the_ssh_allow(planted: View) -> None:
    assert planted.node(VM_LOCKED).props["world_open_ports"] == []


def test_nsg_rules_carry_priority_action_and_the_six_defaults(planted: View) -> None:
    rules = planted.node(NSG_OPEN).props["rules"]
    ssh = next(r for r in rules if r["name"] == "allow-ssh")
    assert (ssh["direction"], ssh["action"], ssh["protocol"], ssh["ports"], ssh["priority"]) == (
        "ingress", "allow", "tcp", [[22, 22]], 300)
    assert ssh["sources"] == ["Internet"]
    defaults = {(r["name"], r["priority"]) for r in rules if r["default"]}
    assert defaults == {("AllowVnetInBound", 65000), ("AllowAzureLoadBalancerInBound", 65001), ("DenyAllInBound", 65500),
                        ("AllowVnetOutBound", 65000), ("AllowInternetOutBound", 65001), ("DenyAllOutBound", 65500)}


def test_shadowing_deny_is_kept_with_its_priority(planted: View) -> None:
    rules = planted.node(NSG_SHADOWED).props["rules"]
    deny = next(r for r in rules if r["name"] == "deny-ssh-internet")
    assert (deny["action"], deny["priority"], deny["sources"]) == ("deny", 100, ["*"])


def test_nic_and_subnet_nsgs_are_distinguished_on_protected_by_edges(planted: View) -> None:
    levels = {e.target: e.detail["level"] for e in planted.edges("protected_by", VM_WEB)}
    assert levels[NSG_OPEN] == "nic"
    assert levels[arm_id("rg-app", "microsoft.network", "networksecuritygroups", "nsg-subnet-web")] == "subnet"
    assert planted.edges("protected_by", SUBNET_WEB)[0].detail == {"level": "subnet"}


def test_references_in_another_letter_case_join_the_same_nodes(planted: View) -> None:
    # The fixture spells the group "RG-App" in ids and "rg-app" in references, and public IP ids in upper case.
    assert planted.edges("in_subnet", NIC_WEB, SUBNET_WEB)
    assert planted.node(NIC_WEB).props["public_ips"] == ["20.1.2.3"]
    assert planted.edges("routes_to", PIP_WEB, NIC_WEB)
    assert not planted.node(SUBNET_WEB).reference


def test_vm_network_facts_come_from_its_nics(planted: View) -> None:
    network = planted.node(VM_WEB).props["network"]
    assert (network["public_ips"], network["private_ips"]) == (["20.1.2.3"], ["10.0.1.4"])
    assert planted.node(NIC_WEB).props["attachment"]["instance"] == VM_WEB


def test_subnet_without_an_nsg_allows_so_the_nic_nsg_decides() -> None:
    rows = [r for r in load_rows() if "nsg-subnet-web" not in r["id"].lower()]
    for row in rows:
        if row["id"].lower().endswith("/vnet-app"):
            row["properties"]["subnets"][0]["properties"].pop("networkSecurityGroup")
    assert View(build(rows)).node(VM_WEB).props["world_open_ports"] == [[22, 22]]


def test_subnet_nsg_that_denies_closes_a_port_the_nic_nsg_opens() -> None:
    rows = load_rows()
    for row in rows:
        if row["id"].lower().endswith("/nsg-subnet-web"):
            row["properties"]["securityRules"] = []
    assert View(build(rows)).node(VM_WEB).props["world_open_ports"] == []


def test_an_nsg_missing_from_the_input_makes_exposure_unknown() -> None:
    rows = [r for r in load_rows() if not r["id"].lower().endswith("/nsg-open-ssh")]
    view = View(build(rows))
    assert view.node(VM_WEB).props["world_open_ports"] is None
    assert view.node(NSG_OPEN).reference


def test_public_ip_routes_to_its_load_balancer_frontend() -> None:
    lb = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/loadbalancers/lb1"
    nic = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networkinterfaces/nic1"
    pip = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/publicipaddresses/pip1"
    rows = [
        {"id": pip, "type": "microsoft.network/publicipaddresses",
         "name": "pip1", "properties": {"ipAddress": "20.0.0.1", "ipConfiguration": {"id": lb + "/frontendIPConfigurations/fe"}}},
        {"id": lb, "type": "microsoft.network/loadbalancers", "name": "lb1", "properties": {
            "frontendIPConfigurations": [{"id": lb + "/frontendIPConfigurations/fe", "properties": {
                "publicIPAddress": {"id": pip}}}],
            "backendAddressPools": [{"id": lb + "/backendAddressPools/be", "properties": {
                "backendIPConfigurations": [{"id": nic + "/ipConfigurations/ipconfig1"}]}}],
            "loadBalancingRules": [{"name": "https", "properties": {"protocol": "Tcp", "frontendPort": 443, "backendPort": 8443,
                                                                   "backendAddressPool": {"id": lb + "/backendAddressPools/be"}}}]}},
    ]
    view = View(build(rows))
    props = view.node(lb).props
    assert props["scheme"] == "internet-facing"
    assert props["rules"] == [{"protocol": "tcp", "frontend_port": 443, "backend_port": 8443}]
    assert view.edges("routes_to", lb, nic)[0].detail["rules"] == props["rules"]
    assert view.edges("routes_to", pip, lb)
    assert props["public_ips"] == ["20.0.0.1"]
