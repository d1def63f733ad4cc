"""403s are coverage gaps naming what could not be read; everything else is still collected."""

from __future__ import annotations

from cloudwarden.providers.azure.collector import SUBSCRIPTION_TYPE

from tests.providers.azure.conftest import DEV, PROD, SANDBOX

GRAPH = "/providers/microsoft.resourcegraph/resources"
SQL_OPEN = (f"/subscriptions/{PROD}/resourcegroups/rg-prod-data/providers/microsoft.sql/servers/sql-prod-open")


def test_denied_subscription_is_a_gap_and_the_others_are_collected(azure_fake):
    azure_fake.server.deny_subscription(DEV)
    collection = azure_fake.collect_records()
    gaps = collection.gaps.gaps
    assert set(gaps) == {DEV}
    assert {(g.service, g.reason, g.resource) for g in gaps[DEV]} == {("resource-graph", "access_denied", f"/subscriptions/{DEV}")}
    assert {g.operation for g in gaps[DEV]} == {"resources:resources", "resources:resourcecontainers",
                                                "resources:authorizationresources"}
    assert "AuthorizationFailed" in gaps[DEV][0].message
    listed = [r for r in collection.records if r.get("subscriptionId") == DEV]
    # Only the subscription itself, as the subscription list described it, so its node and gaps meet.
    assert [(r["type"], r["name"]) for r in listed] == [(SUBSCRIPTION_TYPE, "dev")]
    assert {PROD, SANDBOX} <= {r.get("subscriptionId") for r in collection.records}


def test_denied_table_is_a_gap_for_that_table_only(azure_fake):
    azure_fake.server.fault("POST", GRAPH, 403, code="AuthorizationFailed", table="authorizationresources", times=None)
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False)
    assert [(g.reason, g.operation) for g in collection.gaps.gaps[PROD]] == [("access_denied", "resources:authorizationresources")]
    assert not any(r["type"].startswith("microsoft.authorization/") for r in collection.records)
    assert any(r["type"] == "microsoft.storage/storageaccounts" for r in collection.records)


def test_a_subscription_resource_graph_returns_nothing_for_is_a_gap(azure_fake, monkeypatch):
    from cloudwarden.providers.azure import resource_graph

    real = resource_graph.fetch_all
    monkeypatch.setattr(resource_graph, "fetch_all", lambda client, table, subs, groups, wait=60.0: [
        r for r in real(client, table, subs, groups, wait) if r.get("subscriptionId") != SANDBOX])
    collection = azure_fake.collect_records(details=False)
    [gap] = collection.gaps.gaps[SANDBOX]
    assert (gap.reason, gap.resource) == ("access_denied", f"/subscriptions/{SANDBOX}")


def test_failing_detail_call_is_a_gap_naming_the_resource_and_its_children_stay_unknown(azure_fake):
    azure_fake.server.fault("GET", "sql-prod-open/firewallrules$", 403, code="AuthorizationFailed", times=None)
    collection = azure_fake.collect_records(subscriptions=[PROD])
    [gap] = collection.gaps.gaps[PROD]
    assert (gap.service, gap.reason, gap.operation, gap.resource) == (
        "sql", "access_denied", "firewall_rules.list_by_server", SQL_OPEN)
    assert collection.failed_parents == {SQL_OPEN}
    assert "microsoft.sql/servers/firewallrules" in collection.collected_types
    rules = [r for r in collection.records if r["type"] == "Microsoft.Sql/servers/firewallRules"]
    assert rules == []  # sql-prod-secure has none; sql-prod-open's are unknown, not absent
    assert any(r["type"] == "Microsoft.Sql/servers/databases/transparentDataEncryption" for r in collection.records)
