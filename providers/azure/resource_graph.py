"""Inventory through Azure Resource Graph: whole tables, every ``$skipToken`` page, in batches.

Three tables: ``resources``, ``resourcecontainers`` (subscriptions, resource
groups, management groups) and ``authorizationresources`` (role assignments and
definitions; asked with ``authorizationScopeFilter=AtScopeAboveAndBelow`` so that
assignments inherited from management groups come with a subscription's).
Resource Graph takes at most 1,000 subscriptions per request, so subscriptions go
in batches. A 403 on a batch is narrowed down by halving it until the denied
subscriptions are known: each becomes an ``access_denied`` gap, the others are
collected. Throttling is handled by the client's ``ThrottleRetryPolicy``; a batch
still throttled after it becomes a ``throttled`` gap.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import AzureError
from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.azure.errors import classify, status_of
from cloudwarden.providers.azure.scope import ArmConnection, quota_reset_seconds

log = logging.getLogger("cloudwarden.azure")

SERVICE = "resource-graph"
TABLES: tuple[str, ...] = ("resources", "resourcecontainers", "authorizationresources")
MAX_BATCH = 1000
PAGE_SIZE = 1000
# authorizationScopeFilter is not in the SDK's default api-version (2021-03-01) model.
AUTHORIZATION_API_VERSION = "2024-04-01"
AUTHORIZATION_SCOPE_FILTER = "AtScopeAboveAndBelow"


@dataclass(frozen=True)
class GraphQuery:
    """One table over one batch of subscriptions, or over one management group's tree."""

    table: str
    subscriptions: tuple[str, ...] = ()
    management_group: str | None = None

    @property
    def label(self) -> str:
        """A short description for progress lines."""
        where = f"management group {self.management_group}" if self.management_group else (
            f"{len(self.subscriptions)} subscription(s)"
        )
        return f"resource graph {self.table} ({where})"


@dataclass
class GraphAnswer:
    """Rows of one query and the gaps it left, each gap keyed by the account it belongs to."""

    rows: list[dict[str, Any]]
    gaps: list[tuple[str, CoverageGap]]


def plan_queries(subscriptions: list[str], management_groups: list[str], batch_size: int = MAX_BATCH) -> list[GraphQuery]:
    """Every (table x subscription batch) and (table x management group) query."""
    size = max(1, min(batch_size, MAX_BATCH))
    queries = []
    for table in TABLES:
        for start in range(0, len(subscriptions), size):
            queries.append(GraphQuery(table, subscriptions=tuple(subscriptions[start : start + size])))
        for group in management_groups:
            queries.append(GraphQuery(table, management_group=group))
    return queries


def graph_client(conn: ArmConnection) -> Any:
    """The Resource Graph client of a connection."""
    from azure.mgmt.resourcegraph import ResourceGraphClient

    return conn.client(ResourceGraphClient)


def run_query(conn: ArmConnection, query: GraphQuery, max_wait: float = 60.0) -> GraphAnswer:
    """All rows of a query; denied subscriptions are found by halving and reported as gaps."""
    client = graph_client(conn)
    if query.management_group:
        try:
            return GraphAnswer(fetch_all(client, query.table, (), (query.management_group,), max_wait), [])
        except AzureError as exc:
            group_id = f"/providers/microsoft.management/managementgroups/{query.management_group.lower()}"
            return GraphAnswer([], [(query.management_group, _gap(query.table, exc, group_id))])
    return _query_subscriptions(client, query.table, list(query.subscriptions), max_wait)


def _query_subscriptions(client: Any, table: str, subs: list[str], max_wait: float) -> GraphAnswer:
    """Query a batch; on 403 split it so one denied subscription does not hide the others."""
    try:
        return GraphAnswer(fetch_all(client, table, tuple(subs), (), max_wait), [])
    except AzureError as exc:  # HTTP errors, and connections that failed after the retries
        if status_of(exc) == 403 and len(subs) > 1:
            mid = len(subs) // 2
            first = _query_subscriptions(client, table, subs[:mid], max_wait)
            second = _query_subscriptions(client, table, subs[mid:], max_wait)
            return GraphAnswer(first.rows + second.rows, first.gaps + second.gaps)
        return GraphAnswer([], [(sub, _gap(table, exc, f"/subscriptions/{sub}")) for sub in subs])


def _gap(table: str, exc: AzureError, resource: str) -> CoverageGap:
    reason, message = classify(exc)
    log.debug("resource graph %s failed for %s", table, resource, exc_info=exc)
    return CoverageGap(service=SERVICE, reason=reason, message=message, operation=f"resources:{table}", resource=resource)  # type: ignore[arg-type]


def request_body(table: str, subscriptions: tuple[str, ...], groups: tuple[str, ...], skip_token: str | None) -> dict[str, Any]:
    """The QueryRequest JSON for one page (the SDK model, plus the authorization scope filter)."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    request = QueryRequest(
        subscriptions=list(subscriptions) or None,
        management_groups=list(groups) or None,
        query=table,
        options=QueryRequestOptions(result_format="objectArray", skip_token=skip_token, top=PAGE_SIZE),
    )
    body: dict[str, Any] = request.serialize()
    if table == "authorizationresources":
        body.setdefault("options", {})["authorizationScopeFilter"] = AUTHORIZATION_SCOPE_FILTER
    return body


def fetch_all(
    client: Any, table: str, subscriptions: tuple[str, ...], groups: tuple[str, ...], max_wait: float = 60.0
) -> list[dict[str, Any]]:
    """Every row of ``table`` in the scope, following ``$skipToken`` until the last page."""
    rows: list[dict[str, Any]] = []
    skip_token: str | None = None
    seen: set[str] = set()
    kwargs: dict[str, Any] = {"api_version": AUTHORIZATION_API_VERSION} if table == "authorizationresources" else {}
    while True:
        body = json.dumps(request_body(table, subscriptions, groups, skip_token)).encode()
        response, headers = client.resources(
            body, content_type="application/json", cls=lambda pr, des, _h: (des, pr.http_response.headers), **kwargs
        )
        rows.extend(_rows(response.data))
        _respect_quota(headers, max_wait)
        skip_token = response.skip_token
        if not skip_token or skip_token in seen:
            return rows
        seen.add(skip_token)


def _rows(data: Any) -> list[dict[str, Any]]:
    """Rows of an objectArray answer (a table-format answer is turned into objects too)."""
    if isinstance(data, list):
        return [row for row in data if isinstance(row, dict)]
    if isinstance(data, dict) and "columns" in data and "rows" in data:
        names = [c.get("name") for c in data["columns"]]
        return [dict(zip(names, row)) for row in data["rows"]]
    return []


def _respect_quota(headers: Any, max_wait: float) -> None:
    """Pause before the next page when Resource Graph says the caller's quota is used up."""
    if str(headers.get("x-ms-user-quota-remaining", "")).strip() != "0":
        return
    wait = quota_reset_seconds(headers.get("x-ms-user-quota-resets-after")) or 0.0
    if wait > 0:
        time.sleep(min(wait, max_wait))
