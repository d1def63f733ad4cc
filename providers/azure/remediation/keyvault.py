"""Key Vault fixes: purge protection (irreversible by Azure's design, which the summary says)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.azure.remediation.resource_id import target_arm_id
from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

VAULT_TYPE = "microsoft.keyvault/vaults"


@dataclass(frozen=True)
class EnablePurgeProtection:
    """Turn on purge protection, so deleted vaults and objects cannot be purged before their retention ends."""

    id: str = "azure.keyvault.enable-purge-protection"
    cloud: str = "azure"
    policies: tuple[str, ...] = ("azure-keyvault-purge-protection",)
    summary: str = ("enable purge protection on the key vault; this cannot be undone: Azure never lets "
                    "purge protection be turned off again")
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """Purge protection and soft delete as the vault reports them (null: not set)."""
        arm = target_arm_id(target, VAULT_TYPE)
        vault = session.read("keyvault", "vaults.get", subscription_id=arm.subscription,
                             resource_group_name=arm.resource_group, vault_name=arm.name)
        if vault is None:
            raise RemediationError(f"key vault {arm.name} not found")
        props = vault.get("properties") or {}
        return {"enable_purge_protection": props.get("enablePurgeProtection"),
                "enable_soft_delete": props.get("enableSoftDelete")}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """``vaults.update`` setting ``enable_purge_protection`` alone, when it is not on.

        Purge protection needs soft delete; a vault with soft delete explicitly
        off is left alone (turning soft delete on is another irreversible change
        no finding asked for).
        """
        if state["enable_purge_protection"] is True:
            return []
        if state["enable_soft_delete"] is False:
            raise RemediationError("soft delete is off on this vault: purge protection needs it turned on first")
        arm = target_arm_id(target, VAULT_TYPE)
        params = {"resource_group_name": arm.resource_group, "vault_name": arm.name,
                  "parameters": {"properties": {"enable_purge_protection": True}}}
        return [ApiCall("keyvault", "vaults.update", params, target.resource_id)]


ACTIONS = (EnablePurgeProtection(),)
