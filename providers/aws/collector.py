"""AWS collection: independent (account x region x service) tasks, run in a bounded pool, merged.

A task is plain data (``CollectTask``) and ``run_task`` needs nothing but it and
an account session, so the same tasks can be handed to a distributed executor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from cloudwarden.graph.merge import Partial, merge_partials
from cloudwarden.graph.model import CoverageGap, Node
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.context import GLOBAL_REGION, AccountSession, AwsContext, account_node_id
from cloudwarden.providers.aws.finalize import finalize
from cloudwarden.providers.aws.scope import AwsScope, account_sessions, enabled_regions
from cloudwarden.providers.aws.services import ServiceSpec, all_services

log = logging.getLogger("cloudwarden.aws")

Progress = Callable[[int, int, str], None]


class UnknownServiceError(ValueError):
    """A ``--service`` name that cloudwarden does not collect."""


@dataclass(frozen=True)
class CollectTask:
    """One unit of collection: a service in a region of an account."""

    account: str
    region: str
    service: str


def plan_tasks(accounts: Iterable[str], regions: list[str], services: Iterable[ServiceSpec]) -> list[CollectTask]:
    """Every (account x region x service) task; global services get one task per account."""
    tasks = []
    specs = list(services)
    for account in accounts:
        for spec in specs:
            for region in [GLOBAL_REGION] if spec.scope == "global" else regions:
                tasks.append(CollectTask(account, region, spec.name))
    return tasks


def run_task(task: CollectTask, session: AccountSession, home_region: str, spec: ServiceSpec) -> Partial:
    """Run one task; any failure of the service as a whole becomes a coverage gap, never an exception."""
    ctx = AwsContext(session, task.region, task.service, home_region)
    try:
        spec.collect(ctx)
    except Exception as exc:  # noqa: BLE001 - one service failing must not stop the scan
        log.debug("task %s failed", task, exc_info=True)
        ctx.record_gap(exc)
    return ctx.part


def select_services(names: list[str]) -> list[ServiceSpec]:
    """The requested services (all when none are named)."""
    specs = all_services()
    unknown = sorted(set(names) - set(specs))
    if unknown:
        raise UnknownServiceError(f"unknown AWS service(s): {', '.join(unknown)}; known: {', '.join(sorted(specs))}")
    return [specs[n] for n in names] if names else list(specs.values())


def account_partial(session: AccountSession, regions: list[str]) -> Partial:
    """The account node itself, which service tasks patch with account-wide facets."""
    part = Partial("aws", session.account, None, "account")
    part.nodes.append(
        Node(
            id=account_node_id(session.partition, session.account),
            cloud="aws",
            kind="account",
            native_type="AWS::Organizations::Account",
            account=session.account,
            name=session.account,
            props={"regions": regions},
        )
    )
    return part


def collect_aws(scope: AwsScope, tool_version: str, progress: Progress | None = None) -> Snapshot:
    """Collect every requested account, region and service into one snapshot."""
    specs = {s.name: s for s in select_services(scope.services)}
    sessions, home = account_sessions(scope)
    by_account = {s.account: s for s in sessions}
    partials: list[Partial] = []
    tasks: list[CollectTask] = []
    for session in sessions:
        regions = sorted(set(scope.regions)) or enabled_regions(session, home)
        partials.append(account_partial(session, regions))
        tasks.extend(plan_tasks([session.account], regions, specs.values()))
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, scope.max_workers), thread_name_prefix="aws") as pool:
        futures = {pool.submit(run_task, t, by_account[t.account], home, specs[t.service]): t for t in tasks}
        for fut in as_completed(futures):
            partials.append(fut.result())
            done += 1
            if progress:
                task = futures[fut]
                progress(done, len(tasks), f"{task.account} {task.region} {task.service}")
    snapshot = merge_partials(partials, tool_version)
    finalize(snapshot)
    for src in snapshot.sources:
        if src.errors:
            log.warning("%s: %d coverage gap(s)", src.account, len(src.errors))
    return snapshot


def gap_summary(gaps: list[CoverageGap]) -> str:
    """A one-line count of gaps by reason."""
    counts: dict[str, int] = {}
    for gap in gaps:
        counts[gap.reason] = counts.get(gap.reason, 0) + 1
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
