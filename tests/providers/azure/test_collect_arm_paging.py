"""ARM list calls follow absolute nextLinks (host and api-version included) to the last page."""

from __future__ import annotations

from cloudwarden.providers.azure.scope import list_subscriptions

from tests.providers.azure.conftest import DEV, PROD, SANDBOX


def test_subscription_list_follows_next_links(azure_fake):
    scope = azure_fake.scope()
    subs = list_subscriptions(azure_fake.connection(scope))
    assert sorted(subs) == [PROD, DEV, SANDBOX]
    pages = azure_fake.server.seen("GET", "^/subscriptions$")
    assert [p.query.get("$skiptoken") for p in pages] == [None, ["2"]]


def test_detail_listing_follows_next_links(azure_fake):
    collection = azure_fake.collect_records(subscriptions=[PROD])
    names = sorted(r["name"] for r in collection.records if r["type"] == "Microsoft.Sql/servers/firewallRules")
    assert names == ["AllowAll", "AllowAllWindowsAzureIps", "office"]
    pages = azure_fake.server.seen("GET", "sql-prod-open/firewallrules$")
    assert len(pages) == 2 and all(p.query["api-version"] for p in pages)
