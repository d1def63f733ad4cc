"""Facts that need more than one task's view, computed once after the merge."""

from __future__ import annotations

from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot


def finalize(snapshot: Snapshot) -> None:
    """Derive account-wide summaries that span regions (e.g. where CloudTrail logs)."""
    accounts = {n.account: n for n in snapshot.nodes if n.kind == "account" and n.cloud == "aws"}
    trails = [n for n in snapshot.nodes if n.kind == "logging.trail" and n.cloud == "aws" and not n.reference]
    incomplete = {
        src.account for src in snapshot.sources if "cloudtrail" not in src.services or any(
            g.service == "cloudtrail" for g in src.errors)
    }
    for account_id, account in accounts.items():
        if account_id in incomplete:
            account.props["cloudtrail"] = None  # unknown: a gap must not read as "no trail"
            continue
        regions = sorted(account.props.get("regions") or [])
        logged: set[str] = set()
        multi = False
        validated = False
        master = (account.props.get("organization") or {}).get("master_account")
        for trail in (t for t in trails if _logs_account(t, account_id, master)):
            if not (trail.props.get("logging") or {}).get("enabled"):
                continue
            if trail.props.get("multi_region"):
                multi = True
                logged.update(regions)
                validated = validated or bool(trail.props.get("log_validation"))
            elif trail.region:
                logged.add(trail.region)
        account.props["cloudtrail"] = {
            "multi_region_logging": multi,
            "multi_region_log_validation": validated,
            "regions": regions,
            "regions_logged": sorted(logged),
            "regions_unlogged": sorted(set(regions) - logged),
        }


def _logs_account(trail: Node, account_id: str | None, master: str | None) -> bool:
    """A trail logs its own account, and an organization trail every account of its organization."""
    if trail.account == account_id:
        return True
    return bool(trail.props.get("organization_trail")) and master is not None and trail.account == master
