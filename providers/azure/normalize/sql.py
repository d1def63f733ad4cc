"""Azure SQL logical servers (``database.instance``), with their databases, firewall, TDE and protector.

Resource Graph lists servers and databases; firewall rules, each database's TDE
state, the encryption protector and auditing are child records the collector
adds (or an export includes). Where they are absent the facets they feed stay
unknown. A server is ``public`` when public network access is enabled and a
firewall rule admits internet addresses: ``0.0.0.0-0.0.0.0`` is Azure's
"allow Azure services" switch (every Azure tenant's addresses, not the
internet) and does not count; ``0.0.0.0-255.255.255.255`` is the whole IPv4
internet (``firewall_world_open``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "sql"
FIREWALL = "microsoft.sql/servers/firewallrules"
DATABASES = "microsoft.sql/servers/databases"
TDE = "microsoft.sql/servers/databases/transparentdataencryption"
PROTECTOR = "microsoft.sql/servers/encryptionprotector"
AUDITING = "microsoft.sql/servers/auditingsettings"
BACKUP = "microsoft.sql/servers/databases/backupshorttermretentionpolicies"
AZURE_SERVICES = ("0.0.0.0", "0.0.0.0")
WORLD = ("0.0.0.0", "255.255.255.255")


def _firewall(ctx: Context, server: str) -> list[dict[str, Any]] | None:
    records = ctx.children(server, FIREWALL)
    if not records and not ctx.children_known(server, FIREWALL):
        return None
    rules = []
    for record in records:
        p = arm.props(record)
        rules.append({
            "name": arm.text(arm.get(record, "name")),
            "start": arm.text(arm.get(p, "startIpAddress")),
            "end": arm.text(arm.get(p, "endIpAddress")),
        })
    return sorted(rules, key=lambda r: (r["start"] or "", r["end"] or "", r["name"] or ""))


def _tde(ctx: Context, database: str) -> bool | None:
    records = ctx.children(database, TDE)
    if not records:
        return None
    p = arm.props(records[0])
    return arm.flag(arm.get(p, "state", "status"))


def _databases(ctx: Context, server: str) -> list[dict[str, Any]]:
    out = []
    for record in ctx.children(server, DATABASES):
        name = arm.text(arm.get(record, "name")) or ""
        if name.lower() == "master":
            continue  # the system database: its encryption is not the customer's setting
        db_id = arm.lower_id(arm.get(record, "id")) or ""
        retention = [arm.get(arm.props(r), "retentionDays") for r in ctx.children(db_id, BACKUP)]
        out.append({"id": db_id, "name": name, "tde": _tde(ctx, db_id),
                    "backup_retention_days": retention[0] if retention else None})
    return sorted(out, key=lambda d: d["id"])


def _at_rest(ctx: Context, server: str, databases: list[dict[str, Any]]) -> bool | None:
    if not databases:
        return True if DATABASES in ctx.collected_types and server not in ctx.failed_parents else None
    states = [d["tde"] for d in databases]
    if any(s is False for s in states):
        return False
    return None if any(s is None for s in states) else True


def _protector(ctx: Context, server: str) -> tuple[bool | None, str | None]:
    records = ctx.children(server, PROTECTOR)
    if not records:
        return None, None
    p = arm.props(records[0])
    key_type = arm.lower(arm.get(p, "serverKeyType")) or arm.lower(arm.get(records[0], "kind"))
    if not key_type:
        return None, None
    if key_type == "azurekeyvault":
        return True, ctx.key_url_id(arm.get(p, "uri")) or arm.text(arm.get(p, "uri"))
    return False, None


def _min_tls(value: Any) -> str | None:
    text = arm.text(value)
    if text is None:
        return None
    return "1.0" if text.lower() == "none" else text  # "None" enforces no minimum: TLS 1.0 is accepted


def handle_server(record: dict[str, Any], ctx: Context) -> None:
    """An Azure SQL logical server."""
    p = arm.props(record)
    rid = arm.lower_id(arm.get(record, "id")) or ""
    access = arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled"
    rules = _firewall(ctx, rid)
    internet_rules = None if rules is None else [r for r in rules if (r["start"], r["end"]) != AZURE_SERVICES]
    if access != "enabled":
        public: bool | None = False
    else:
        public = None if internet_rules is None else bool(internet_rules)
    databases = _databases(ctx, rid)
    customer_managed, key_id = _protector(ctx, rid)
    audits = ctx.children(rid, AUDITING)
    admins = arm.get(p, "administrators") or {}
    retention = [d["backup_retention_days"] for d in databases]
    min_tls = _min_tls(arm.get(p, "minimalTlsVersion"))
    ctx.resource(record, "database.instance", FAMILY, {
        "engine": "sqlserver",
        "engine_version": arm.text(arm.get(p, "version")),
        "public_network_access": access,
        "firewall_rules": rules,
        "firewall_world_open": None if rules is None else any((r["start"], r["end"]) == WORLD for r in rules),
        "allows_azure_services": None if rules is None else any((r["start"], r["end"]) == AZURE_SERVICES for r in rules),
        "public": public,
        "min_tls": min_tls,
        "encryption": {
            "at_rest": _at_rest(ctx, rid, databases),
            "customer_managed": customer_managed,
            "key_id": key_id,
            "in_transit": True,  # Azure SQL refuses unencrypted connections
            "min_tls": min_tls,
        },
        "databases": databases,
        "members": [d["id"] for d in databases],
        "logging": {"enabled": arm.flag(arm.get(arm.props(audits[0]), "state")) if audits else None},
        "iam_auth": bool(arm.get(admins, "login") or arm.get(admins, "sid")),
        "entra_only_auth": arm.flag(arm.get(admins, "azureADOnlyAuthentication")),
        "backup_retention_days": min(retention) if retention and all(r is not None for r in retention) else None,
        "fqdn": arm.text(arm.get(p, "fullyQualifiedDomainName")),
        "state": arm.text(arm.get(p, "state")),
    })
    if key_id and key_id.startswith("/subscriptions/"):
        ctx.edge(rid, key_id if ctx.is_node(key_id) else ctx.reference(key_id, "kms.key", family=FAMILY),
                 "encrypted_by", FAMILY)
