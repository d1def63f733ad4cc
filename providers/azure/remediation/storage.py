"""Storage account fixes: HTTPS only, minimum TLS 1.2, anonymous blob access off; one setting per action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.azure.remediation.resource_id import target_arm_id
from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

ACCOUNT_TYPE = "microsoft.storage/storageaccounts"


def read_account(session: Session, target: Target) -> dict[str, Any]:
    """The account's ``properties`` as ARM returns them; a missing account is an error."""
    arm = target_arm_id(target, ACCOUNT_TYPE)
    found = session.read("storage", "storage_accounts.get_properties", subscription_id=arm.subscription,
                         resource_group_name=arm.resource_group, account_name=arm.name)
    if found is None:
        raise RemediationError(f"storage account {arm.name} not found")
    return found.get("properties") or {}


@dataclass(frozen=True)
class SetAccountProperty:
    """Set one property of a storage account with ``storage_accounts.update``, only when it is not compliant.

    ``rest_name`` is the property as ARM returns it, ``sdk_name`` the keyword of
    ``StorageAccountUpdateParameters`` that sets it; ``compliant`` lists the
    values already good enough (TLS 1.3 is never lowered to 1.2).
    """

    id: str
    policies: tuple[str, ...]
    summary: str
    rest_name: str
    sdk_name: str
    value: Any
    compliant: tuple[Any, ...]
    cloud: str = "azure"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The property's current value (null when ARM does not report it: the service default applies)."""
        return {self.sdk_name: read_account(session, target).get(self.rest_name)}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """One update of this property alone, unless its value is already compliant."""
        if state[self.sdk_name] in self.compliant:
            return []
        arm = target_arm_id(target, ACCOUNT_TYPE)
        params = {"resource_group_name": arm.resource_group, "account_name": arm.name,
                  "parameters": {self.sdk_name: self.value}}
        return [ApiCall("storage", "storage_accounts.update", params, target.resource_id)]


HTTPS_ONLY = SetAccountProperty(
    id="azure.storage.require-https", policies=("storage-tls-only",),
    summary="refuse plain-HTTP requests to the storage account (supportsHttpsTrafficOnly)",
    rest_name="supportsHttpsTrafficOnly", sdk_name="enable_https_traffic_only", value=True, compliant=(True,))

MINIMUM_TLS_12 = SetAccountProperty(
    id="azure.storage.set-minimum-tls", policies=("azure-storage-min-tls-12",),
    summary="require TLS 1.2 or later on the storage account (minimumTlsVersion TLS1_2)",
    rest_name="minimumTlsVersion", sdk_name="minimum_tls_version", value="TLS1_2", compliant=("TLS1_2", "TLS1_3"))

BLOB_PUBLIC_ACCESS_OFF = SetAccountProperty(
    id="azure.storage.disable-blob-public-access",
    policies=("azure-storage-blob-public-access-disabled", "storage-not-public-by-acl"),
    summary="disallow anonymous public read access to the account's containers and blobs (allowBlobPublicAccess)",
    rest_name="allowBlobPublicAccess", sdk_name="allow_blob_public_access", value=False, compliant=(False,))

ACTIONS = (HTTPS_ONLY, MINIMUM_TLS_12, BLOB_PUBLIC_ACCESS_OFF)
