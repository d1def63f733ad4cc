"""Virtual machines, managed disks, web/function apps and automation accounts.

A VM's network facts come from its NICs: addresses, and ``world_open_ports``,
the TCP/UDP ports an arbitrary internet address can reach on a NIC through the
subnet's NSG *and* the NIC's NSG (priority order, defaults included; a level
without an NSG allows). Any NIC, subnet, NSG or public IP the VM depends on
that the input lacks makes the dependent facet unknown (``None``).

Managed disks are always encrypted at rest by Azure Storage service-side
encryption; ``customer_managed`` follows ``encryption.type`` (customer key, or
platform and customer keys), and the key is found through the disk encryption set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.network_nic import (
    nic_addresses,
    nic_configurations,
    nic_groups,
)
from cloudwarden.providers.azure.normalize.network_nsg import (
    interface_world_ports,
    merge,
    nsg_rules,
)

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "compute"
DES_TYPE = "microsoft.compute/diskencryptionsets"


def _nsg_level(ctx: Context, nsg_id: str | None) -> tuple[bool, list[dict[str, Any]] | None]:
    """(known, rules) of one NSG level; rules None means no NSG at that level."""
    if not nsg_id:
        return True, None
    record = ctx.record(nsg_id)
    return (False, None) if record is None else (True, nsg_rules(record))


def nic_exposure(ctx: Context, nic: dict[str, Any]) -> tuple[list[tuple[int, int]] | None, list[tuple[str, str]]]:
    """(world-open ports, [(nsg id, level)]) of one NIC; ports None when an NSG or subnet is unknown."""
    private = [a for a in (arm.text(arm.get(c, "privateIPAddress")) for c in nic_configurations(nic)) if a]
    groups = set(nic_groups(nic))
    firewalls: list[tuple[str, str]] = []
    known = True
    nic_nsg = arm.ref_id(arm.get(arm.props(nic), "networkSecurityGroup"))
    ok, nic_rules = _nsg_level(ctx, nic_nsg)
    known &= ok
    if nic_nsg:
        firewalls.append((nic_nsg, "nic"))
    ports: list[tuple[int, int]] = []
    for subnet_id in sorted({arm.ref_id(arm.get(c, "subnet")) or "" for c in nic_configurations(nic)} - {""}):
        subnet = ctx.record(subnet_id)
        if subnet is None:
            known = False
            continue
        subnet_nsg = arm.ref_id(arm.get(arm.props(subnet), "networkSecurityGroup"))
        ok, subnet_rules = _nsg_level(ctx, subnet_nsg)
        known &= ok
        if subnet_nsg:
            firewalls.append((subnet_nsg, "subnet"))
        if ok:
            ports += interface_world_ports([subnet_rules, nic_rules], private, groups)
    return (merge(ports) if known else None), firewalls


def _power_state(p: dict[str, Any]) -> str | None:
    code = arm.text(arm.path(p, "extended", "instanceView", "powerState", "code"))
    if code:
        return code.split("/")[-1].lower()
    statuses = arm.items(arm.path(p, "instanceView", "statuses"))
    for status in statuses:
        text = arm.text(arm.get(status, "code")) or ""
        if text.lower().startswith("powerstate/"):
            return text.split("/")[-1].lower()
    return None


def handle_vm(record: dict[str, Any], ctx: Context) -> None:
    """A virtual machine with addresses, exposure, placement, disks and identities."""
    p = arm.props(record)
    nic_ids = [arm.ref_id(n) for n in arm.items(arm.path(p, "networkProfile", "networkInterfaces"))]
    nic_ids = [n for n in nic_ids if n]
    private: list[str] = []
    public: list[str] | None = []
    ports: list[tuple[int, int]] | None = []
    firewalls: list[tuple[str, str]] = []
    subnets: set[str] = set()
    for nic_id in nic_ids:
        nic = ctx.record(nic_id)
        if nic is None:
            public, ports = None, None
            continue
        nic_private, nic_public = nic_addresses(ctx, nic)
        private += nic_private
        public = None if public is None or nic_public is None else public + nic_public
        nic_ports, nic_firewalls = nic_exposure(ctx, nic)
        ports = None if ports is None or nic_ports is None else ports + nic_ports
        firewalls += nic_firewalls
        subnets |= {arm.ref_id(arm.get(c, "subnet")) or "" for c in nic_configurations(nic)} - {""}
    image = arm.path(p, "storageProfile", "imageReference") or {}
    image_id = arm.lower_id(arm.get(image, "id")) or ":".join(
        str(arm.get(image, k) or "") for k in ("publisher", "offer", "sku", "version")).strip(":") or None
    rid = ctx.resource(record, "compute.instance", FAMILY, {
        "state": _power_state(p),
        "network": {"public_ips": public, "private_ips": private, "ipv6_ips": None},
        "interfaces": nic_ids,
        "world_open_ports": None if ports is None else [list(r) for r in merge(ports)],
        "security_groups": sorted({f for f, _ in firewalls}),
        "instance_type": arm.text(arm.path(p, "hardwareProfile", "vmSize")),
        "image_id": image_id,
        "os_type": arm.text(arm.path(p, "storageProfile", "osDisk", "osType")),
        "encryption_at_host": arm.flag(arm.path(p, "securityProfile", "encryptionAtHost")),
        "password_authentication": _password_auth(p),
        "imdsv2_required": None,
    }, raw_drop=("osProfile",))
    for subnet in sorted(subnets):
        ctx.edge(rid, _ref(ctx, subnet, "network.subnet"), "in_subnet", FAMILY)
        vnet = arm.parent_id(subnet)
        if vnet:
            ctx.edge(rid, _ref(ctx, vnet, "network.vpc"), "in_vpc", FAMILY)
    for nsg, level in firewalls:
        ctx.edge(rid, _ref(ctx, nsg, "network.firewall"), "protected_by", FAMILY, level=level)
    _disk_edges(ctx, rid, p)


def _password_auth(p: dict[str, Any]) -> bool | None:
    linux = arm.path(p, "osProfile", "linuxConfiguration")
    if isinstance(linux, dict):
        disabled = arm.flag(arm.get(linux, "disablePasswordAuthentication"))
        return None if disabled is None else not disabled
    return True if arm.path(p, "osProfile", "windowsConfiguration") is not None else None


def _disk_edges(ctx: Context, vm: str, p: dict[str, Any]) -> None:
    os_disk = arm.ref_id(arm.path(p, "storageProfile", "osDisk", "managedDisk"))
    if os_disk:
        ctx.edge(vm, _ref(ctx, os_disk, "compute.disk"), "contains", FAMILY, device="os")
    for disk in arm.items(arm.path(p, "storageProfile", "dataDisks")):
        disk_id = arm.ref_id(arm.get(disk, "managedDisk"))
        if disk_id:
            ctx.edge(vm, _ref(ctx, disk_id, "compute.disk"), "contains", FAMILY, device=f"lun{arm.get(disk, 'lun')}")


def _ref(ctx: Context, node_id: str, kind: str) -> str:
    return node_id if ctx.is_node(node_id) else ctx.reference(node_id, kind, family=FAMILY)


def des_key(ctx: Context, des_id: str | None) -> str | None:
    """The Key Vault key a disk encryption set uses (None when the set is not in the input)."""
    record = ctx.record(des_id) if des_id else None
    if record is None:
        return None
    key = arm.get(arm.props(record), "activeKey") or {}
    vault = arm.ref_id(arm.get(key, "sourceVault"))
    url = arm.text(arm.get(key, "keyUrl"))
    if vault and url:
        parts = url.split("//")[-1].split("/")
        if len(parts) >= 3:
            return f"{vault}/keys/{parts[2].lower()}"
    return ctx.key_url_id(url)


def handle_disk(record: dict[str, Any], ctx: Context) -> None:
    """A managed disk: encryption (platform or customer key), attachment, exposure settings."""
    p = arm.props(record)
    enc_type = arm.text(arm.path(p, "encryption", "type"))
    des = arm.ref_id(arm.path(p, "encryption", "diskEncryptionSetId"))
    key = des_key(ctx, des) or des
    state = arm.text(arm.get(p, "diskState"))
    owner = arm.lower_id(arm.get(record, "managedBy"))
    rid = ctx.resource(record, "compute.disk", FAMILY, {
        "encryption": {
            "at_rest": True,  # Azure Storage encrypts every managed disk; it cannot be turned off
            "key_id": key,
            "customer_managed": ("customerkey" in enc_type.lower()) if enc_type else None,
            "encryption_type": enc_type,
            "azure_disk_encryption": arm.flag(arm.path(p, "encryptionSettingsCollection", "enabled")),
        },
        "attached": (state or "").lower() in ("attached", "reserved") or bool(owner) if state or owner else None,
        "attachments": [owner] if owner else [],
        "size_gb": arm.get(p, "diskSizeGB"),
        "volume_type": arm.text(arm.path(record, "sku", "name")),
        "state": state,
        "availability_zone": (arm.items(arm.get(record, "zones")) or [None])[0],
        "network_access_policy": arm.text(arm.get(p, "networkAccessPolicy")),
        "public_network_access": arm.lower(arm.get(p, "publicNetworkAccess")),
    })
    if key and key.startswith("/subscriptions/"):
        ctx.edge(rid, _ref(ctx, key, "kms.key"), "encrypted_by", FAMILY, disk_encryption_set=des)


def handle_site(record: dict[str, Any], ctx: Context) -> None:
    """A web app or function app (``compute.function``); it runs as its managed identities."""
    p = arm.props(record)
    https_only = arm.flag(arm.get(p, "httpsOnly"))
    min_tls = arm.text(arm.path(p, "siteConfig", "minTlsVersion"))
    ctx.resource(record, "compute.function", FAMILY, {
        "platform": "app-service",
        "app_kind": arm.lower(arm.get(record, "kind")),
        "runtime": arm.text(arm.path(p, "siteConfig", "linuxFxVersion")) or arm.text(arm.path(p, "siteConfig", "windowsFxVersion")),
        "https_only": https_only,
        "public_network_access": arm.lower(arm.get(p, "publicNetworkAccess")),
        "default_host_name": arm.text(arm.get(p, "defaultHostName")),
        "state": arm.text(arm.get(p, "state")),
        "encryption": {"in_transit": https_only, "min_tls": min_tls},
        "public_by_policy": False,  # App Service has no resource policy that opens it to anyone
    }, raw_drop=("siteConfig",))


def handle_automation_account(record: dict[str, Any], ctx: Context) -> None:
    """An automation account (``compute.function``): its runbooks run as its managed identities."""
    p = arm.props(record)
    ctx.resource(record, "compute.function", FAMILY, {
        "platform": "automation",
        "public_network_access": None if arm.flag(arm.get(p, "publicNetworkAccess")) is None
        else ("enabled" if arm.flag(arm.get(p, "publicNetworkAccess")) else "disabled"),
        "local_auth_disabled": arm.flag(arm.get(p, "disableLocalAuth")),
        "state": arm.text(arm.get(p, "state")),
        "public_by_policy": False,
    })
