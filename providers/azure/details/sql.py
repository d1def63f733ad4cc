"""Azure SQL: firewall rules, encryption protector and auditing per server; TDE and backup retention per database.

Resource Graph lists servers and databases but none of these, and the policies
need them: a firewall rule 0.0.0.0-255.255.255.255 opens a server to the
internet; TDE and the protector's key type say how data is encrypted at rest;
auditing is the server's logging.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.azure.details import (
    DetailTask,
    child_record,
    id_parts,
    resource_group_of,
    rows_of_type,
    subscription_of,
)
from cloudwarden.providers.azure.scope import ArmConnection

SERVICE = "sql"
SERVER = "microsoft.sql/servers"
DATABASE = "microsoft.sql/servers/databases"
FIREWALL_RULE = "microsoft.sql/servers/firewallrules"
PROTECTOR = "microsoft.sql/servers/encryptionprotector"
AUDITING = "microsoft.sql/servers/auditingsettings"
TDE = "microsoft.sql/servers/databases/transparentdataencryption"
BACKUP = "microsoft.sql/servers/databases/backupshorttermretentionpolicies"


def _client(conn: ArmConnection, sub: str) -> Any:
    from azure.mgmt.sql import SqlManagementClient

    return conn.client(SqlManagementClient, sub)


def plan(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """Three calls per server, two per user database."""
    tasks = []
    for server in rows_of_type(records, SERVER):
        sub, rid = subscription_of(server), str(server["id"]).lower()
        tasks.append(DetailTask(SERVICE, "firewall_rules.list_by_server", sub, rid, FIREWALL_RULE, _firewall_rules(server)))
        tasks.append(DetailTask(SERVICE, "encryption_protectors.list_by_server", sub, rid, PROTECTOR, _protectors(server)))
        tasks.append(DetailTask(SERVICE, "server_blob_auditing_policies.get", sub, rid, AUDITING, _auditing(server)))
    for database in rows_of_type(records, DATABASE):
        if str(database.get("name", "")).lower() == "master":
            continue  # the system database's settings are not the customer's to set
        sub, rid = subscription_of(database), str(database["id"]).lower()
        tasks.append(DetailTask(SERVICE, "transparent_data_encryptions.get", sub, rid, TDE, _tde(database)))
        tasks.append(DetailTask(SERVICE, "backup_short_term_retention_policies.get", sub, rid, BACKUP, _backup(database)))
    return tasks


def _firewall_rules(server: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        client = _client(conn, subscription_of(server))
        pages = client.firewall_rules.list_by_server(resource_group_of(server), server["name"])
        return [child_record(rule, server, "Microsoft.Sql/servers/firewallRules") for rule in pages]

    return run


def _protectors(server: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        client = _client(conn, subscription_of(server))
        pages = client.encryption_protectors.list_by_server(resource_group_of(server), server["name"])
        return [child_record(p, server, "Microsoft.Sql/servers/encryptionProtector") for p in pages]

    return run


def _auditing(server: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        client = _client(conn, subscription_of(server))
        policy = client.server_blob_auditing_policies.get(resource_group_of(server), server["name"])
        return [child_record(policy, server, "Microsoft.Sql/servers/auditingSettings")]

    return run


def _database_args(database: dict[str, Any]) -> tuple[str, str, str]:
    parts = id_parts(str(database["id"]))
    return resource_group_of(database), parts.get("servers", ""), parts.get("databases", database.get("name", ""))


def _tde(database: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        tde = _client(conn, subscription_of(database)).transparent_data_encryptions.get(*_database_args(database), "current")
        return [child_record(tde, database, "Microsoft.Sql/servers/databases/transparentDataEncryption")]

    return run


def _backup(database: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        client = _client(conn, subscription_of(database))
        policy = client.backup_short_term_retention_policies.get(*_database_args(database), "default")
        return [child_record(policy, database, "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies")]

    return run
