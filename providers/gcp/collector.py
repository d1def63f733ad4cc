"""GCP collection: Resource Manager hierarchy + Asset Inventory per scope, run in a bounded pool, normalized.

Each target (organization, folder or project scope) gives independent tasks:
the hierarchy walk (with the organization policies the scope inherits) and one
``ListAssets`` per content type (resources, IAM policies, organization policies).
A task that fails records a coverage gap for its scope and the others go on.
Roles referenced by bindings but known from nowhere else are read from the IAM
API afterwards. The records, all in the Cloud Asset Inventory shape, go through
the same normalizer as an offline export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cloudwarden.graph.merge import Partial, merge_partials
from cloudwarden.graph.model import CoverageGap
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.gcp.asset_inventory import (
    CLOUD_ASSET,
    CONTENT_TYPES,
    default_retry,
    list_assets,
    select_asset_types,
)
from cloudwarden.providers.gcp.credentials import (
    GcpConnection,
    load_credentials,
    resolve_endpoint,
    verify_credentials,
)
from cloudwarden.providers.gcp.details.org_policies import effective_policies
from cloudwarden.providers.gcp.errors import gap_for
from cloudwarden.providers.gcp.hierarchy import HierarchyWalker
from cloudwarden.providers.gcp.role_catalog_live import (
    IAM,
    LIST_THRESHOLD,
    RoleReader,
    missing_roles,
    role_record,
)
from cloudwarden.providers.gcp.scope import (
    RESOURCE_MANAGER,
    GcpScope,
    ScanTarget,
    resolve_targets,
)
from google.api_core import retry as retries
from google.auth.credentials import Credentials

log = logging.getLogger("cloudwarden.gcp")

Progress = Callable[[int, int, str], None]
CONTENT_PARTS = ("resource", "iam_policy", "org_policy")


@dataclass
class TaskResult:
    """What one task produced: inventory records and gaps filed under an account."""

    label: str
    account: str
    service: str
    records: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)


def inventory_task(conn: GcpConnection, target: ScanTarget, content_type: str, asset_types: list[str],
                   retry: retries.Retry | None) -> TaskResult:
    """``ListAssets`` of one content type on one scope; any failure is the scope's coverage gap."""
    result = TaskResult(f"{target.scope} {content_type.lower()}", target.account, CLOUD_ASSET)
    try:
        result.records = list_assets(conn, target.scope, content_type, asset_types, retry)
    except Exception as exc:
        log.debug("ListAssets %s %s failed", target.scope, content_type, exc_info=True)
        result.gaps.append(gap_for(exc, CLOUD_ASSET, f"ListAssets({content_type})", target.scope))
    return result


def hierarchy_task(walker: HierarchyWalker, target: ScanTarget) -> TaskResult:
    """The target's ancestry (with IAM policies) and contents from Resource Manager, and the org policies
    its scope inherits from above."""
    result = TaskResult(f"{target.scope} hierarchy", target.account, RESOURCE_MANAGER, gaps=list(target.gaps))
    try:
        walked = walker.walk(target)
        result.records, result.gaps = walked.records, result.gaps + walked.gaps
    except Exception as exc:
        log.debug("hierarchy walk of %s failed", target.scope, exc_info=True)
        result.gaps.append(gap_for(exc, RESOURCE_MANAGER, "WalkHierarchy", target.scope))
        return result
    if target.kind != "organizations" and walked.ancestors and walked.ancestors[0].split("/")[1].isdigit():
        records, gaps = effective_policies(walker.conn, walked.ancestors[0], walked.ancestors, walker.retry)
        result.records = records + result.records  # first, so the effective value wins over policies set below
        result.gaps.extend(gaps)
    return result


def role_owner(role: str, default: str) -> str:
    """The account a role's gap belongs to: its project, its organization, or the run's first target."""
    if role.startswith("projects/"):
        return role.split("/")[1]
    if role.startswith("organizations/"):
        return "/".join(role.split("/")[:2])
    return default


def role_tasks(reader: RoleReader, roles: list[str], default_account: str) -> list[Callable[[], TaskResult]]:
    """One task per missing role, or one paged list of every predefined role when many are missing."""
    predefined = [r for r in roles if r.startswith("roles/")]
    custom = [r for r in roles if not r.startswith("roles/")]
    tasks: list[Callable[[], TaskResult]] = []

    def one(role: str) -> TaskResult:
        result = TaskResult(role, role_owner(role, default_account), IAM)
        try:
            result.records.append(role_record(reader.get(role)))
        except Exception as exc:  # noqa: BLE001 - the role stays unknown (permissions null), with a gap
            result.gaps.append(gap_for(exc, IAM, "GetRole", role))
        return result

    def listed() -> TaskResult:
        result = TaskResult("predefined roles", default_account, IAM)
        wanted = set(predefined)
        try:
            result.records = [role_record(r) for r in reader.list_predefined() if r["name"] in wanted]
        except Exception as exc:  # noqa: BLE001
            result.gaps.append(gap_for(exc, IAM, "ListRoles", "roles"))
        return result

    singles = custom
    if len(predefined) > LIST_THRESHOLD:
        tasks.append(listed)
    else:
        singles = predefined + custom
    tasks.extend((lambda r=role: one(r)) for role in singles)
    return tasks


def combine_records(hierarchy: list[dict[str, Any]], inventory: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inventory records, de-duplicated across overlapping scopes, after the hierarchy parts CAI did not give."""
    seen: set[tuple[str, str]] = set()
    unique: list[dict[str, Any]] = []
    for record in inventory:
        keys = {(str(record.get("name")), p) for p in CONTENT_PARTS if record.get(p)}
        if keys and keys <= seen:
            continue
        seen |= keys
        unique.append(record)
    out: list[dict[str, Any]] = []
    for record in hierarchy:
        name = str(record.get("name"))
        # Resource and IAM policy: the inventory's copy is kept. Org policies: the hierarchy's are
        # effective values (inheritance applied), kept in front of what the inventory says is set.
        trimmed = {k: v for k, v in record.items() if not (k in ("resource", "iam_policy") and (name, k) in seen)}
        parts = {p for p in CONTENT_PARTS if trimmed.get(p)}
        if parts:
            out.append(trimmed)
            seen |= {(name, p) for p in parts if p != "org_policy"}
    return out + unique


def run_normalizer(records: list[dict[str, Any]], now: datetime | None = None) -> list[Partial]:
    """The shared pure normalizer (``providers/gcp/normalize``) over every record of the run."""
    from cloudwarden.providers.gcp.normalize import normalize

    return list(normalize(records, now=now))


def fold_gaps(gaps: list[CoverageGap]) -> list[CoverageGap]:
    """One gap per (service, reason, resource, message): a scope denied for every content type is one fact,
    its operations listed together (``ListAssets(RESOURCE,IAM_POLICY)``)."""
    folded: dict[tuple[str, str, str | None, str], CoverageGap] = {}
    for gap in gaps:
        key = (gap.service, gap.reason, gap.resource, gap.message)
        seen = folded.get(key)
        if seen is None:
            folded[key] = CoverageGap(service=gap.service, reason=gap.reason, message=gap.message,
                                      region=gap.region, operation=gap.operation, resource=gap.resource)
        elif gap.operation and gap.operation != seen.operation:
            seen.operation = _join_operations(seen.operation, gap.operation)
    return list(folded.values())


def _join_operations(first: str | None, second: str) -> str:
    if first and first.endswith(")") and second.endswith(")") and first.split("(")[0] == second.split("(")[0]:
        kinds = first[first.index("(") + 1:-1].split(",") + [second[second.index("(") + 1:-1]]
        return f"{first.split('(')[0]}({','.join(dict.fromkeys(kinds))})"
    return f"{first}, {second}" if first else second


def coverage_partials(targets: list[ScanTarget], results: list[TaskResult]) -> list[Partial]:
    """Partials that carry no nodes, only the services each account was read through and their gaps."""
    parts: dict[tuple[str, str], Partial] = {}
    for target in targets:
        for service in (RESOURCE_MANAGER, CLOUD_ASSET):
            parts[(target.account, service)] = Partial("gcp", target.account, None, service)
    for result in sorted(results, key=lambda r: r.label):
        parts.setdefault((result.account, result.service), Partial("gcp", result.account, None, result.service))
        for gap in result.gaps:
            key = (result.account, gap.service)
            parts.setdefault(key, Partial("gcp", result.account, None, gap.service)).gaps.append(gap)
    for part in parts.values():
        part.gaps = fold_gaps(part.gaps)
    return list(parts.values())


def _run(pool: ThreadPoolExecutor, tasks: list[Callable[[], TaskResult]], done: list[int], total: int,
         progress: Progress | None) -> list[TaskResult]:
    futures: list[Future[TaskResult]] = [pool.submit(t) for t in tasks]
    results = []
    for fut in as_completed(futures):
        result = fut.result()
        results.append(result)
        done[0] += 1
        if progress:
            progress(done[0], total, result.label)
    return results


def collect_gcp(scope: GcpScope, tool_version: str, progress: Progress | None = None,
                credentials: Credentials | None = None, retry: retries.Retry | None = None,
                now: datetime | None = None) -> Snapshot:
    """Collect every target scope into one snapshot.

    ``credentials`` replaces the flags' credentials (tests pass
    ``AnonymousCredentials()``); ``now`` fixes the clock ages are measured
    against (reproducible demos); ``retry`` replaces the default backoff on
    429/5xx (tests pass a fast, short one).
    """
    endpoint = resolve_endpoint(scope.endpoint)
    creds = credentials if credentials is not None else load_credentials(
        scope.key_file, scope.impersonate_service_account, endpoint)
    verify_credentials(creds)
    conn = GcpConnection(creds, endpoint, scope.quota_project)
    targets = resolve_targets(scope, conn, retry or default_retry())
    asset_types = select_asset_types(scope.asset_types)
    walker = HierarchyWalker(conn, retry)
    tasks: list[Callable[[], TaskResult]] = []
    for target in targets:
        tasks.append(lambda t=target: hierarchy_task(walker, t))
        for content in CONTENT_TYPES:
            tasks.append(lambda t=target, c=content: inventory_task(conn, t, c, asset_types, retry))
    done = [0]
    with ThreadPoolExecutor(max_workers=max(1, scope.max_workers), thread_name_prefix="gcp") as pool:
        results = _run(pool, tasks, done, len(tasks) + 1, progress)
        hierarchy = [r for res in results if res.service == RESOURCE_MANAGER for r in res.records]
        inventory = [r for res in sorted(results, key=lambda x: x.label) if res.service == CLOUD_ASSET
                     for r in res.records]
        records = combine_records(hierarchy, inventory)
        roles = missing_roles(records)
        role_jobs = role_tasks(RoleReader(conn, retry), roles, targets[0].account) if roles else []
        role_results = _run(pool, role_jobs, done, len(tasks) + len(role_jobs), progress)
    if not role_jobs and progress:
        progress(done[0] + 1, done[0] + 1, "no role to read")  # the step counted in the first phase's total
    records.extend(r for res in role_results for r in res.records)
    results.extend(role_results)
    partials = run_normalizer(records, now) + coverage_partials(targets, results)
    snapshot = merge_partials(partials, tool_version)
    for src in snapshot.sources:
        if src.errors:
            log.warning("%s: %d coverage gap(s)", src.account, len(src.errors))
    return snapshot
