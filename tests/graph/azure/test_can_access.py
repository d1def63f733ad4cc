"""azure_can_access: edges with the AWS detail shape (levels, actions, grants; admin edges to subscriptions)."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries

from tests.graph.azure.estate import (
    BLOB_DATA_CONTRIBUTOR,
    BLOB_DATA_READER,
    CONTRIBUTOR,
    MG,
    OWNER,
    READER,
    RG,
    SUB,
    USER_ACCESS_ADMIN,
    AzureEstate,
)

ACCESS_ONLY = ("azure_can_access",)


def test_owner_at_subscription_gets_one_admin_edge_to_the_subscription() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    estate.storage("stdata")
    estate.assign(owner, OWNER, SUB)
    graph = estate.graph(ACCESS_ONLY)
    edges = list(graph.out_edges(owner, "can_access"))
    assert [(e.target, e.detail["admin"], e.detail["actions"]) for e in edges] == [(SUB, True, ["*"])]
    assert edges[0].detail["grants"][0]["role_name"] == "Owner"
    assert GraphQueries(graph).is_admin(owner)


def test_owner_at_management_group_administers_every_subscription_below() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    estate.assign(owner, OWNER, MG)
    graph = estate.graph(ACCESS_ONLY)
    assert [e.target for e in graph.out_edges(owner, "can_access") if e.detail.get("admin")] == [SUB]


def test_owner_of_a_resource_group_is_not_subscription_admin() -> None:
    estate = AzureEstate()
    owner = estate.user("olga")
    account = estate.storage("stdata")
    estate.assign(owner, OWNER, RG)
    graph = estate.graph(ACCESS_ONLY)
    assert not GraphQueries(graph).is_admin(owner)
    assert "admin" in graph.edge(owner, account, "can_access").detail["levels"]


def test_contributor_is_not_admin_but_can_write_data_through_account_keys() -> None:
    estate = AzureEstate()
    contributor = estate.user("carl")
    account = estate.storage("stdata")
    estate.assign(contributor, CONTRIBUTOR, SUB)
    graph = estate.graph(ACCESS_ONLY)
    queries = GraphQueries(graph)
    assert not queries.is_admin(contributor)
    assert queries.writable(contributor) == [account]
    detail = graph.edge(contributor, account, "can_access").detail
    assert {"read", "write"} <= set(detail["levels"]) and "permissions" not in detail["levels"]
    assert "Microsoft.Storage/storageAccounts/listkeys/action" in detail["actions"]


def test_disabled_shared_key_access_makes_list_keys_worthless() -> None:
    estate = AzureEstate()
    contributor = estate.user("carl")
    account = estate.storage("stdata", shared_key_access=False)
    estate.assign(contributor, CONTRIBUTOR, SUB)
    detail = estate.graph(ACCESS_ONLY).edge(contributor, account, "can_access").detail
    assert "read" not in detail["levels"]
    assert "Microsoft.Storage/storageAccounts/listkeys/action" not in detail["actions"]


def test_blob_data_reader_reads_data_with_data_actions_only() -> None:
    estate = AzureEstate()
    reader = estate.user("rosa")
    account = estate.storage("stdata")
    estate.assign(reader, BLOB_DATA_READER, RG)
    detail = estate.graph(ACCESS_ONLY).edge(reader, account, "can_access").detail
    assert detail["levels"] == ["read"]
    assert "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read" in detail["actions"]
    assert detail["conditional"] is False


def test_grant_on_one_container_is_a_partial_grant_on_the_account() -> None:
    estate = AzureEstate()
    writer = estate.user("wes")
    account = estate.storage("stdata")
    estate.assign(writer, BLOB_DATA_CONTRIBUTOR, f"{account}/blobservices/default/containers/uploads")
    detail = estate.graph(ACCESS_ONLY).edge(writer, account, "can_access").detail
    assert "write" in detail["levels"]
    assert detail["grants"][0]["partial"] is True


def test_reader_gets_no_edge_for_metadata_alone() -> None:
    estate = AzureEstate()
    reader = estate.user("rex")
    estate.storage("stdata")
    estate.assign(reader, READER, SUB)
    assert list(estate.graph(ACCESS_ONLY).out_edges(reader, "can_access")) == []


def test_user_access_administrator_holds_the_permissions_level() -> None:
    estate = AzureEstate()
    uaa = estate.user("uma")
    account = estate.storage("stdata")
    estate.assign(uaa, USER_ACCESS_ADMIN, SUB)
    graph = estate.graph(ACCESS_ONLY)
    assert graph.edge(uaa, account, "can_access").detail["levels"] == ["list", "permissions"]
    assert GraphQueries(graph).writers(account) == [uaa]


def test_key_vault_access_policy_grants_secret_reads_in_access_policy_mode() -> None:
    estate = AzureEstate()
    app = estate.user("app-sp", kind="identity.service_account")
    vault = estate.vault("kv-app", rbac_authorization=False, access_policies=[
        {"tenant_id": "t", "object_id": "APP-SP", "permissions": {"secrets": ["Get", "List"], "keys": []}}])
    detail = estate.graph(ACCESS_ONLY).edge(app, vault, "can_access").detail
    assert detail["levels"] == ["list", "read"]
    assert detail["access_policies"] == {"list": ["secrets:list"], "read": ["secrets:get"]}


def test_key_vault_access_policies_are_ignored_in_rbac_mode() -> None:
    estate = AzureEstate()
    app = estate.user("app-sp", kind="identity.service_account")
    estate.vault("kv-app", rbac_authorization=True, access_policies=[
        {"object_id": "app-sp", "permissions": {"secrets": ["get"]}}])
    assert list(estate.graph(ACCESS_ONLY).out_edges(app, "can_access")) == []


def test_contributor_can_rewrite_access_policies_of_an_access_policy_vault() -> None:
    estate = AzureEstate()
    contributor = estate.user("carl")
    vault = estate.vault("kv-app", rbac_authorization=False)
    estate.assign(contributor, CONTRIBUTOR, RG)
    detail = estate.graph(ACCESS_ONLY).edge(contributor, vault, "can_access").detail
    assert "permissions" in detail["levels"]
    assert "Microsoft.KeyVault/vaults/accessPolicies/write" in detail["actions"]


def test_deny_assignment_removes_the_data_access_it_covers() -> None:
    estate = AzureEstate()
    contributor = estate.user("carl")
    account = estate.storage("stdata", shared_key_access=True)
    estate.assign(contributor, CONTRIBUTOR, SUB)
    estate.deny("no-keys", account, ["Microsoft.Storage/storageAccounts/*"], ["carl"])
    assert estate.graph(ACCESS_ONLY).edge(contributor, account, "can_access") is None


def test_aws_principals_and_policies_are_ignored() -> None:
    from cloudwarden.graph.model import Node

    estate = AzureEstate()
    estate.nodes["arn:aws:iam::111122223333:user/bob"] = Node(id="arn:aws:iam::111122223333:user/bob", cloud="aws",
                                                              kind="identity.user", account="111122223333")
    estate.nodes["arn:aws:iam::aws:policy/AdministratorAccess"] = Node(
        id="arn:aws:iam::aws:policy/AdministratorAccess", cloud="aws", kind="identity.policy",
        props={"document": {"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]}})
    estate.link("arn:aws:iam::111122223333:user/bob", "arn:aws:iam::aws:policy/AdministratorAccess", "has_policy",
                attached=True)
    estate.storage("stdata")
    graph = estate.graph()
    assert [e for e in graph.edges() if e.derived] == []


def test_anonymous_container_access_is_an_edge_from_the_internet() -> None:
    from cloudwarden.graph.model import INTERNET_ID

    estate = AzureEstate()
    public = estate.storage("stpublic", public_by_acl=True)
    private = estate.storage("stprivate", public_by_acl=False)
    graph = estate.graph(ACCESS_ONLY)
    assert graph.edge(INTERNET_ID, public, "can_access").detail["anyone"] is True
    assert graph.edge(INTERNET_ID, private, "can_access") is None
