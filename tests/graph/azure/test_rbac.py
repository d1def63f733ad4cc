"""AzureAuthorization: Azure RBAC semantics (scopes, notActions, data actions, deny assignments, conditions)."""

from __future__ import annotations

from cloudwarden.graph.azure_rbac import AzureAuthorization
from cloudwarden.graph.azure_rbac.conditions import condition_holds
from cloudwarden.graph.estate import EstateGraph

from tests.graph.azure.estate import (
    BLOB_DATA_READER,
    CONTRIBUTOR,
    MG,
    OWNER,
    RBAC_ADMIN,
    READER,
    RG,
    SUB,
    USER_ACCESS_ADMIN,
    AzureEstate,
)

BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
LIST_KEYS = "Microsoft.Storage/storageAccounts/listkeys/action"
ASSIGN = "Microsoft.Authorization/roleAssignments/write"
DELEGATION = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
              "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
              "ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635}))")


def _auth(estate: AzureEstate) -> AzureAuthorization:
    return AzureAuthorization(EstateGraph(estate.snapshot()))


def test_assignment_at_management_group_is_inherited_by_a_resource() -> None:
    estate = AzureEstate()
    reader = estate.user("carol")
    account = estate.storage("stdata")
    estate.assign(reader, BLOB_DATA_READER, MG)
    assert _auth(estate).decide(reader, BLOB_READ, account, data_action=True).effect == "allow"


def test_assignment_on_one_resource_group_does_not_reach_another() -> None:
    estate = AzureEstate()
    user = estate.user("dave")
    account = estate.storage("stdata")
    estate.assign(user, CONTRIBUTOR, f"{SUB}/resourcegroups/rg-other")
    assert _auth(estate).decide(user, LIST_KEYS, account).effect == "implicit_deny"


def test_scope_ids_compare_case_insensitively() -> None:
    estate = AzureEstate()
    user = estate.user("erin")
    account = estate.storage("stdata")
    estate.assign(user, CONTRIBUTOR, RG.replace("rg-app", "RG-App").replace("resourcegroups", "resourceGroups"))
    assert _auth(estate).decide(user, LIST_KEYS, account.upper()).effect == "allow"


def test_not_actions_remove_an_action_from_a_wildcard() -> None:
    estate = AzureEstate()
    user = estate.user("frank")
    estate.assign(user, CONTRIBUTOR, SUB)
    auth = _auth(estate)
    assert auth.decide(user, "Microsoft.Compute/virtualMachines/write", RG).effect == "allow"
    assert auth.decide(user, ASSIGN, RG).effect == "implicit_deny"


def test_control_plane_wildcard_grants_no_data_action() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    account = estate.storage("stdata")
    estate.assign(owner, OWNER, SUB)
    assert _auth(estate).decide(owner, BLOB_READ, account, data_action=True).effect == "implicit_deny"


def test_data_actions_do_not_grant_the_same_name_on_the_control_plane() -> None:
    estate = AzureEstate()
    reader = estate.user("carol")
    account = estate.storage("stdata")
    estate.assign(reader, BLOB_DATA_READER, RG)
    assert _auth(estate).decide(reader, BLOB_READ, account, data_action=False).effect == "implicit_deny"


def test_deny_assignment_overrides_an_owner_grant() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    estate.assign(owner, OWNER, SUB)
    estate.deny("no-vm-writes", RG, ["Microsoft.Compute/virtualMachines/*"], ["olga"])
    decision = _auth(estate).decide(owner, "Microsoft.Compute/virtualMachines/write", f"{RG}/providers/x/y/z")
    assert decision.effect == "deny"
    assert decision.denies[0]["scope"] == RG


def test_excluded_principal_escapes_a_deny_assignment_for_everyone() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    breakglass = estate.user("breakglass")
    for principal in (owner, breakglass):
        estate.assign(principal, OWNER, SUB)
    estate.deny("lock", SUB, ["*"], ["00000000-0000-0000-0000-000000000000"], excluded=["breakglass"])
    auth = _auth(estate)
    assert auth.decide(owner, "Microsoft.Compute/virtualMachines/write", RG).effect == "deny"
    assert auth.decide(breakglass, "Microsoft.Compute/virtualMachines/write", RG).effect == "allow"


def test_deny_that_does_not_apply_to_child_scopes_spares_the_children() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    estate.assign(owner, OWNER, SUB)
    estate.deny("top-only", SUB, ["*"], ["olga"], children=False)
    auth = _auth(estate)
    assert auth.decide(owner, "Microsoft.Resources/tags/write", SUB).effect == "deny"
    assert auth.decide(owner, "Microsoft.Resources/tags/write", RG).effect == "allow"


def test_group_grants_reach_members_and_deny_by_group_binds_them() -> None:
    estate = AzureEstate()
    member = estate.user("gina")
    group = estate.user("ops-group", kind="identity.group")
    estate.link(member, group, "member_of")
    estate.assign(group, CONTRIBUTOR, RG)
    auth = _auth(estate)
    decision = auth.decide(member, "Microsoft.Compute/virtualMachines/write", RG)
    assert decision.effect == "allow" and decision.grants[0]["via"] == group
    estate.deny("ops-lock", RG, ["Microsoft.Compute/*"], ["ops-group"])
    assert _auth(estate).decide(member, "Microsoft.Compute/virtualMachines/write", RG).effect == "deny"


def test_owner_is_admin_but_user_access_administrator_is_not() -> None:
    estate = AzureEstate()
    owner, uaa = estate.user("olga"), estate.user("uma")
    estate.assign(owner, OWNER, SUB)
    estate.assign(uaa, USER_ACCESS_ADMIN, SUB)
    auth = _auth(estate)
    assert auth.is_admin(owner, RG) and not auth.is_admin(owner, MG)
    assert not auth.is_admin(uaa, SUB)
    assert auth.decide(uaa, ASSIGN, SUB).effect == "allow"


def test_condition_restricting_role_assignments_makes_them_conditional_only() -> None:
    estate = AzureEstate()
    delegate = estate.user("rita")
    estate.assign(delegate, RBAC_ADMIN, SUB, condition=DELEGATION)
    auth = _auth(estate)
    decision = auth.decide(delegate, ASSIGN, SUB)
    assert decision.effect == "conditional" and decision.conditions == [DELEGATION]
    assert auth.decide(delegate, "Microsoft.Compute/virtualMachines/read", SUB).effect == "allow"


def test_condition_that_names_other_actions_is_trivially_true() -> None:
    assert condition_holds(DELEGATION, "Microsoft.Storage/storageAccounts/read") is True
    assert condition_holds(DELEGATION, ASSIGN) is None
    assert condition_holds("@Resource[tags:env] StringEquals 'prod'", ASSIGN) is None
    assert condition_holds(None, ASSIGN) is True


def test_reader_wildcard_read_matches_any_provider() -> None:
    estate = AzureEstate()
    reader = estate.user("rex")
    estate.assign(reader, READER, MG)
    auth = _auth(estate)
    assert auth.decide(reader, "microsoft.keyvault/vaults/READ", RG).effect == "allow"
    assert auth.decide(reader, "Microsoft.KeyVault/vaults/write", RG).effect == "implicit_deny"
