"""Network interfaces, public IP addresses and load balancers.

- NIC: ``{attachment: {instance}, private_ips, public_ips, application_security_groups}``,
  edges NIC -in_subnet-> subnet, -in_vpc-> vnet, -protected_by-> its own NSG (``{level: "nic"}``).
- Public IP: ``{address, associated}`` and public IP -routes_to-> the NIC (or load
  balancer frontend) its ``ipConfiguration`` belongs to.
- Load balancer: ``{scheme, rules: [{protocol, frontend_port, backend_port}]}`` and
  lb -routes_to-> each backend NIC (from the pools, the NAT rules and the NICs' side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.network import public_addresses

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "network"
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "all": "all", "*": "all"}


def owner_of(ip_configuration_id: str | None, marker: str) -> str | None:
    """The resource an ip configuration id belongs to (``.../networkinterfaces/n/ipconfigurations/c`` -> the NIC)."""
    if not ip_configuration_id:
        return None
    index = ip_configuration_id.find(marker)
    return ip_configuration_id[:index] if index > 0 else None


def nic_of(ip_configuration_id: str | None) -> str | None:
    """The NIC of a NIC ip configuration id."""
    if ip_configuration_id and "/networkinterfaces/" in ip_configuration_id:
        return owner_of(ip_configuration_id, "/ipconfigurations/")
    return None


def nic_configurations(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``properties`` of each ip configuration of a NIC record."""
    return [arm.props(c) for c in arm.items(arm.get(arm.props(record), "ipConfigurations"))]


def nic_addresses(ctx: Context, record: dict[str, Any]) -> tuple[list[str], list[str] | None]:
    """(private IPs, public IPs) of a NIC; public IPs are None when a referenced public IP is not in the input."""
    private: list[str] = []
    public: list[str] | None = []
    for config in nic_configurations(record):
        address = arm.text(arm.get(config, "privateIPAddress"))
        if address:
            private.append(address)
        pip = arm.get(config, "publicIPAddress")
        if pip is not None and public is not None:
            found = public_addresses(ctx, [pip])
            public = None if found is None else public + found
    return private, public


def nic_groups(record: dict[str, Any]) -> list[str]:
    """Application security groups of a NIC's ip configurations."""
    groups = {arm.ref_id(g) for c in nic_configurations(record) for g in arm.items(arm.get(c, "applicationSecurityGroups"))}
    return sorted(g for g in groups if g)


def handle_nic(record: dict[str, Any], ctx: Context) -> None:
    """A network interface with its subnet, NSG and attached VM."""
    p = arm.props(record)
    private, public = nic_addresses(ctx, record)
    vm = arm.ref_id(arm.get(p, "virtualMachine"))
    nsg = arm.ref_id(arm.get(p, "networkSecurityGroup"))
    rid = ctx.resource(record, "network.interface", FAMILY, {
        "attachment": {"instance": vm, "device_index": None, "status": "attached" if vm else None} if vm else None,
        "private_ips": private,
        "public_ips": public,
        "application_security_groups": nic_groups(record),
        "network_security_group": nsg,
        "ip_forwarding": arm.flag(arm.get(p, "enableIPForwarding")),
        "interface_type": arm.text(arm.get(p, "nicType")),
        "status": arm.text(arm.get(p, "provisioningState")),
        "requester_managed": bool(arm.get(p, "privateEndpoint")),
    })
    subnets = {arm.ref_id(arm.get(c, "subnet")) for c in nic_configurations(record)}
    for subnet in sorted(s for s in subnets if s):
        ctx.edge(rid, _ref(ctx, subnet, "network.subnet"), "in_subnet", FAMILY)
        vnet = arm.parent_id(subnet)
        if vnet:
            ctx.edge(rid, _ref(ctx, vnet, "network.vpc"), "in_vpc", FAMILY)
    if nsg:
        ctx.edge(rid, _ref(ctx, nsg, "network.firewall"), "protected_by", FAMILY, level="nic")
    for config in nic_configurations(record):
        for pool in arm.items(arm.get(config, "loadBalancerBackendAddressPools")):
            pool_id = arm.ref_id(pool)
            lb = owner_of(pool_id, "/backendaddresspools/")
            if lb:
                ctx.edge(_ref(ctx, lb, "network.load_balancer"), rid, "routes_to", FAMILY,
                         backend_pool=pool_id, rules=_pool_rules(ctx, lb, pool_id))
        for nat in arm.items(arm.get(config, "loadBalancerInboundNatRules")):
            nat_id = arm.ref_id(nat)
            lb = owner_of(nat_id, "/inboundnatrules/")
            if lb:
                ctx.edge(_ref(ctx, lb, "network.load_balancer"), rid, "routes_to", FAMILY,
                         nat_rule=nat_id, rules=_nat_rules(ctx, lb, nat_id))


def _ref(ctx: Context, node_id: str, kind: str) -> str:
    return node_id if ctx.is_node(node_id) else ctx.reference(node_id, kind, family=FAMILY)


def handle_public_ip(record: dict[str, Any], ctx: Context) -> None:
    """A public IP address and what it routes to."""
    p = arm.props(record)
    config = arm.ref_id(arm.get(p, "ipConfiguration"))
    nat = arm.ref_id(arm.get(p, "natGateway"))
    nic = nic_of(config)
    lb = owner_of(config, "/frontendipconfigurations/") if config and "/loadbalancers/" in config else None
    nic_record = ctx.record(nic) if nic else None
    instance = arm.ref_id(arm.get(arm.props(nic_record), "virtualMachine")) if nic_record else None
    private_ip = None
    if nic_record:
        for c in arm.items(arm.get(arm.props(nic_record), "ipConfigurations")):
            if arm.lower_id(arm.get(c, "id")) == config:
                private_ip = arm.text(arm.get(arm.props(c), "privateIPAddress"))
    rid = ctx.resource(record, "network.public_ip", FAMILY, {
        "address": arm.text(arm.get(p, "ipAddress")),
        "associated": bool(config or nat),
        "network_interface_id": nic,
        "load_balancer_id": lb,
        "nat_gateway_id": nat,
        "instance_id": instance,
        "private_ip": private_ip,
        "domain": None,
        "dns_name": arm.text(arm.path(p, "dnsSettings", "fqdn")),
        "allocation": arm.lower(arm.get(p, "publicIPAllocationMethod")),
        "version": arm.text(arm.get(p, "publicIPAddressVersion")),
        "sku": arm.text(arm.path(record, "sku", "name")),
    })
    if nic:
        ctx.edge(rid, _ref(ctx, nic, "network.interface"), "routes_to", FAMILY, ip_configuration=config)
    elif lb:
        ctx.edge(rid, _ref(ctx, lb, "network.load_balancer"), "routes_to", FAMILY, frontend=config)


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    p = arm.props(rule)
    return {
        "name": arm.text(arm.get(rule, "name")),
        "protocol": _PROTOCOLS.get(arm.lower(arm.get(p, "protocol")) or "all", "all"),
        "frontend_port": arm.get(p, "frontendPort"),
        "backend_port": arm.get(p, "backendPort"),
        "frontend": arm.ref_id(arm.get(p, "frontendIPConfiguration")),
        "backend_pools": sorted(filter(None, [arm.ref_id(arm.get(p, "backendAddressPool"))]
                                       + [arm.ref_id(x) for x in arm.items(arm.get(p, "backendAddressPools"))])),
    }


def _pool_rules(ctx: Context, lb: str, pool: str | None) -> list[dict[str, Any]]:
    record = ctx.record(lb)
    if record is None:
        return []
    rules = [_rule(r) for r in arm.items(arm.get(arm.props(record), "loadBalancingRules"))]
    return [{k: r[k] for k in ("protocol", "frontend_port", "backend_port")} for r in rules if pool in r["backend_pools"]]


def _nat_rules(ctx: Context, lb: str, nat_id: str | None) -> list[dict[str, Any]]:
    record = ctx.record(lb)
    if record is None:
        return []
    out = []
    for rule in arm.items(arm.get(arm.props(record), "inboundNatRules")):
        if arm.lower_id(arm.get(rule, "id")) == nat_id:
            r = _rule(rule)
            out.append({k: r[k] for k in ("protocol", "frontend_port", "backend_port")})
    return out


def handle_load_balancer(record: dict[str, Any], ctx: Context) -> None:
    """A load balancer: public or internal, its rules, and the NICs behind it."""
    p = arm.props(record)
    frontends = [arm.props(f) for f in arm.items(arm.get(p, "frontendIPConfigurations"))]
    pips = [arm.get(f, "publicIPAddress") for f in frontends if arm.get(f, "publicIPAddress")]
    rules = [_rule(r) for r in arm.items(arm.get(p, "loadBalancingRules"))]
    nat_rules = [_rule(r) for r in arm.items(arm.get(p, "inboundNatRules"))]
    addresses = public_addresses(ctx, pips)
    rid = ctx.resource(record, "network.load_balancer", FAMILY, {
        "scheme": "internet-facing" if pips else "internal",
        "type": "network",
        "sku": arm.text(arm.path(record, "sku", "name")),
        "rules": [{k: r[k] for k in ("protocol", "frontend_port", "backend_port")} for r in rules]
        + [{**{k: r[k] for k in ("protocol", "frontend_port", "backend_port")}, "nat": True} for r in nat_rules],
        "listeners": [{"protocol": r["protocol"], "port": r["frontend_port"], "ssl_policy": None} for r in rules + nat_rules],
        "public_ips": addresses,
        "private_ips": [a for a in (arm.text(arm.get(f, "privateIPAddress")) for f in frontends) if a],
        "targets": None,
        "public": bool(pips),
    })
    for pool in arm.items(arm.get(p, "backendAddressPools")):
        pool_id = arm.ref_id(pool)
        for config in arm.items(arm.get(arm.props(pool), "backendIPConfigurations")):
            nic = nic_of(arm.ref_id(config))
            if nic:
                ctx.edge(rid, _ref(ctx, nic, "network.interface"), "routes_to", FAMILY,
                         backend_pool=pool_id, rules=_pool_rules(ctx, rid, pool_id))
    for rule in arm.items(arm.get(p, "inboundNatRules")):
        nic = nic_of(arm.ref_id(arm.get(arm.props(rule), "backendIPConfiguration")))
        if nic:
            ctx.edge(rid, _ref(ctx, nic, "network.interface"), "routes_to", FAMILY,
                     nat_rule=arm.lower_id(arm.get(rule, "id")), rules=_nat_rules(ctx, rid, arm.lower_id(arm.get(rule, "id"))))
