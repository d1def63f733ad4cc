"""Storage accounts: blob service properties (versioning, soft delete) and, where anonymous access is
allowed, the containers' public access levels. Resource Graph has neither."""

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

SERVICE = "storage"
ACCOUNT = "microsoft.storage/storageaccounts"
BLOB_SERVICE = "microsoft.storage/storageaccounts/blobservices"
CONTAINER = "microsoft.storage/storageaccounts/blobservices/containers"
# FileStorage accounts have no blob service (the call would fail with a 400).
NO_BLOB_KINDS = frozenset({"filestorage"})


def plan(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """A blob-service read per account with a blob service; a container listing where public access is allowed.

    An account with ``allowBlobPublicAccess: false`` cannot have a public container,
    so its containers are not listed (the account flag settles the question).
    """
    tasks = []
    for account in rows_of_type(records, ACCOUNT):
        if str(account.get("kind", "")).lower() in NO_BLOB_KINDS:
            continue
        sub, rid = subscription_of(account), str(account["id"]).lower()
        tasks.append(DetailTask(SERVICE, "blob_services.get_service_properties", sub, rid, BLOB_SERVICE, _blob(account)))
        if (account.get("properties") or {}).get("allowBlobPublicAccess") is not False:
            tasks.append(DetailTask(SERVICE, "blob_containers.list", sub, rid, CONTAINER, _containers(account)))
    return tasks


def _client(conn: ArmConnection, account: dict[str, Any]) -> Any:
    from azure.mgmt.storage import StorageManagementClient

    return conn.client(StorageManagementClient, subscription_of(account))


def _blob(account: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        props = _client(conn, account).blob_services.get_service_properties(resource_group_of(account), account["name"])
        return [child_record(props, account, "Microsoft.Storage/storageAccounts/blobServices")]

    return run


def _containers(account: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        pages = _client(conn, account).blob_containers.list(resource_group_of(account), account["name"])
        return [child_record(c, account, "Microsoft.Storage/storageAccounts/blobServices/containers") for c in pages]

    return run
