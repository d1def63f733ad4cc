"""Throttling: Retry-After and Resource Graph's quota header are waited for (bounded), then a gap."""

from __future__ import annotations

import time

import pytest

from tests.providers.azure.conftest import PROD

GRAPH = "/providers/microsoft.resourcegraph/resources"


def test_resource_graph_429_is_retried_after_the_retry_after_wait(azure_fake):
    azure_fake.server.fault("POST", GRAPH, 429, headers={"Retry-After": "1"}, code="TooManyRequests", table="resources")
    start = time.monotonic()
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False, retry_total=2, max_workers=1)
    elapsed = time.monotonic() - start
    assert 1.0 <= elapsed < 5.0
    assert not collection.gaps.gaps
    assert any(r["type"] == "microsoft.storage/storageaccounts" for r in collection.records)


def test_quota_reset_header_of_resource_graph_is_honoured(azure_fake):
    azure_fake.server.fault("POST", GRAPH, 429, headers={"x-ms-user-quota-remaining": "0",
                                                        "x-ms-user-quota-resets-after": "00:00:01"},
                            code="RateLimiting", table="resources")
    start = time.monotonic()
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False, retry_total=2, max_workers=1)
    assert time.monotonic() - start >= 1.0
    assert not collection.gaps.gaps


def test_arm_429_on_a_detail_call_is_retried(azure_fake):
    azure_fake.server.fault("GET", r"/firewallrules$", 429, headers={"Retry-After": "0"}, times=2)
    collection = azure_fake.collect_records(subscriptions=[PROD], retry_total=3)
    assert not collection.gaps.gaps
    assert sum(r["type"] == "Microsoft.Sql/servers/firewallRules" for r in collection.records) == 3


def test_still_throttled_after_the_retries_is_a_throttled_gap(azure_fake):
    azure_fake.server.fault("POST", GRAPH, 429, headers={"Retry-After": "0"}, table="resources", times=None)
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False, retry_total=1)
    [gap] = collection.gaps.gaps[PROD]
    assert (gap.service, gap.reason, gap.operation) == ("resource-graph", "throttled", "resources:resources")
    assert gap.resource == f"/subscriptions/{PROD}"
    assert len([p for p in azure_fake.server.seen("POST", GRAPH) if p.body["query"] == "resources"]) == 2


@pytest.mark.parametrize("header", [{"Retry-After": "3600"}, {"x-ms-user-quota-resets-after": "01:00:00"}])
def test_a_wait_longer_than_the_bound_is_not_waited_for(azure_fake, header):
    azure_fake.server.fault("POST", GRAPH, 429, headers=header, table="resources", times=None)
    start = time.monotonic()
    collection = azure_fake.collect_records(subscriptions=[PROD], details=False, retry_total=3, max_retry_wait=5)
    assert time.monotonic() - start < 3
    assert [g.reason for g in collection.gaps.gaps[PROD]] == ["throttled"]
