"""Deny assignments (not in Resource Graph) and role definitions Resource Graph did not return.

``authorizationresources`` has role assignments and definitions but no deny
assignments, so each subscription's are listed through ARM. When an assignment
names a role definition that no row describes, the subscription's definitions
(built-in and custom) are listed through ARM and the missing ones kept.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.azure.details import (
    DetailTask,
    rows_of_type,
    subscription_of,
)
from cloudwarden.providers.azure.scope import ArmConnection, arm_dict

SERVICE = "authorization"
ASSIGNMENT = "microsoft.authorization/roleassignments"
DEFINITION = "microsoft.authorization/roledefinitions"
DENY = "microsoft.authorization/denyassignments"


def guid_of(definition_id: str) -> str:
    """The GUID that keys a role definition, whatever scope its id was reported under."""
    return definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def missing_definitions(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Subscription -> GUIDs of role definitions assignments use but no row describes."""
    known = {guid_of(str(r["id"])) for r in rows_of_type(records, DEFINITION)}
    missing: dict[str, set[str]] = {}
    for assignment in rows_of_type(records, ASSIGNMENT):
        definition = str((assignment.get("properties") or {}).get("roleDefinitionId") or "")
        if definition and guid_of(definition) not in known:
            missing.setdefault(subscription_of(assignment), set()).add(guid_of(definition))
    return missing


def plan(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """Deny assignments per subscription; role definitions where some are missing."""
    tasks = [
        DetailTask(SERVICE, "deny_assignments.list", sub, f"/subscriptions/{sub}", DENY, _deny(sub), marks_parent=False)
        for sub in subscriptions
    ]
    missing = missing_definitions(records)
    # Assignments above any subscription (management groups) are looked up in the first subscription.
    orphans = missing.pop("", set())
    if orphans and subscriptions:
        missing.setdefault(subscriptions[0], set()).update(orphans)
    for sub, guids in sorted(missing.items()):
        if sub in subscriptions:
            tasks.append(DetailTask(SERVICE, "role_definitions.list", sub, f"/subscriptions/{sub}", DEFINITION,
                                    _definitions(sub, guids), marks_parent=False))
    return tasks


def _client(conn: ArmConnection, sub: str) -> Any:
    from azure.mgmt.authorization import AuthorizationManagementClient

    return conn.client(AuthorizationManagementClient, sub)


def _deny(sub: str):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        records = []
        for deny in _client(conn, sub).deny_assignments.list():
            record = dict(arm_dict(deny))
            record.setdefault("type", "Microsoft.Authorization/denyAssignments")
            record["subscriptionId"] = sub
            records.append(record)
        return records

    return run


def _definitions(sub: str, guids: set[str]):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        records = []
        for definition in _client(conn, sub).role_definitions.list(f"/subscriptions/{sub}"):
            record = dict(arm_dict(definition))
            if guid_of(str(record.get("id") or record.get("name") or "")) in guids:
                record.setdefault("type", "Microsoft.Authorization/roleDefinitions")
                records.append(record)
        return records

    return run
