"""Azure collection: Resource Graph tables, then per-service details, normalized and merged.

1. Prove the credential (one token for the ARM audience) and resolve the scope.
2. Query the three Resource Graph tables per subscription batch and per
   management group, in a bounded pool.
3. Plan per-service detail calls from the rows (SQL firewall rules, Key Vault
   keys, ...) and run them in the same pool.
4. Hand every record to the normalizer (the same records an export gives) and
   merge its partials with this run's own partials, which carry the coverage gaps
   and which services each subscription was read with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.pipeline.policies import RetryPolicy
from cloudwarden.graph.merge import Partial, merge_partials
from cloudwarden.graph.model import CoverageGap
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.azure import resource_graph
from cloudwarden.providers.azure.credentials import build_credential, check_credential
from cloudwarden.providers.azure.details import (
    DetailTask,
    plan_details,
    subscription_of,
)
from cloudwarden.providers.azure.errors import classify
from cloudwarden.providers.azure.normalize import DETAIL_TYPES, normalize
from cloudwarden.providers.azure.scope import (
    ArmConnection,
    AzureScope,
    Targets,
    ThrottleRetryPolicy,
    resolve_endpoint,
    resolve_targets,
)

log = logging.getLogger("cloudwarden.azure")

Progress = Callable[[int, int, str], None]
SUBSCRIPTION_TYPE = "microsoft.resources/subscriptions"
CONTAINER_TYPES = frozenset({SUBSCRIPTION_TYPE, "microsoft.resources/subscriptions/resourcegroups"})


@dataclass
class Collection:
    """Everything a run gathered before normalization.

    ``collected_types`` are the (lower-case) record types this run enumerated,
    including detail types that returned nothing (absence then means "none");
    ``failed_parents`` are the resources whose detail call failed (their children
    stay unknown).
    """

    records: list[dict[str, Any]]
    gaps: Gaps
    collected_types: set[str] = field(default_factory=set)
    failed_parents: set[str] = field(default_factory=set)


class Gaps:
    """Coverage gaps and services read, per account (subscription id or management group name)."""

    def __init__(self) -> None:
        self.gaps: dict[str, list[CoverageGap]] = {}
        self.services: dict[str, set[str]] = {}

    def read(self, account: str, service: str) -> None:
        """Note that ``service`` was read for ``account``."""
        self.services.setdefault(account, set()).add(service)

    def add(self, account: str, gap: CoverageGap) -> None:
        """Record a gap of ``account``."""
        self.read(account, gap.service)
        self.gaps.setdefault(account, []).append(gap)

    def partials(self) -> list[Partial]:
        """One partial per (account, service), holding that service's gaps."""
        out = []
        for account, services in sorted(self.services.items()):
            for service in sorted(services):
                part = Partial("azure", account, None, service)
                part.gaps = [g for g in self.gaps.get(account, []) if g.service == service]
                out.append(part)
        return out


def default_retry_policy(scope: AzureScope) -> RetryPolicy:
    """Retries for throttling and transient errors, with the server's waits bounded."""
    return ThrottleRetryPolicy(
        max_wait=scope.max_retry_wait,
        retry_total=scope.retry_total,
        retry_status=max(scope.retry_total, 0),
        retry_backoff_factor=0.8,
        retry_backoff_max=30,
    )


def collect_azure(
    scope: AzureScope,
    tool_version: str,
    progress: Progress | None = None,
    credential: TokenCredential | None = None,
    retry_policy: RetryPolicy | None = None,
) -> Snapshot:
    """Collect the subscriptions and management groups of ``scope`` into one snapshot.

    ``credential`` replaces the one the scope's flags would build (any object with
    ``get_token``); ``retry_policy`` replaces the default throttling-aware retries.
    """
    endpoint = resolve_endpoint(scope.endpoint, scope.token_scope)
    owned = credential is None
    if credential is None:
        credential = build_credential(scope.credential_options(), endpoint.authority)
    conn = ArmConnection(
        credential, endpoint, retry_policy or default_retry_policy(scope), scope.ca_bundle, f"cloudwarden/{tool_version}"
    )
    try:
        check_credential(credential, endpoint.credential_scope)
        targets = resolve_targets(conn, scope)
        collection = collect_records(conn, scope, targets, progress)
    finally:
        conn.close()
        close = getattr(credential, "close", None) if owned else None
        if callable(close):
            close()
    partials = normalize(
        collection.records,
        source=resource_graph.SERVICE,
        # A live run plans every detail family for every parent that needs it (containers only where
        # anonymous access is allowed), so a family with no call still has known facts.
        collected_types=collection.collected_types | DETAIL_TYPES,
        failed_parents=collection.failed_parents,
    )
    snapshot = merge_partials([*partials, *collection.gaps.partials()], tool_version)
    for src in snapshot.sources:
        if src.errors:
            log.warning("%s: %d coverage gap(s)", src.account, len(src.errors))
    return snapshot


def collect_records(
    conn: ArmConnection, scope: AzureScope, targets: Targets, progress: Progress | None = None
) -> Collection:
    """Every record (Resource Graph rows, then detail records) and the gaps left."""
    gaps = Gaps()
    queries = resource_graph.plan_queries(sorted(targets.subscriptions), targets.management_groups, scope.graph_batch_size)
    counter = _Counter(progress)
    counter.total += len(queries)
    rows: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=max(1, scope.max_workers), thread_name_prefix="azure") as pool:
        graph_futures = [(q, pool.submit(resource_graph.run_query, conn, q, scope.max_retry_wait)) for q in queries]
        for query, fut in graph_futures:
            answer = fut.result()
            for account in query.subscriptions:  # a management group gets a source only with a gap
                gaps.read(account, resource_graph.SERVICE)
            for account, gap in answer.gaps:
                gaps.add(account, gap)
            for row in answer.rows:
                rows.setdefault(str(row.get("id", "")).lower(), row)
            counter.step(query.label)
        records = list(rows.values())
        subscriptions = _collected_subscriptions(records, targets, gaps)
        records.extend(_subscription_rows(records, targets))
        tasks = plan_details(records, subscriptions) if scope.details else []
        counter.total += len(tasks)
        detail_futures = [(t, pool.submit(_run_detail, conn, t)) for t in tasks]
        collection = Collection(records, gaps)
        _detail_results(detail_futures, collection, counter)
    collection.collected_types |= {str(r.get("type", "")).lower() for r in collection.records} - {""}
    return collection


def _collected_subscriptions(records: list[dict[str, Any]], targets: Targets, gaps: Gaps) -> list[str]:
    """Subscriptions Resource Graph answered for: requested ones with rows, and those of the containers found.

    A custom role definition row names the subscription it was created in, which
    may lie outside the scope: such a subscription gets no detail calls. A
    requested subscription with no row at all is a gap.
    """
    any_rows = {subscription_of(r) for r in records} - {""}
    seen = {sub for sub in targets.subscriptions if sub in any_rows}
    for row in records:
        if str(row.get("type", "")).lower() in CONTAINER_TYPES:
            seen.add(subscription_of(row))
    seen.discard("")
    for sub in targets.subscriptions:
        gaps.read(sub, resource_graph.SERVICE)
        if sub not in any_rows and not gaps.gaps.get(sub):
            gaps.add(
                sub,
                CoverageGap(
                    service=resource_graph.SERVICE,
                    reason="access_denied",
                    message="Resource Graph returned no row for this subscription (no read access, or not indexed yet)",
                    operation="resources",
                    resource=f"/subscriptions/{sub}",
                ),
            )
    return sorted(seen)


def _subscription_rows(records: list[dict[str, Any]], targets: Targets) -> list[dict[str, Any]]:
    """Resource Graph-shaped rows for listed subscriptions that ``resourcecontainers`` did not return."""
    have = {subscription_of(r) for r in records if str(r.get("type", "")).lower() == SUBSCRIPTION_TYPE}
    rows = []
    for sub, info in sorted(targets.subscriptions.items()):
        if sub in have:
            continue
        rows.append(
            {
                "id": f"/subscriptions/{sub}",
                "name": info.get("displayName") or sub,
                "type": SUBSCRIPTION_TYPE,
                "subscriptionId": sub,
                "tenantId": info.get("tenantId"),
                "tags": info.get("tags") or {},
                "properties": {"state": info.get("state"), "subscriptionPolicies": info.get("subscriptionPolicies")},
            }
        )
    return rows


def _run_detail(conn: ArmConnection, task: DetailTask) -> list[dict[str, Any]]:
    return task.run(conn)


def _detail_results(
    futures: Iterable[tuple[DetailTask, Future[list[dict[str, Any]]]]], collection: Collection, counter: _Counter
) -> None:
    """Add the records of the detail calls that worked; a gap naming the resource for each that failed."""
    gaps = collection.gaps
    for task, fut in futures:
        gaps.read(task.subscription, task.service)
        collection.collected_types.add(task.record_type)
        try:
            collection.records.extend(fut.result())
        except Exception as exc:  # one resource failing must not stop the scan
            log.debug("%s %s failed for %s", task.service, task.operation, task.resource, exc_info=True)
            reason, message = classify(exc)
            if task.marks_parent:
                collection.failed_parents.add(task.resource)
            gaps.add(
                task.subscription,
                CoverageGap(service=task.service, reason=reason, message=message, operation=task.operation, resource=task.resource),  # type: ignore[arg-type]
            )
        counter.step(f"{task.service} {task.operation} {task.resource}")


class _Counter:
    """Progress over a total that grows once detail calls are planned."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.total = 0

    def step(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)
