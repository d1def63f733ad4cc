"""Reading a finding's ARM resource id: subscription, resource group and resource name."""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.providers.remediation import RemediationError, Target


@dataclass(frozen=True)
class ArmId:
    """The parts of ``/subscriptions/<s>/resourcegroups/<rg>/providers/<ns>/<type>/<name>`` an SDK call needs."""

    subscription: str
    resource_group: str
    provider_type: str
    name: str


def parse_arm_id(resource_id: str, provider_type: str) -> ArmId:
    """Split a top-level ARM resource id of ``provider_type`` (e.g. ``microsoft.storage/storageaccounts``).

    ARM ids are case-insensitive, so the type is compared in lower case while
    the names keep the case the id gives (the findings' ids are lower-cased,
    which ARM accepts).
    """
    parts = resource_id.strip("/").split("/")
    wanted = provider_type.lower().split("/")
    if (len(parts) != 6 + len(wanted) or parts[0].lower() != "subscriptions"
            or parts[2].lower() != "resourcegroups" or parts[4].lower() != "providers"
            or [p.lower() for p in parts[5:-1]] != wanted):
        raise RemediationError(f"{resource_id} is not the id of a {provider_type} resource")
    return ArmId(subscription=parts[1], resource_group=parts[3], provider_type=provider_type, name=parts[-1])


def target_arm_id(target: Target, provider_type: str) -> ArmId:
    """The ARM id of a finding's resource, which must be of ``provider_type``."""
    return parse_arm_id(target.resource_id, provider_type)


def subscription_of(resource_id: str) -> str:
    """The subscription GUID at the start of any ARM id (the client an SDK call needs)."""
    parts = resource_id.strip("/").split("/")
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        raise RemediationError(f"{resource_id} is not an ARM resource id in a subscription")
    return parts[1]
