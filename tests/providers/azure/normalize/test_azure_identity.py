"""Managed identities and RBAC: runs_as, principal resolution, assignments, role facts, deny assignments."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import SUB, View, arm_id, build

VM_WEB = arm_id("rg-app", "microsoft.compute", "virtualmachines", "vm-web")
VM_LOCKED = arm_id("rg-app", "microsoft.compute", "virtualmachines", "vm-locked")
UAMI = arm_id("rg-app", "microsoft.managedidentity", "userassignedidentities", "id-app")
WEB_IDENTITY = "azure:principal:aaaaaaaa-0000-4000-8000-000000000001"
USER = "azure:principal:cccccccc-0000-4000-8000-000000000004"
GROUP = "azure:principal:dddddddd-0000-4000-8000-000000000005"
ROLES = "/providers/microsoft.authorization/roledefinitions/"
OWNER = ROLES + "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = ROLES + "b24988ac-6180-42a0-ab88-20f7382dd24c"
CUSTOM = ROLES + "99999999-0000-4000-8000-00000000c0de"
CORP = "/providers/microsoft.management/managementgroups/corp"


def test_vm_with_system_identity_runs_as_it(planted: View) -> None:
    edge = planted.edges("runs_as", VM_WEB)[0]
    assert (edge.target, edge.detail) == (WEB_IDENTITY, {"identity_type": "system"})
    identity = planted.node(WEB_IDENTITY)
    assert identity.kind == "identity.service_account"
    assert identity.props["managed_identity"] == "system"
    assert identity.props["resource_id"] == VM_WEB
    assert not identity.reference


def test_vm_with_user_assigned_identity_runs_as_the_identity_resource(planted: View) -> None:
    assert [e.target for e in planted.edges("runs_as", VM_LOCKED)] == [UAMI]
    assert planted.node(UAMI).props["managed_identity"] == "user"


def test_role_assignment_to_a_user_assigned_identity_resolves_its_principal_id(planted: View) -> None:
    edge = planted.edges("has_policy", UAMI, CONTRIBUTOR)[0]
    assert edge.detail["assignments"][0]["scope"] == f"/subscriptions/{SUB}"
    assert not planted.edges("has_policy", "azure:principal:bbbbbbbb-0000-4000-8000-000000000002")
    assert [p["name"] for p in planted.node(UAMI).props["attached_policies"]] == ["Contributor"]


def test_access_policy_naming_a_user_assigned_identity_resolves_it(planted: View) -> None:
    vault = planted.node(arm_id("rg-data", "microsoft.keyvault", "vaults", "kv-nopurge"))
    assert UAMI in [p["principal"] for p in vault.props["access_policies"]]


def test_owner_assigned_at_a_management_group_is_an_edge_scoped_to_it(planted: View) -> None:
    scopes = [a["scope"] for a in planted.edges("has_policy", USER, OWNER)[0].detail["assignments"]]
    assert CORP in scopes
    # Inheritance is the hierarchy: corp contains the subscription that holds everything.
    assert planted.edges("contains", CORP, f"/subscriptions/{SUB}")


def test_assignments_of_one_role_to_one_principal_fold_into_one_edge(planted: View) -> None:
    edges = planted.edges("has_policy", USER, OWNER)
    assert len(edges) == 1
    assignments = edges[0].detail["assignments"]
    assert [a["scope"] for a in assignments] == [CORP, f"/subscriptions/{SUB}/resourcegroups/rg-data"]
    assert set(assignments[0]) == {"id", "scope", "condition", "condition_version", "principal_type"}


def test_principal_lists_the_roles_it_holds_with_admin_equivalence(planted: View) -> None:
    user = planted.node(USER)
    assert user.kind == "identity.user"
    (owner,) = user.props["attached_policies"]
    assert (owner["name"], owner["admin_equivalent"], owner["inline"]) == ("Owner", True, False)


def test_custom_role_with_star_is_admin_equivalent_customer_managed_and_attached(planted: View) -> None:
    role = planted.node(CUSTOM)
    assert (role.props["managed_by"], role.props["admin_equivalent"], role.props["attachment_count"]) == ("customer", True, 1)
    assert role.props["wildcard_services"] == ["*"]


def test_contributor_from_the_catalogue_is_not_admin_equivalent(planted: View) -> None:
    role = planted.node(CONTRIBUTOR)
    assert not role.reference
    assert (role.props["role_name"], role.props["managed_by"], role.props["admin_equivalent"]) == ("Contributor", "azure", False)


def test_an_unknown_role_is_a_reference_whose_grants_are_unknown(planted: View) -> None:
    role = planted.node(ROLES + "ffffffff-0000-4000-8000-0000000fffff")
    assert role.reference and role.props["document"] is None
    entry = next(p for p in planted.node(GROUP).props["attached_policies"] if p["id"] == role.id)
    assert entry["admin_equivalent"] is None


def test_conditional_assignment_keeps_its_condition(planted: View) -> None:
    (assignment,) = planted.edges("has_policy", WEB_IDENTITY)[0].detail["assignments"]
    assert assignment["condition"].startswith("@Resource[")
    assert assignment["condition_version"] == "2.0"


def test_deny_assignment_is_a_deny_policy_naming_its_principals(planted: View) -> None:
    deny = next(n for n in planted.snapshot.nodes if n.props.get("deny"))
    document = deny.props["document"]
    assert deny.kind == "identity.policy"
    assert document["principals"][0]["type"] == "SystemDefined"
    assert document["exclude_principals"][0]["id"] == USER
    assert document["scope"] == f"/subscriptions/{SUB}/resourcegroups/rg-app"
    assert not planted.edges("has_policy", target=deny.id)


def test_role_definition_reported_under_a_subscription_is_keyed_by_guid() -> None:
    record = {"id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/ABCDEF00-0000-4000-8000-000000000001",
              "type": "Microsoft.Authorization/roleDefinitions", "name": "ABCDEF00-0000-4000-8000-000000000001",
              "properties": {"roleName": "Reader-ish", "type": "CustomRole", "permissions": [{"actions": ["*/read"]}]}}
    view = View(build([record]))
    assert view.node(ROLES + "abcdef00-0000-4000-8000-000000000001").props["admin_equivalent"] is False


def test_entra_users_have_no_access_keys_and_unknown_mfa(planted: View) -> None:
    props = planted.node(USER).props
    assert props["access_keys"] == []
    assert props.get("mfa") is None
