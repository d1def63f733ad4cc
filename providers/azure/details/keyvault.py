"""Key Vault keys and secrets through ARM (``Microsoft.KeyVault/vaults/keys`` and ``/secrets``).

ARM answers with attributes (``enabled``, ``exp``, ``nbf``, ...) without
data-plane access. A key's rotation policy is a data-plane object: ARM includes
``rotationPolicy`` only in newer api-versions and only when one is set, so an
absent one is left to the normalizer as unknown. ARM's secret listing carries
no values; a ``value`` field, were one ever present, is dropped here before the
record goes anywhere.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.azure.details import (
    DetailTask,
    child_record,
    resource_group_of,
    rows_of_type,
    subscription_of,
)
from cloudwarden.providers.azure.scope import ArmConnection

SERVICE = "keyvault"
VAULT = "microsoft.keyvault/vaults"
KEY = "microsoft.keyvault/vaults/keys"
SECRET = "microsoft.keyvault/vaults/secrets"


def plan(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """A key listing and a secret listing per vault."""
    tasks = []
    for vault in rows_of_type(records, VAULT):
        sub, rid = subscription_of(vault), str(vault["id"]).lower()
        tasks.append(DetailTask(SERVICE, "keys.list", sub, rid, KEY, _keys(vault)))
        tasks.append(DetailTask(SERVICE, "secrets.list", sub, rid, SECRET, _secrets(vault)))
    return tasks


def _client(conn: ArmConnection, vault: dict[str, Any]) -> Any:
    from azure.mgmt.keyvault import KeyVaultManagementClient

    return conn.client(KeyVaultManagementClient, subscription_of(vault))


def _keys(vault: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        pages = _client(conn, vault).keys.list(resource_group_of(vault), vault["name"])
        return [child_record(key, vault, "Microsoft.KeyVault/vaults/keys") for key in pages]

    return run


def _secrets(vault: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        records = []
        for secret in _client(conn, vault).secrets.list(resource_group_of(vault), vault["name"]):
            record = child_record(secret, vault, "Microsoft.KeyVault/vaults/secrets")
            props = record.get("properties")
            if isinstance(props, dict):
                record["properties"] = {k: v for k, v in props.items() if k.lower() != "value"}
            records.append(record)
        return records

    return run
