"""Per-service ARM calls for facts Resource Graph lacks, turned into ARM-shaped records.

Each module plans ``DetailTask``s from the Resource Graph rows (one per resource
or per subscription) and each task returns extra records in the documented ARM
shape (``{id, name, type, properties, ...}`` plus ``subscriptionId`` and
``resourceGroup`` as Resource Graph rows carry them), so the normalizer treats
them exactly like rows. A failing task is a coverage gap naming the resource;
the facts it would have given stay unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.providers.azure.scope import ArmConnection, arm_dict


@dataclass(frozen=True)
class DetailTask:
    """One per-service call: what it is about, the (lower-case) ARM type of the records it returns,
    and the function that makes it. ``resource`` is the parent whose children it enumerates."""

    service: str
    operation: str
    subscription: str
    resource: str
    record_type: str
    run: Callable[[ArmConnection], list[dict[str, Any]]] = field(compare=False)
    # Whether a failure makes ``resource``'s children unknown (``failed_parents``). Subscription-wide
    # listings that are not children of the subscription node (deny assignments) say False, so
    # that their failure does not also hide the subscription's diagnostic settings.
    marks_parent: bool = True


def rows_of_type(records: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    """Rows whose ARM type is one of ``types`` (compared case-insensitively)."""
    wanted = {t.lower() for t in types}
    return [r for r in records if str(r.get("type", "")).lower() in wanted and r.get("id")]


def id_parts(resource_id: str) -> dict[str, str]:
    """Segments of an ARM id as a case-insensitive map: ``subscriptions``, ``resourcegroups``, type names."""
    parts = [p for p in resource_id.split("/") if p]
    out: dict[str, str] = {}
    for key, value in zip(parts[0::2], parts[1::2]):
        out.setdefault(key.lower(), value)
    # provider segments: /providers/<ns>/<type>/<name>/<subtype>/<name>...
    if "providers" in [p.lower() for p in parts]:
        index = max(i for i, p in enumerate(parts) if p.lower() == "providers")
        tail = parts[index + 2 :]
        for key, value in zip(tail[0::2], tail[1::2]):
            out[key.lower()] = value
    return out


def subscription_of(record: dict[str, Any]) -> str:
    """A row's subscription id (lower-case), from its field or its id."""
    sub = record.get("subscriptionId") or id_parts(str(record.get("id", ""))).get("subscriptions", "")
    return str(sub).lower()


def resource_group_of(record: dict[str, Any]) -> str:
    """A row's resource group name, from its field or its id."""
    return str(record.get("resourceGroup") or id_parts(str(record.get("id", ""))).get("resourcegroups", ""))


def child_record(model: Any, parent: dict[str, Any], fallback_type: str) -> dict[str, Any]:
    """A sub-resource answer as a record that carries its parent's subscription, group and location."""
    record = dict(arm_dict(model))
    record.setdefault("type", fallback_type)
    if not record.get("type"):
        record["type"] = fallback_type
    record["subscriptionId"] = subscription_of(parent)
    record["resourceGroup"] = resource_group_of(parent)
    if parent.get("tenantId"):
        record.setdefault("tenantId", parent["tenantId"])
    if parent.get("location") and not record.get("location"):
        record["location"] = parent["location"]
    return record


def plan_details(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """Every detail task the collected rows call for."""
    from cloudwarden.providers.azure.details import (
        authorization,
        keyvault,
        monitor,
        sql,
        storage,
    )

    tasks: list[DetailTask] = []
    for module in (sql, keyvault, storage, monitor, authorization):
        tasks.extend(module.plan(records, subscriptions))
    return tasks
