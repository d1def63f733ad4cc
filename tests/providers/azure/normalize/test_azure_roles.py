"""Role definition facts and the shipped built-in catalogue."""

from __future__ import annotations

from cloudwarden.providers.azure.normalize.builtin_roles import builtin_roles
from cloudwarden.providers.azure.normalize.roles import (
    admin_equivalent,
    normalize_permissions,
    wildcard_services,
)


def _perms(actions: list[str], not_actions: list[str] | None = None) -> list[dict]:
    return normalize_permissions([{"actions": actions, "notActions": not_actions or []}])


def test_star_minus_unrelated_actions_is_still_admin_equivalent() -> None:
    assert admin_equivalent(_perms(["*"], ["Microsoft.Compute/virtualMachines/delete"]))


def test_star_minus_authorization_writes_is_not_admin_equivalent() -> None:
    assert not admin_equivalent(_perms(["*"], ["Microsoft.Authorization/*/Write"]))


def test_namespace_wildcards_are_lower_case_and_carve_outs_exclude_them() -> None:
    perms = _perms(["Microsoft.KeyVault/*", "Microsoft.Storage/*", "Microsoft.Compute/virtualMachines/*"],
                   ["Microsoft.Storage/storageAccounts/delete"])
    assert wildcard_services(perms) == ["microsoft.keyvault"]


def test_catalogue_holds_the_roles_that_matter_with_their_real_guids() -> None:
    roles = builtin_roles()
    assert roles["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"]["roleName"] == "Owner"
    assert roles["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"]["roleName"] == "User Access Administrator"
    assert roles["4633458b-17de-408a-b874-0445c86b69e6"]["permissions"][0]["dataActions"] == [
        "Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"]
    names = {r["roleName"] for r in roles.values()}
    assert {"Contributor", "Reader", "Role Based Access Control Administrator", "Virtual Machine Contributor",
            "Managed Identity Operator", "Automation Contributor", "Website Contributor",
            "Cognitive Services OpenAI User", "AzureML Data Scientist", "SQL Server Contributor"} <= names
