"""Azure network pieces for reachability tests: a VNet, subnets, NSGs (with the six default rules), NICs, public IPs.

Rules follow the normalized shape (common brief): one entry per (rule x prefix
list) with ``priority`` the NSG priority; default rules are marked ``default: true``.
"""

from __future__ import annotations

from typing import Any

from tests.graph.azure.estate import AzureEstate

VNET_PATH = "microsoft.network/virtualnetworks/vnet-app"


def rule(priority: int, action: str, ports: list[tuple[int, int]] | None, sources: list[str],
         protocol: str = "tcp", destinations: list[str] | None = None, direction: str = "ingress",
         default: bool = False, name: str | None = None) -> dict[str, Any]:
    """One normalized NSG rule."""
    ingress = direction == "ingress"
    return {"name": name or f"rule-{priority}", "direction": direction, "action": action, "protocol": protocol,
            "ports": [list(p) for p in ports] if ports else [[0, 65535]],
            "sources": sources if ingress else ["*"], "destinations": destinations or ["*"],
            "priority": priority, "description": None, "default": default}


DEFAULT_RULES = [
    rule(65000, "allow", None, ["VirtualNetwork"], "all", ["VirtualNetwork"], default=True, name="AllowVnetInBound"),
    rule(65001, "allow", None, ["AzureLoadBalancer"], "all", default=True, name="AllowAzureLoadBalancerInBound"),
    rule(65500, "deny", None, ["*"], "all", default=True, name="DenyAllInBound"),
    rule(65000, "allow", None, ["*"], "all", ["VirtualNetwork"], "egress", True, "AllowVnetOutBound"),
    rule(65001, "allow", None, ["*"], "all", ["Internet"], "egress", True, "AllowInternetOutBound"),
    rule(65500, "deny", None, ["*"], "all", ["*"], "egress", True, "DenyAllOutBound"),
]


class Network:
    """Builds a VNet 10.0.0.0/16 in an ``AzureEstate`` and places VMs in it."""

    def __init__(self, estate: AzureEstate) -> None:
        self.estate = estate
        self.vnet = estate.resource(VNET_PATH, "network.vpc", "Microsoft.Network/virtualNetworks",
                                    {"cidrs": ["10.0.0.0/16"]})
        self._hosts = 4

    def subnet(self, name: str, cidr: str = "10.0.1.0/24", nsg: str | None = None) -> str:
        """A subnet, optionally with a subnet-level NSG."""
        subnet = self.estate.add(f"{self.vnet}/subnets/{name}", "network.subnet",
                                 "Microsoft.Network/virtualNetworks/subnets", {"cidrs": [cidr]})
        self.estate.link(subnet, self.vnet, "in_vpc")
        if nsg:
            self.estate.link(subnet, nsg, "protected_by")
        return subnet

    def nsg(self, name: str, *rules: dict[str, Any]) -> str:
        """An NSG with the given custom rules plus the six default rules."""
        return self.estate.resource(f"microsoft.network/networksecuritygroups/{name}", "network.firewall",
                                    "Microsoft.Network/networkSecurityGroups", {"rules": [*rules, *DEFAULT_RULES]})

    def public_ip(self, name: str, address: str, sku: str = "Standard") -> str:
        """A public IP resource (not yet associated)."""
        return self.estate.resource(f"microsoft.network/publicipaddresses/{name}", "network.public_ip",
                                    "Microsoft.Network/publicIPAddresses",
                                    {"address": address, "associated": False, "sku": sku})

    def nic(self, name: str, subnet: str, vm: str | None = None, nsg: str | None = None,
            public_ip: str | None = None) -> str:
        """A NIC in a subnet, attached to a VM, with an optional NIC-level NSG and public IP."""
        self._hosts += 1
        private = f"10.0.1.{self._hosts}"
        nic = self.estate.resource(f"microsoft.network/networkinterfaces/{name}", "network.interface",
                                   "Microsoft.Network/networkInterfaces",
                                   {"attachment": {"instance": vm}, "private_ips": [private],
                                    "public_ips": [self.estate.nodes[public_ip].props["address"]] if public_ip else []})
        self.estate.link(nic, subnet, "in_subnet")
        if nsg:
            self.estate.link(nic, nsg, "protected_by")
        if public_ip:
            self.estate.link(public_ip, nic, "routes_to")
        if vm:
            self.estate.nodes[vm].props.setdefault("interfaces", []).append(nic)
        return nic

    def exposed_vm(self, name: str, *rules: dict[str, Any], identity: str | None = None,
                   nic_rules: tuple[dict[str, Any], ...] | None = None) -> str:
        """A VM with a public IP in its own subnet, subnet NSG ``rules`` and optionally a NIC NSG."""
        subnet = self.subnet(f"snet-{name}", nsg=self.nsg(f"nsg-{name}", *rules))
        nic_nsg = self.nsg(f"nsg-nic-{name}", *nic_rules) if nic_rules is not None else None
        vm = self.estate.vm(name, identity=identity)
        self.nic(f"nic-{name}", subnet, vm, nic_nsg, self.public_ip(f"pip-{name}", f"20.0.0.{self._hosts}"))
        return vm
