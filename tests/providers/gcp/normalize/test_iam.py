"""IAM policies: bindings as has_policy edges, members, roles and their permissions, audit configs."""

from __future__ import annotations

from tests.providers.gcp.normalize.conftest import APP_SA, CI_SA, DEFAULT_SA, FOLDER, ORG, PROJECT, View


def test_a_project_binding_is_a_has_policy_edge_scoped_to_the_project(estate: View) -> None:
    edge = estate.edge("user:owner@example.com", "roles/owner", "has_policy")
    assert edge is not None and edge.detail == {"bindings": [{"scope": PROJECT, "condition": None}]}


def test_a_folder_level_binding_is_kept_at_the_folder_the_project_inherits_from(estate: View) -> None:
    edge = estate.edge("group:sre@example.com", "roles/compute.admin", "has_policy")
    assert edge.detail["bindings"] == [{"scope": FOLDER, "condition": None}]
    assert estate.edge(FOLDER, PROJECT, "contains") is not None  # the path inheritance follows


def test_a_conditional_binding_keeps_its_condition(estate: View) -> None:
    edge = estate.edge("user:contractor@example.com", "roles/storage.objectViewer", "has_policy")
    [binding] = edge.detail["bindings"]
    assert binding["condition"] == {"expression": 'request.time < timestamp("2030-01-01T00:00:00Z")',
                                    "title": "temporary", "description": "until the contract ends"}
    [attached] = estate.props("user:contractor@example.com")["attached_policies"]
    assert attached["conditional"] is True


def test_bindings_of_one_role_on_several_scopes_fold_into_one_edge(estate: View) -> None:
    edge = estate.edge("projectOwner:acme-prod", "roles/storage.legacyBucketOwner", "has_policy")
    assert len(edge.detail["bindings"]) == 4


def test_a_service_account_member_resolves_to_the_collected_account_in_any_project(estate: View) -> None:
    deployer = "//iam.googleapis.com/projects/acme-dev/serviceAccounts/200000000000000000001"
    assert estate.edge(deployer, "roles/storage.objectAdmin", "has_policy").detail["bindings"][0]["scope"] == PROJECT
    assert estate.edge(CI_SA, "roles/storage.objectAdmin", "has_policy") is not None


def test_an_unknown_service_account_member_is_a_reference_by_email(estate: View) -> None:
    outsider = estate.node("serviceAccount:outsider@other-proj.iam.gserviceaccount.com")
    assert outsider.reference and outsider.kind == "identity.service_account"
    assert estate.edge(outsider.id, "roles/storage.objectAdmin", "has_policy") is not None


def test_user_emails_are_lower_cased_and_users_are_judged_principals(estate: View) -> None:
    owner = estate.node("user:owner@example.com")
    assert owner.kind == "identity.user" and not owner.reference


def test_all_users_is_a_public_group(estate: View) -> None:
    public = estate.node("allUsers")
    assert public.kind == "identity.group" and public.props["public"] is True


def test_deleted_and_domain_members_keep_their_meaning(estate: View) -> None:
    gone = estate.node("deleted:user:gone@example.com?uid=123456789")
    assert gone.reference and gone.props["deleted"] is True and gone.kind == "identity.user"
    assert estate.node("domain:example.com").kind == "identity.group"


def test_basic_role_holders_are_members_of_the_convenience_groups(estate: View) -> None:
    assert estate.edge("user:owner@example.com", "projectOwner:acme-prod", "member_of").detail == {"via": "roles/owner"}
    assert estate.edge(DEFAULT_SA, "projectEditor:acme-prod", "member_of") is not None


def test_predefined_role_permissions_come_from_the_catalogue(estate: View) -> None:
    role = estate.props("roles/iam.serviceAccountUser")
    assert "iam.serviceAccounts.actAs" in role["permissions"]
    assert (role["managed_by"], role["permissions_complete"], role["admin_equivalent"]) == ("gcp", True, False)


def test_owner_is_admin_equivalent_and_editor_is_a_pattern_approximation(estate: View) -> None:
    assert estate.props("roles/owner")["admin_equivalent"] is True
    editor = estate.props("roles/editor")
    assert editor["permissions_complete"] is False and "*.setIamPolicy" in editor["excluded_permissions"]
    assert editor["admin_equivalent"] is False


def test_a_role_nobody_describes_has_unknown_permissions_and_a_coverage_gap(estate: View) -> None:
    assert estate.props("roles/dataflow.developer")["permissions"] is None
    [gap] = [g for g in estate.gaps() if g.get("resource") == "roles/dataflow.developer"]
    assert gap["account"] == "acme-prod" and gap["reason"] == "unsupported"


def test_a_custom_role_comes_from_the_inventory_and_is_customer_managed(estate: View) -> None:
    role = estate.node("projects/acme-prod/roles/bucketLister")
    assert role.props["permissions"] == ["storage.buckets.get", "storage.buckets.list"]
    assert (role.props["managed_by"], role.account, role.props["attachment_count"]) == ("customer", "acme-prod", 1)


def test_a_deleted_custom_role_grants_nothing(normalized) -> None:
    view = normalized([{"name": "//iam.googleapis.com/projects/p/roles/old", "asset_type": "iam.googleapis.com/Role",
                        "resource": {"data": {"name": "projects/p/roles/old", "deleted": True,
                                              "includedPermissions": ["iam.roles.update"]}}}])
    role = view.props("projects/p/roles/old")
    assert role["permissions"] == [] and role["included_permissions"] == ["iam.roles.update"]


def test_a_role_record_in_the_input_wins_over_the_catalogue(normalized) -> None:
    live = {"name": "//iam.googleapis.com/roles/owner", "asset_type": "iam.googleapis.com/Role",
            "resource": {"data": {"name": "roles/owner", "title": "Owner", "includedPermissions": ["a.b.c"]}}}
    role = normalized([live]).props("roles/owner")
    assert role["permissions"] == ["a.b.c"] and role["permissions_complete"] is True


def test_members_list_their_roles_as_attached_policies(estate: View) -> None:
    [owner] = estate.props("user:owner@example.com")["attached_policies"]
    assert owner == {"id": "roles/owner", "name": "Owner", "inline": False, "admin_equivalent": True,
                     "wildcard_services": ["*"], "scopes": [PROJECT], "conditional": False}


def test_a_binding_on_a_service_account_is_scoped_to_that_account(estate: View) -> None:
    edge = estate.edge("user:dev@example.com", "roles/iam.serviceAccountTokenCreator", "has_policy")
    assert edge.detail["bindings"] == [{"scope": APP_SA, "condition": None}]


def test_audit_logging_of_a_project_unions_its_own_and_inherited_configs(estate: View) -> None:
    audit = estate.props(PROJECT)["audit_logging"]
    assert (audit["admin_read"], audit["data_read"], audit["data_write"]) == (True, True, True)
    assert audit["exempted_members"] == ["user:noisy@example.com"]
    assert audit["sources"] == [PROJECT, ORG]


def test_audit_logging_is_unknown_without_the_project_iam_policy(normalized) -> None:
    view = normalized([{"name": "//cloudresourcemanager.googleapis.com/projects/9", "asset_type":
                        "cloudresourcemanager.googleapis.com/Project",
                        "resource": {"data": {"projectNumber": "9", "projectId": "nine"}}}])
    assert view.props("//cloudresourcemanager.googleapis.com/projects/9")["audit_logging"] is None
