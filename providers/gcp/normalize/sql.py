"""Cloud SQL instances: public IP and authorized networks, SSL enforcement, CMEK, backups, flags.

``public`` means reachable from anywhere by the instance's own settings: a public
IPv4 address (``ipv4Enabled``) with an authorized network of ``0.0.0.0/0`` (or
``::/0``). A public IP limited to narrower networks is ``public_ip: true`` but
not ``public``. ``ssl_required`` follows ``sslMode`` (``ENCRYPTED_ONLY`` or
``TRUSTED_CLIENT_CERTIFICATE_REQUIRED``), else the older ``requireSsl``.
Automated backups are daily, so the retained-backup count is the retention in days.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.resources import cmek, labels, resource_node

INSTANCE = "sqladmin.googleapis.com/Instance"
WORLD = frozenset({"0.0.0.0/0", "::/0"})
DEFAULT_RETAINED_BACKUPS = 7
_SSL_MODES = {"ENCRYPTED_ONLY": True, "TRUSTED_CLIENT_CERTIFICATE_REQUIRED": True,
              "ALLOW_UNENCRYPTED_AND_ENCRYPTED": False}


def _addresses(addresses: list[dict[str, Any]], kind: str) -> list[str]:
    return [str(a["ipAddress"]) for a in addresses if a.get("type") == kind and a.get("ipAddress")]


def ssl_required(ip_config: dict[str, Any]) -> bool:
    """Whether the instance refuses unencrypted connections."""
    mode = str(ip_config.get("sslMode") or "").upper()
    if mode in _SSL_MODES:
        return _SSL_MODES[mode]
    return bool(ip_config.get("requireSsl"))


def backup_facts(config: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(retention days, backup detail) from ``backupConfiguration``."""
    enabled = bool(config.get("enabled"))
    retained = (config.get("backupRetentionSettings") or {}).get("retainedBackups")
    retained = int(float(retained)) if retained not in (None, "") else DEFAULT_RETAINED_BACKUPS
    detail = {
        "enabled": enabled,
        "retained_backups": retained if enabled else 0,
        "point_in_time_recovery": bool(config.get("pointInTimeRecoveryEnabled") or config.get("binaryLogEnabled")),
        "transaction_log_retention_days": config.get("transactionLogRetentionDays"),
    }
    return (retained if enabled else 0), detail


def instance(b: Builder, asset: Asset) -> None:
    """One Cloud SQL instance."""
    data = asset.data
    settings = data.get("settings") or {}
    ip_config = settings.get("ipConfiguration") or {}
    authorized = [str(n.get("value")) for n in ip_config.get("authorizedNetworks") or () if n.get("value")]
    ipv4 = bool(ip_config.get("ipv4Enabled", True))
    addresses = data.get("ipAddresses") or []
    flags = {str(f.get("name")): f.get("value") for f in settings.get("databaseFlags") or () if f.get("name")}
    version = str(data.get("databaseVersion") or "")
    retention, backup = backup_facts(settings.get("backupConfiguration") or {})
    node_id = asset.name
    encryption = cmek(b, node_id, (data.get("diskEncryptionConfiguration") or {}).get("kmsKeyName"))
    required = ssl_required(ip_config)
    encryption["in_transit"] = required
    resource_node(b, asset, "database.instance", {
        "engine": version.split("_", 1)[0].lower() or None,
        "engine_version": version or None,
        "public_ip": ipv4,
        "public": ipv4 and bool(WORLD & set(authorized)),
        "authorized_networks": authorized,
        "network": {"public_ips": _addresses(addresses, "PRIMARY"), "private_ips": _addresses(addresses, "PRIVATE")},
        "ssl_required": required,
        "ssl_mode": ip_config.get("sslMode"),
        "encryption": encryption,
        "backup_retention_days": retention,
        "backup": backup,
        "database_flags": flags,
        "iam_auth": str(flags.get("cloudsql.iam_authentication", "off")).lower() == "on" if version else None,
        "multi_az": str(settings.get("availabilityType") or "ZONAL").upper() == "REGIONAL",
        "deletion_protection": bool(settings.get("deletionProtectionEnabled")),
        "instance_class": settings.get("tier"),
        "state": str(data.get("state") or "").lower() or None,
        "private_network": names.compute_id(ip_config.get("privateNetwork")),
    }, name=str(data.get("name") or names.basename(asset.name)), tags=labels(settings, "userLabels"))
    private = names.compute_id(ip_config.get("privateNetwork"))
    if private:
        b.edge(node_id, b.reference(b.resolve(private), "network.vpc"), "in_vpc")


HANDLERS = {INSTANCE: instance}
