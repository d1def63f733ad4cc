"""``cloudwarden history``: recorded scans with their counts by severity and the trend.

Counts are of unsuppressed findings (what ``--fail-on`` would count); each scan's delta is
against the scan recorded just before it, even when that one is beyond ``--limit``.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import msgspec
from cloudwarden.engine.findings import SEVERITY_ORDER
from cloudwarden.engine.store import (
    ScanRow,
    Store,
    StoreMissingError,
    open_store,
    store_path,
)
from rich.console import Console
from rich.table import Table
from rich.text import Text

SCHEMA = "cloudwarden.history/v1"
SEVERITIES = sorted(SEVERITY_ORDER, key=lambda s: -SEVERITY_ORDER[s])


def _signed(n: int | None) -> str:
    return "" if n is None else f"{n:+d}"


def scan_entries(store: Store, limit: int, by_policy: bool = False) -> list[dict[str, Any]]:
    """The newest ``limit`` scans as plain data, newest first, each with counts and delta."""
    rows = store.scans(limit=limit)
    if not rows:
        return []
    before = store.previous(rows[-1].id)
    chain: list[ScanRow] = rows + ([before] if before else [])
    ids = [r.id for r in chain]
    severities = store.severity_counts(ids)
    policies = store.policy_counts(ids) if by_policy else {}
    entries = []
    for i, row in enumerate(rows):
        counts = {s: severities[row.id].get(s, 0) for s in SEVERITIES}
        entry: dict[str, Any] = {**row.to_json(), "counts": {"total": sum(counts.values()), "by_severity": counts,
                                                              "suppressed": row.summary.get("suppressed", 0)}}
        older = chain[i + 1] if i + 1 < len(chain) else None
        if older is None:
            entry["delta"] = None
        else:
            old_counts = {s: severities[older.id].get(s, 0) for s in SEVERITIES}
            entry["delta"] = {"against": older.id, "total": sum(counts.values()) - sum(old_counts.values()),
                              "by_severity": {s: counts[s] - old_counts[s] for s in SEVERITIES}}
        if by_policy:
            mine = policies[row.id]
            entry["by_policy"] = dict(sorted(mine.items()))
            if older is not None:
                theirs = policies[older.id]
                entry["policy_delta"] = {p: mine.get(p, 0) - theirs.get(p, 0)
                                         for p in sorted(set(mine) | set(theirs)) if mine.get(p, 0) != theirs.get(p, 0)}
        entries.append(entry)
    return entries


def trend(store: Store, limit: int = 30) -> tuple[dict[str, Any], ...]:
    """Counts by severity of the newest ``limit`` scans, oldest first (the HTML report's chart)."""
    rows = list(reversed(store.scans(limit=limit)))
    counts = store.severity_counts(r.id for r in rows)
    return tuple({"id": r.id, "finished_at": r.meta.finished_at,
                  "by_severity": {s: counts[r.id].get(s, 0) for s in SEVERITIES}} for r in rows)


def render_json(entries: list[dict[str, Any]], path: Path) -> str:
    """The ``cloudwarden.history/v1`` document."""
    doc = {"schema": SCHEMA, "store": str(path), "scans": entries}
    return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode() + "\n"


def render_table(entries: list[dict[str, Any]], by_policy: bool = False, width: int | None = None) -> str:
    """One row per scan (newest first); with ``by_policy`` a policy-by-scan table follows."""
    buf = io.StringIO()
    console = Console(file=buf, width=width or 160, no_color=True, highlight=False, markup=False, emoji=False)
    if not entries:
        console.print("no scans recorded")
        return buf.getvalue()
    table = Table(title=Text(f"SCANS ({len(entries)})"), title_justify="left")
    for column in ("id", "finished", "source", "accounts", *SEVERITIES, "total", "delta", "suppressed", "gaps"):
        table.add_column(column, justify="right" if column in (*SEVERITIES, "total", "delta", "suppressed", "gaps",
                                                                "id") else "left")
    for e in entries:
        accounts = ",".join(e["accounts"]) if len(e["accounts"]) <= 2 else f"{len(e['accounts'])} accounts"
        delta = e["delta"]["total"] if e["delta"] else None
        table.add_row(str(e["id"]), e["finished_at"], _short_source(e["source"]), accounts,
                      *(str(e["counts"]["by_severity"][s]) for s in SEVERITIES), str(e["counts"]["total"]),
                      _signed(delta), str(e["counts"]["suppressed"]), str(e["coverage_gaps"]))
    console.print(table)
    if by_policy:
        console.print(_policy_table(entries))
    return buf.getvalue()


def _short_source(source: str) -> str:
    return source if source in ("live", "demo") else Path(source).name


def _policy_table(entries: list[dict[str, Any]]) -> Table:
    chronological = list(reversed(entries))
    table = Table(title=Text("FINDINGS BY POLICY"), title_justify="left")
    table.add_column("policy")
    for e in chronological:
        table.add_column(f"#{e['id']}", justify="right")
    table.add_column("delta", justify="right")
    policies = sorted({p for e in entries for p in e.get("by_policy", {})} | set(entries[0].get("policy_delta", {})))
    latest_delta = entries[0].get("policy_delta", {})
    for policy in policies:
        cells = [str(e.get("by_policy", {}).get(policy, 0)) for e in chronological]
        table.add_row(policy, *cells, _signed(latest_delta.get(policy, 0)) if latest_delta.get(policy) else "")
    return table


def run_history(args: argparse.Namespace) -> int:
    """The ``history`` subcommand; a store that does not exist yet is an empty history."""
    from cloudwarden.graph.snapshot import atomic_write_bytes

    path, _ = store_path(args.store)
    try:
        with open_store(args.store, create=False) as store:
            entries = scan_entries(store, args.limit, args.by_policy)
    except StoreMissingError:
        print(f"cloudwarden: no scan history at {path} yet", file=sys.stderr)
        entries = []
    report = render_json(entries, path) if args.format == "json" else render_table(entries, args.by_policy)
    if args.output:
        atomic_write_bytes(Path(args.output), report.encode())
    else:
        sys.stdout.write(report)
    return 0
