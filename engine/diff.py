"""``cloudwarden diff OLD NEW``: what changed between two scans, by finding fingerprint.

OLD and NEW are scan ids of the history store, ``latest`` / ``previous``, or findings JSON
files (``scan --format json``). A finding is *new* when its fingerprint is only in NEW,
*resolved* when only in OLD, *unchanged* when in both (with severity changes listed). A finding
that disappears because NEW did not evaluate its policy or did not scan its account is not
resolved: it is listed as *not checked* (known for scans from the store).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from cloudwarden.engine.findings import SEVERITY_ORDER
from cloudwarden.engine.store import Store, UnknownScanError, open_store
from rich.console import Console
from rich.table import Table
from rich.text import Text

SCHEMA = "cloudwarden.diff/v1"
FINDINGS_SCHEMA = "cloudwarden.findings/v1"


class DiffInputError(Exception):
    """A side of the diff that cannot be read (missing file, not a findings document)."""


@dataclass
class FindingSet:
    """One side of a diff: its findings by fingerprint and what is known about its scope."""

    label: str
    header: dict[str, Any]
    findings: dict[str, dict[str, Any]]
    policies: set[str] | None = None  # the policies evaluated, when known
    accounts: set[str] | None = None  # the accounts scanned, when known
    coverage_gaps: int | None = None
    missing_previous: bool = False  # ``previous`` asked of a store holding a single scan


@dataclass
class DiffResult:
    """The comparison of two finding sets."""

    old: FindingSet
    new: FindingSet
    added: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    severity_changed: list[dict[str, Any]] = field(default_factory=list)
    not_checked: list[dict[str, Any]] = field(default_factory=list)

    def failing(self, threshold: str) -> list[dict[str, Any]]:
        """Unsuppressed new findings at or above ``threshold``, and findings whose severity rose to it."""
        floor = SEVERITY_ORDER[threshold]
        found = [f for f in self.added if not f.get("suppressed") and SEVERITY_ORDER[f["severity"]] >= floor]
        for change in self.severity_changed:
            rose = SEVERITY_ORDER[change["old_severity"]] < floor <= SEVERITY_ORDER[change["severity"]]
            if rose and not change.get("suppressed"):
                found.append(change)
        return found

    def warnings(self) -> list[str]:
        """Reasons a reader should not take "resolved" at face value."""
        notes = []
        if self.new.coverage_gaps:
            notes.append(f"{self.new.label} has {self.new.coverage_gaps} coverage gap(s): a finding that "
                         "disappeared may not have been checked")
        if self.not_checked:
            notes.append(f"{len(self.not_checked)} finding(s) of {self.old.label} were not checked by "
                         f"{self.new.label} (policy not evaluated or account not scanned)")
        return notes

    def summary(self) -> dict[str, Any]:
        """Counts of each kind of change."""
        by_severity = {s: 0 for s in SEVERITY_ORDER}
        for f in self.added:
            if not f.get("suppressed"):
                by_severity[f["severity"]] += 1
        return {"new": len(self.added), "new_by_severity": by_severity, "resolved": len(self.resolved),
                "unchanged": len(self.unchanged), "severity_changed": len(self.severity_changed),
                "not_checked": len(self.not_checked)}

    def to_json(self) -> dict[str, Any]:
        """The ``cloudwarden.diff/v1`` document."""
        return {"schema": SCHEMA, "from": self.old.header, "to": self.new.header, "summary": self.summary(),
                "warnings": self.warnings(), "new": self.added, "resolved": self.resolved,
                "severity_changed": self.severity_changed, "not_checked": self.not_checked,
                "unchanged": [_compact(f) for f in self.unchanged]}


def _compact(f: dict[str, Any]) -> dict[str, Any]:
    resource = f.get("resource", {})
    return {"id": f["id"], "policy": f["policy"], "severity": f["severity"], "suppressed": bool(f.get("suppressed")),
            "resource": {k: resource.get(k) for k in ("id", "kind", "name")}}


def compare(old: FindingSet, new: FindingSet) -> DiffResult:
    """Classify every fingerprint of either side (order: severity, then policy, then resource)."""
    result = DiffResult(old=old, new=new)
    for fid, f in new.findings.items():
        before = old.findings.get(fid)
        if before is None:
            result.added.append(f)
            continue
        result.unchanged.append(f)
        if before["severity"] != f["severity"]:
            result.severity_changed.append({**_compact(f), "old_severity": before["severity"]})
    for fid, f in old.findings.items():
        if fid in new.findings:
            continue
        reason = _unchecked(f, new)
        if reason:
            result.not_checked.append({**_compact(f), "reason": reason})
        else:
            result.resolved.append(f)
    for bucket in (result.added, result.resolved, result.unchanged, result.severity_changed, result.not_checked):
        bucket.sort(key=lambda f: (-SEVERITY_ORDER.get(f["severity"], 0), f["policy"], f["resource"]["id"]))
    return result


def _unchecked(f: dict[str, Any], new: FindingSet) -> str | None:
    if new.policies is not None and f["policy"] not in new.policies:
        return f"policy {f['policy']} was not evaluated"
    account = f.get("resource", {}).get("account")
    if new.accounts and account and account not in new.accounts:
        return f"account {account} was not scanned"
    return None


# --- loading sides ------------------------------------------------------------------------------


def is_store_ref(ref: str) -> bool:
    """Scan ids and ``latest``/``previous`` name scans in the store; anything else is a file."""
    return ref.isdigit() or ref in ("latest", "previous")


def from_store(store: Store, ref: str) -> FindingSet:
    """A recorded scan as a finding set.

    ``previous`` in a store with a single scan is the empty set, so a scheduled job's first
    run reports every finding as new instead of failing.
    """
    try:
        row = store.resolve(ref)
    except UnknownScanError:
        if ref == "previous" and len(store.scans(limit=2)) == 1:
            return FindingSet(label="no previous scan", header={"scan": None}, findings={}, missing_previous=True)
        raise
    findings = {f["id"]: f for f in store.findings(row.id)}
    return FindingSet(label=f"scan {row.id}", header={"scan": row.to_json()}, findings=findings,
                      policies=set(row.meta.policies), accounts=set(row.meta.accounts) or None,
                      coverage_gaps=row.meta.coverage_gaps)


def from_file(path: str) -> FindingSet:
    """A findings JSON document (``scan --format json``) as a finding set."""
    try:
        data = json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise DiffInputError(f"{path}: no such findings file (nor a scan id, latest or previous)") from None
    except OSError as exc:
        raise DiffInputError(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise DiffInputError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != FINDINGS_SCHEMA:
        raise DiffInputError(f"{path}: not a findings document (expected schema {FINDINGS_SCHEMA})")
    findings: dict[str, dict[str, Any]] = {}
    for i, f in enumerate(data.get("findings") or []):
        ok = (isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("policy"), str)
              and f.get("severity") in SEVERITY_ORDER and isinstance(f.get("resource"), dict)
              and isinstance(f["resource"].get("id"), str))
        if not ok:
            raise DiffInputError(f"{path}: findings[{i}] lacks id, policy, severity or resource.id")
        findings[f["id"]] = f
    snapshot = data.get("snapshot") or {}
    gaps = data.get("coverage")
    return FindingSet(label=path, header={"file": path, "snapshot": snapshot}, findings=findings,
                      coverage_gaps=len(gaps) if isinstance(gaps, list) else None)


def load_sides(old_ref: str, new_ref: str, store_arg: str | None) -> tuple[FindingSet, FindingSet]:
    """Both sides, opening the store only when a side names a scan."""
    refs = (old_ref, new_ref)
    if not any(is_store_ref(r) for r in refs):
        return from_file(old_ref), from_file(new_ref)
    with open_store(store_arg, create=False) as store:
        old, new = (from_store(store, r) if is_store_ref(r) else from_file(r) for r in refs)
        return old, new


# --- rendering ----------------------------------------------------------------------------------


def render_json(result: DiffResult) -> str:
    """Indented JSON."""
    return msgspec.json.format(msgspec.json.encode(result.to_json()), indent=2).decode() + "\n"


def _where(f: dict[str, Any]) -> str:
    r = f.get("resource", {})
    return f"{r.get('kind', '')} {r.get('name') or r.get('id', '')}".strip()


def render_table(result: DiffResult, width: int | None = None) -> str:
    """Sections for new, resolved, severity changes and unchecked findings, then the counts."""
    buf = io.StringIO()
    # Resource names are untrusted: never parse them as rich markup.
    console = Console(file=buf, width=width or 160, no_color=True, highlight=False, markup=False, emoji=False)
    console.print(Text(f"{result.old.label} -> {result.new.label}", style="bold"))
    sections = (("NEW", result.added, "message"), ("RESOLVED", result.resolved, "message"),
                ("SEVERITY CHANGED", result.severity_changed, "old_severity"),
                ("NOT CHECKED", result.not_checked, "reason"))
    for title, rows, extra in sections:
        if not rows:
            continue
        table = Table(title=Text(f"{title} ({len(rows)})"), title_justify="left")
        for column in ("severity", "policy", "resource", extra.replace("_", " ")):
            table.add_column(column)
        for f in rows:
            severity = f["severity"] + (" (suppressed)" if f.get("suppressed") else "")
            table.add_row(severity, f["policy"], _where(f), str(f.get(extra, "")))
        console.print(table)
    s = result.summary()
    console.print(f"{s['new']} new, {s['resolved']} resolved, {s['unchanged']} unchanged, "
                  f"{s['severity_changed']} severity change(s), {s['not_checked']} not checked")
    for note in result.warnings():
        console.print(f"note: {note}")
    return buf.getvalue()


def run_diff(args: argparse.Namespace) -> int:
    """The ``diff`` subcommand; exit 1 with ``--fail-on-new`` when NEW adds findings at or above it."""
    from cloudwarden.graph.snapshot import atomic_write_bytes

    old, new = load_sides(args.old, args.new, args.store)
    if old.missing_previous:
        print(f"cloudwarden: {new.label} is the first recorded scan: every finding is new", file=sys.stderr)
    result = compare(old, new)
    report = render_json(result) if args.format == "json" else render_table(result)
    if args.output:
        atomic_write_bytes(Path(args.output), report.encode())
    else:
        sys.stdout.write(report)
    if args.fail_on_new and result.failing(args.fail_on_new):
        return 1
    return 0
