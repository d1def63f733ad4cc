"""Resource Graph inventory: whole tables through every $skipToken page, in subscription batches."""

from __future__ import annotations

import json

from cloudwarden.providers.azure import resource_graph
from cloudwarden.providers.azure.collector import SUBSCRIPTION_TYPE

from tests.providers.azure.conftest import DEV, PROD, SANDBOX
from tests.providers.azure.fake_arm import ARM_FIXTURES

GRAPH = "/providers/microsoft.resourcegraph/resources"


def fixture_rows(table: str) -> list[dict]:
    return json.loads((ARM_FIXTURES / "graph" / f"{table}.json").read_text())


def test_paging_follows_skip_tokens_until_every_row_is_collected(azure_fake):
    scope = azure_fake.scope()
    conn = azure_fake.connection(scope)
    rows = resource_graph.fetch_all(resource_graph.graph_client(conn), "resources", (PROD, DEV), ())
    posts = azure_fake.server.seen("POST", GRAPH)
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in fixture_rows("resources"))
    assert len(posts) == -(-len(rows) // azure_fake.server.graph_page_size) > 2
    assert [bool(p.body["options"].get("$skipToken")) for p in posts] == [False] + [True] * (len(posts) - 1)
    assert all(p.body["options"]["resultFormat"] == "objectArray" for p in posts)


def test_subscriptions_are_queried_in_batches(azure_fake):
    collection = azure_fake.collect_records(graph_batch_size=2, details=False)
    posts = [p for p in azure_fake.server.seen("POST", GRAPH) if not p.body["options"].get("$skipToken")]
    batches = sorted(tuple(p.body["subscriptions"]) for p in posts if p.body["query"] == "resources")
    assert batches == [(PROD, DEV), (SANDBOX,)]
    ids = {r["id"] for r in collection.records}
    assert {r["id"] for r in fixture_rows("resources")} <= ids


def test_all_three_tables_are_read(azure_fake):
    collection = azure_fake.collect_records(details=False)
    types = {r["type"].lower() for r in collection.records}
    assert {"microsoft.storage/storageaccounts", SUBSCRIPTION_TYPE, "microsoft.authorization/roleassignments",
            "microsoft.authorization/roledefinitions"} <= types
    assert not collection.gaps.gaps


def test_role_assignments_inherited_from_management_groups_come_with_the_subscription(azure_fake):
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False)
    auth = [p for p in azure_fake.server.seen("POST", GRAPH) if p.body["query"] == "authorizationresources"]
    assert all(p.body["options"]["authorizationScopeFilter"] == "AtScopeAboveAndBelow" for p in auth)
    assert all(p.query["api-version"] == [resource_graph.AUTHORIZATION_API_VERSION] for p in auth)
    scopes = {r["properties"]["scope"] for r in collection.records if r["type"] == "microsoft.authorization/roleassignments"}
    assert "/providers/Microsoft.Management/managementGroups/mg-corp" in scopes


def test_management_group_scope_takes_the_whole_tree(azure_fake):
    collection = azure_fake.collect_records(management_groups=["mg-corp"], details=False)
    posts = azure_fake.server.seen("POST", GRAPH)
    assert all(p.body.get("managementGroups") == ["mg-corp"] and not p.body.get("subscriptions") for p in posts)
    subs = {r["subscriptionId"] for r in collection.records if r["type"] == SUBSCRIPTION_TYPE}
    assert subs == {PROD, DEV}
    assert not any(r.get("subscriptionId") == SANDBOX for r in collection.records)
    assert any(r["type"] == "microsoft.management/managementgroups" and r["name"] == "mg-corp" for r in collection.records)


def test_subscriptions_under_a_management_group_get_their_detail_calls(azure_fake):
    azure_fake.collect_records(management_groups=["mg-corp"])
    assert azure_fake.server.seen("GET", f"/subscriptions/{DEV}/providers/microsoft.insights/diagnosticsettings$")
    assert not azure_fake.server.seen("GET", f"/subscriptions/{SANDBOX}/")
