"""Subscription diagnostic settings: where each subscription's activity log is exported.

azure-mgmt-monitor 7.0.0 dropped the diagnostic-settings operation groups
(Azure/azure-sdk-for-python#42425), so this needs azure-mgmt-monitor 6.x.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.azure.details import DetailTask
from cloudwarden.providers.azure.scope import ArmConnection, arm_dict

SERVICE = "monitor"
SETTING = "microsoft.insights/diagnosticsettings"


def plan(records: list[dict[str, Any]], subscriptions: list[str]) -> list[DetailTask]:
    """One listing per subscription."""
    return [
        DetailTask(SERVICE, "subscription_diagnostic_settings.list", sub, f"/subscriptions/{sub}", SETTING, _settings(sub))
        for sub in subscriptions
    ]


def _settings(sub: str):  # type: ignore[no-untyped-def]
    def run(conn: ArmConnection) -> list[dict[str, Any]]:
        from azure.mgmt.monitor import MonitorManagementClient

        client = conn.client(MonitorManagementClient, sub)
        answer = client.subscription_diagnostic_settings.list()
        # A pager in azure-mgmt-monitor 6.x; older releases returned a collection with ``value``.
        settings = answer.value or [] if hasattr(answer, "value") else answer
        records = []
        for setting in settings:
            record = dict(arm_dict(setting))
            record.setdefault("type", "Microsoft.Insights/diagnosticSettings")
            record["subscriptionId"] = sub
            records.append(record)
        return records

    return run
