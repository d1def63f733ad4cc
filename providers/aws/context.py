"""What one AWS collection task sees: a session for one account, one region, and a Partial to fill."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.merge import Partial
from cloudwarden.graph.model import CoverageGap, Edge, Node
from cloudwarden.providers.aws.errors import classify, error_code

# Adaptive retries back off on throttling with a client-side rate limiter; what
# is still throttled after them becomes a coverage gap.
CLIENT_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 8},
    connect_timeout=10,
    read_timeout=60,
    max_pool_connections=32,
    user_agent_extra="cloudwarden",
)

GLOBAL_REGION = "global"

# Per-resource detail calls (a bucket's eight configuration reads, a user's
# keys and MFA devices) dominate wall time on real AWS, where a call takes
# 20-100 ms: a task runs them this many at a time.
DETAIL_WORKERS = 8

T = TypeVar("T")
R = TypeVar("R")


class AccountSession:
    """A boto3 session for one account, shared by that account's tasks.

    Sessions are not thread-safe for creating clients, so client creation is
    serialized and clients (which are thread-safe) are cached.
    """

    def __init__(self, session: boto3.Session, account: str, partition: str = "aws") -> None:
        self.session = session
        self.account = account
        self.partition = partition
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        """A cached botocore client for a service in a region."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self.session.client(service, region_name=region, config=CLIENT_CONFIG)
            return self._clients[key]


class AwsContext:
    """The collection API a service module uses: clients, paging, guarded calls, and output."""

    def __init__(self, account: AccountSession, region: str, service: str, home_region: str) -> None:
        self.account_session = account
        self.account = account.account
        self.partition = account.partition
        self.region = region
        self.home_region = home_region
        self.service = service
        self.part = Partial("aws", account.account, None if region == GLOBAL_REGION else region, service)

    # --- clients and calls -------------------------------------------------

    def client(self, service: str | None = None, region: str | None = None) -> Any:
        """A client for ``service`` (default: this task's) in ``region`` (default: this task's)."""
        region = region or (self.home_region if self.region == GLOBAL_REGION else self.region)
        return self.account_session.client(service or self.service, region)

    def paginate(self, client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item under ``key`` across all pages of ``operation`` (one call when it has no paginator)."""
        if client.can_paginate(operation):
            for page in client.get_paginator(operation).paginate(**kwargs):
                yield from page.get(key, [])
        else:
            yield from getattr(client, operation)(**kwargs).get(key, [])

    def for_each(self, items: Iterable[T], collect_one: Callable[[T], R]) -> list[R]:
        """``collect_one`` over ``items`` with up to ``DETAIL_WORKERS`` in flight; results in input order.

        ``collect_one`` should use ``call`` for its API calls, so that one failing
        resource records a gap instead of raising.
        """
        batch = list(items)
        if len(batch) < 2:
            return [collect_one(item) for item in batch]
        with ThreadPoolExecutor(max_workers=min(DETAIL_WORKERS, len(batch)), thread_name_prefix="detail") as pool:
            return list(pool.map(collect_one, batch))

    def call(
        self,
        client: Any,
        operation: str,
        *,
        resource: str | None = None,
        absent: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Call one operation for a detail of a resource.

        Returns None when the error code is in ``absent`` (the configuration is
        simply not there, e.g. ``NoSuchBucketPolicy``) or when the call failed;
        a failure is recorded as a coverage gap on ``resource`` and the
        collection goes on.
        """
        try:
            return getattr(client, operation)(**kwargs)
        except ClientError as exc:
            if error_code(exc) in absent:
                return None
            self.record_gap(exc, operation=operation, resource=resource)
            return None
        except BotoCoreError as exc:
            self.record_gap(exc, operation=operation, resource=resource)
            return None

    def record_gap(self, exc: Exception, *, operation: str | None = None, resource: str | None = None) -> None:
        """Record what could not be collected, so it is never mistaken for a clean result."""
        reason, message = classify(exc)
        self.part.gaps.append(
            CoverageGap(
                service=self.service,
                reason=reason,  # type: ignore[arg-type]
                message=message,
                region=self.part.region,
                operation=operation,
                resource=resource,
            )
        )

    # --- output -------------------------------------------------------------

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str | None = None) -> str:
        """An ARN in this task's partition (region and account default to the task's)."""
        reg = self.part.region if region is None else region
        acct = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{reg or ''}:{acct}:{resource}"

    @property
    def account_id(self) -> str:
        """The node id of this task's account."""
        return account_node_id(self.partition, self.account)

    def add(self, node: Node) -> Node:
        """Emit a collected node (defaults: cloud aws, this account and region)."""
        if node.account is None:
            node.account = self.account
        if node.region is None and self.part.region:
            node.region = self.part.region
        self.part.nodes.append(node)
        return node

    def reference(self, node_id: str, kind: str, name: str = "", **fields: Any) -> str:
        """Declare a node known only by reference (kept only if nothing collects it)."""
        self.part.references.append(
            Node(id=node_id, cloud="aws", kind=kind, name=name or node_id.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
                 reference=True, **fields)
        )
        return node_id

    def edge(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """Emit a fact edge; its endpoints must be nodes or references of some task."""
        self.part.edges.append(Edge(source=source, target=target, kind=kind, detail=detail))

    def patch(self, node_id: str, props: dict[str, Any]) -> None:
        """Contribute facets to a node another task owns (deep-merged after collection)."""
        self.part.patches.append((node_id, props))


def account_node_id(partition: str, account: str) -> str:
    """The id of an AWS account node: the ARN of its root principal."""
    return f"arn:{partition}:iam::{account}:root"
