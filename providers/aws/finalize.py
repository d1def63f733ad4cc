"""Facts that need more than one task's view, computed once after the merge."""

from __future__ import annotations

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
        for trail in (t for t in trails if t.account == account_id):
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
