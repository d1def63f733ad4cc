"""Compute Engine instances and disks.

Instances carry their addresses (``accessConfigs[].natIP`` are the external IPs),
network tags, service accounts with OAuth scopes (``runs_as`` edges), OS Login
(the instance's ``enable-oslogin`` metadata, else the project's
``commonInstanceMetadata``), Shielded VM settings, and ``world_open_ports``,
computed once every firewall rule is known. Disks are always encrypted at rest;
``diskEncryptionKey.kmsKeyName`` is a customer-managed key, ``sha256`` alone a
customer-supplied one (``customer_supplied_key``).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.firewall import applies_to, world_open_ports
from cloudwarden.providers.gcp.normalize.resources import cmek, flag, metadata_items, resource_node, runs_as

INSTANCE = "compute.googleapis.com/Instance"
DISK = "compute.googleapis.com/Disk"
REGION_DISK = "compute.googleapis.com/RegionDisk"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def shielded_vm(config: Any) -> dict[str, bool]:
    """Shielded VM settings; the API defaults (vTPM and integrity monitoring on) apply when the config is present."""
    if not isinstance(config, dict):
        return {"enabled": False, "secure_boot": False, "vtpm": False, "integrity_monitoring": False}
    facts = {"secure_boot": bool(config.get("enableSecureBoot", False)), "vtpm": bool(config.get("enableVtpm", True)),
             "integrity_monitoring": bool(config.get("enableIntegrityMonitoring", True))}
    return {"enabled": all(facts.values()), **facts}


def _addresses(interfaces: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"public_ips": [], "private_ips": [], "ipv6_ips": []}
    for nic in interfaces:
        if nic.get("networkIP"):
            found["private_ips"].append(str(nic["networkIP"]))
        for config in nic.get("accessConfigs") or ():
            if config.get("natIP"):
                found["public_ips"].append(str(config["natIP"]))
        for config in nic.get("ipv6AccessConfigs") or ():
            if config.get("externalIpv6"):
                found["ipv6_ips"].append(str(config["externalIpv6"]))
        if nic.get("ipv6Address"):
            found["ipv6_ips"].append(str(nic["ipv6Address"]))
    return found


def _link(b: Builder, value: Any, project: str | None) -> str | None:
    found = names.compute_id(value, project)
    return b.resolve(found) if found else None


def instance(b: Builder, asset: Asset) -> None:
    """One VM instance with its exposure and identity facts."""
    data = asset.data
    project = b.project_of(asset)
    interfaces = [n for n in data.get("networkInterfaces") or () if isinstance(n, dict)]
    accounts = [{"email": str(s.get("email") or "").lower(), "scopes": list(s.get("scopes") or [])}
                for s in data.get("serviceAccounts") or () if isinstance(s, dict) and s.get("email")]
    items = metadata_items(data.get("metadata"))
    project_default = b.shared.get("compute_projects", {}).get(project, {}).get("default_service_account")
    default_sa = [a for a in accounts if a["email"].endswith("-compute@developer.gserviceaccount.com")
                  or a["email"] == project_default]
    disks = [d for d in data.get("disks") or () if isinstance(d, dict)]
    disk_ids = [b.resolve(i) for i in (names.compute_id(d.get("source"), project) for d in disks) if i]
    props = {
        "state": str(data.get("status") or "").lower() or None,
        "network": _addresses(interfaces),
        "network_tags": list((data.get("tags") or {}).get("items") or []),
        "service_accounts": accounts,
        "default_service_account": bool(default_sa),
        "default_service_account_full_access": any(CLOUD_PLATFORM in a["scopes"] for a in default_sa),
        "instance_os_login": flag(items.get("enable-oslogin")),
        "block_project_ssh_keys": bool(flag(items.get("block-project-ssh-keys"))),
        "serial_port_enabled": flag(items.get("serial-port-enable")),
        "shielded_vm": shielded_vm(data.get("shieldedInstanceConfig")),
        "confidential_computing": bool((data.get("confidentialInstanceConfig") or {}).get("enableConfidentialCompute")),
        "ip_forwarding": bool(data.get("canIpForward")),
        "instance_type": names.basename(data.get("machineType")) or None,
        "zone": names.basename(data.get("zone")) or None,
        "disks": disk_ids,
        "world_open_ports": None,
        "network_interfaces": [{"network": _link(b, n.get("network"), project),
                                "subnetwork": _link(b, n.get("subnetwork"), project)} for n in interfaces],
    }
    node_id = resource_node(b, asset, "compute.instance", props)
    for nic in props["network_interfaces"]:
        if nic["subnetwork"]:
            b.edge(node_id, b.reference(nic["subnetwork"], "network.subnet"), "in_subnet")
        if nic["network"]:
            b.edge(node_id, b.reference(nic["network"], "network.vpc"), "in_vpc")
    for account in accounts:
        runs_as(b, node_id, account["email"], scopes=account["scopes"])
    for disk in disks:
        key = (disk.get("diskEncryptionKey") or {}).get("kmsKeyName")
        source = names.compute_id(disk.get("source"), project)
        if key and not (source and b.resolve(source) in b.names):
            cmek(b, node_id, key)  # the disk itself is not in the input: keep the key on the instance


def disk(b: Builder, asset: Asset) -> None:
    """A zonal or regional persistent disk."""
    data = asset.data
    key = data.get("diskEncryptionKey") or {}
    users = [b.resolve(u) for u in (names.compute_id(x, b.project_of(asset)) for x in data.get("users") or ()) if u]
    node_id = asset.name
    encryption = cmek(b, node_id, key.get("kmsKeyName"))
    if not key.get("kmsKeyName") and (key.get("sha256") or key.get("rsaEncryptedKey")):
        encryption["customer_managed"] = True  # a customer-supplied key (CSEK): Google never stores it
    size = data.get("sizeGb")
    resource_node(b, asset, "compute.disk", {
        "encryption": encryption,
        "customer_supplied_key": bool(key.get("sha256") or key.get("rsaEncryptedKey")),
        "attached": bool(users),
        "attachments": [{"instance": u} for u in users],
        "size_gb": int(float(size)) if size not in (None, "") else None,
        "volume_type": names.basename(data.get("type")) or None,
        "state": str(data.get("status") or "").lower() or None,
        "availability_zone": names.basename(data.get("zone")) or None,
    })


def settle_instances(b: Builder) -> None:
    """OS Login (instance, else project), and the firewall rules that select each instance."""
    firewalls_known = bool(b.by_type.get("compute.googleapis.com/Firewall"))
    by_network: dict[str, list[Any]] = {}
    for rule in b.nodes.values():
        if rule.kind == "network.firewall" and rule.cloud == "gcp" and not rule.reference:
            by_network.setdefault(rule.props.get("network") or "", []).append(rule)
    projects = b.shared.get("compute_projects", {})
    for node in list(b.nodes.values()):
        if node.kind != "compute.instance" or node.cloud != "gcp" or node.reference:
            continue
        props = node.props
        project_login = projects.get(node.account, {}).get("os_login") if node.account in projects else None
        own = props.get("instance_os_login")
        props["os_login"] = own if own is not None else project_login
        if not firewalls_known:
            continue
        networks = {nic["network"] for nic in props.get("network_interfaces", []) if nic.get("network")}
        tags = set(props.get("network_tags") or ())
        emails = {a["email"] for a in props.get("service_accounts") or ()}
        entries = []
        for rule in (r for network in sorted(networks) for r in by_network.get(network, [])):
            if applies_to(rule.props, tags, emails):
                entries += rule.props.get("rules") or []
                if rule.props.get("rules") and rule.props.get("direction") == "ingress":
                    b.edge(node.id, rule.id, "protected_by", priority=rule.props.get("priority"))
        props["world_open_ports"] = world_open_ports(entries)


HANDLERS = {INSTANCE: instance, DISK: disk, REGION_DISK: disk}
