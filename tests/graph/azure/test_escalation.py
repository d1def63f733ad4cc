"""azure_escalation: can_escalate edges (to admin, to a managed identity, to a Key Vault) and their evidence."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.escalation.chains import escalation_chains
from cloudwarden.graph.estate import EstateGraph

from tests.graph.azure.estate import (
    CONTRIBUTOR,
    OWNER,
    RBAC_ADMIN,
    READER,
    RG,
    ROLE_PREFIX,
    SUB,
    USER_ACCESS_ADMIN,
    VM_CONTRIBUTOR,
    AzureEstate,
)

DELEGATION = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
              "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
              "ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635}))")


def _escalations(graph: EstateGraph, principal: str) -> dict[str, dict]:
    return {e.target: e.detail for e in graph.out_edges(principal, "can_escalate")}


def _admin_vm_estate() -> tuple[AzureEstate, str, str, str]:
    """A VM running as a user-assigned identity that is Owner of the subscription, and its operator."""
    estate = AzureEstate()
    identity = estate.identity("mi-deploy")
    estate.assign(identity, OWNER, SUB)
    vm = estate.vm("vm-build", identity=identity)
    operator = estate.user("oscar")
    estate.assign(operator, VM_CONTRIBUTOR, RG)
    return estate, identity, vm, operator


def test_user_access_administrator_escalates_to_admin_of_the_subscription() -> None:
    estate = AzureEstate()
    uaa = estate.user("uma")
    estate.assign(uaa, USER_ACCESS_ADMIN, SUB)
    graph = estate.graph()
    detail = _escalations(graph, uaa)[SUB]
    assert (detail["technique"], detail["to"], detail["conditional"]) == ("azure-role-assignment-write", "admin", False)
    assert detail["actions"] == ["Microsoft.Authorization/roleAssignments/write"]
    assert detail["grants"][0]["role_name"] == "User Access Administrator"
    assert GraphQueries(graph).can_escalate_to_admin(uaa)


def test_rbac_administrator_with_a_role_restriction_escalates_only_conditionally() -> None:
    estate = AzureEstate()
    delegate = estate.user("rita")
    estate.assign(delegate, RBAC_ADMIN, SUB, condition=DELEGATION)
    detail = _escalations(estate.graph(), delegate)[SUB]
    assert detail["conditional"] is True and detail["conditions"] == [DELEGATION]


def test_owner_has_nothing_to_escalate_to() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    estate.assign(owner, OWNER, SUB)
    assert _escalations(estate.graph(), owner) == {}


def test_vm_run_command_escalates_to_the_vm_managed_identity() -> None:
    estate, identity, vm, operator = _admin_vm_estate()
    graph = estate.graph()
    detail = _escalations(graph, operator)[identity]
    assert detail["technique"] == "azure-vm-run-command"
    assert detail["to"] == identity and detail["via"] == vm
    assert detail["actions"] == ["Microsoft.Compute/virtualMachines/runCommand/action"]
    assert "azure-vm-extension-write" in [t["technique"] for t in detail["techniques"]]
    assert GraphQueries(graph).is_admin(identity)


def test_vm_run_command_chains_to_admin_when_the_identity_is_owner() -> None:
    estate, identity, _, operator = _admin_vm_estate()
    graph = estate.graph()
    chains = escalation_chains(graph, operator)
    assert [(e.source, e.target) for e in chains[0]] == [(operator, identity)]
    assert GraphQueries(graph).can_escalate_to_admin(operator)


def test_no_takeover_of_an_identity_that_grants_nothing_more() -> None:
    estate = AzureEstate()
    identity = estate.identity("mi-idle")
    estate.vm("vm-idle", identity=identity)
    operator = estate.user("oscar")
    estate.assign(operator, VM_CONTRIBUTOR, RG)
    assert _escalations(estate.graph(), operator) == {}


def test_reader_cannot_run_commands() -> None:
    estate, _, _, _ = _admin_vm_estate()
    reader = estate.user("rex")
    estate.assign(reader, READER, SUB)
    assert _escalations(estate.graph(), reader) == {}


def test_key_vault_access_policy_write_escalates_to_the_vault() -> None:
    estate = AzureEstate()
    vault = estate.vault("kv-secrets", rbac_authorization=False)
    editor = estate.user("ed")
    estate.role(ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000001", "Vault policy editor",
                {"actions": ["Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/accessPolicies/write"]},
                custom=True, assignable=(SUB,))
    estate.assign(editor, ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000001", RG)
    detail = _escalations(estate.graph(), editor)[vault]
    assert detail["technique"] == "azure-keyvault-access-policy-write" and detail["to"] == vault


def test_rbac_mode_vault_has_no_access_policy_escalation() -> None:
    estate = AzureEstate()
    estate.vault("kv-rbac", rbac_authorization=True)
    contributor = estate.user("carl")
    estate.assign(contributor, CONTRIBUTOR, RG)
    assert _escalations(estate.graph(), contributor) == {}


def test_writing_a_custom_role_it_holds_at_the_subscription_escalates_to_admin() -> None:
    estate = AzureEstate()
    role = ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000002"
    estate.role(role, "Role tinkerer", {"actions": ["*/read", "Microsoft.Authorization/roleDefinitions/write"]},
                custom=True, assignable=(SUB,))
    tinkerer = estate.user("tina")
    estate.assign(tinkerer, role, SUB)
    detail = _escalations(estate.graph(), tinkerer)[SUB]
    assert (detail["technique"], detail["to"], detail["role"]) == ("azure-role-definition-write", "admin", role)


def test_role_assignment_write_on_a_resource_group_takes_over_identities_inside_it() -> None:
    estate, identity, _, _ = _admin_vm_estate()
    delegate = estate.user("rg-admin")
    estate.assign(delegate, USER_ACCESS_ADMIN, RG)
    escalations = _escalations(estate.graph(), delegate)
    assert SUB not in escalations
    assert escalations[identity]["technique"] == "azure-role-assignment-write"
    assert escalations[identity]["scope"] == RG


def test_federated_credential_write_takes_over_a_user_assigned_identity() -> None:
    estate = AzureEstate()
    identity = estate.identity("mi-ci")
    estate.assign(identity, CONTRIBUTOR, SUB)
    role = ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000003"
    estate.role(role, "Identity federator", {"actions": [
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write"]}, custom=True)
    federator = estate.user("fay")
    estate.assign(federator, role, RG)
    detail = _escalations(estate.graph(), federator)[identity]
    assert detail["technique"] == "azure-federated-credential-write"


def test_vm_write_and_identity_assign_attach_an_identity_to_a_controlled_vm() -> None:
    estate = AzureEstate()
    identity = estate.identity("mi-data")
    estate.assign(identity, CONTRIBUTOR, SUB)
    vm = estate.vm("vm-dev")
    role = ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000004"
    estate.role(role, "VM operator with identities", {"actions": [
        "Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/runCommand/action",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"]}, custom=True)
    attacker = estate.user("ivan")
    estate.assign(attacker, role, RG)
    detail = _escalations(estate.graph(), attacker)[identity]
    assert detail["technique"] == "azure-vm-attach-identity" and detail["vm"] == vm
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action" in detail["actions"]


def test_automation_runbook_write_and_job_start_take_over_the_account_identity() -> None:
    estate = AzureEstate()
    identity = estate.identity("mi-automation")
    estate.assign(identity, OWNER, SUB)
    account = estate.resource("microsoft.automation/automationaccounts/aa-ops", "compute.function",
                              "Microsoft.Automation/automationAccounts", {"platform": "automation"})
    estate.link(account, identity, "runs_as")
    role = ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000005"
    estate.role(role, "Runbook author", {"actions": ["Microsoft.Automation/automationAccounts/runbooks/write",
                                                     "Microsoft.Automation/automationAccounts/jobs/write"]}, custom=True)
    author = estate.user("ann")
    estate.assign(author, role, RG)
    detail = _escalations(estate.graph(), author)[identity]
    assert detail["technique"] == "azure-automation-runbook" and detail["via"] == account


def test_web_app_config_write_takes_over_a_system_assigned_identity() -> None:
    estate = AzureEstate()
    app = estate.resource("microsoft.web/sites/app-api", "compute.function", "Microsoft.Web/sites",
                          {"platform": "app-service"})
    system = estate.user("sysid-app-api", kind="identity.service_account")
    estate.assign(system, OWNER, SUB)
    estate.link(app, system, "runs_as")
    role = ROLE_PREFIX + "c0ffee00-0000-0000-0000-000000000006"
    estate.role(role, "App settings editor", {"actions": ["Microsoft.Web/sites/config/write"]}, custom=True)
    editor = estate.user("eve")
    estate.assign(editor, role, app)
    detail = _escalations(estate.graph(), editor)[system]
    assert detail["technique"] == "azure-web-app-code"
    assert detail["actions"] == ["Microsoft.Web/sites/config/write"]


def test_run_command_allowed_only_on_another_vm_does_not_reach_this_one() -> None:
    estate, identity, _, _ = _admin_vm_estate()
    other = estate.vm("vm-other")
    operator = estate.user("narrow")
    estate.assign(operator, VM_CONTRIBUTOR, other)
    assert identity not in _escalations(estate.graph(), operator)
