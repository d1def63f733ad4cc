"""Ticket drafts: what should be open, from the findings of one run.

A draft has a ``key``, the fingerprint a ticket carries so the next run finds it again:
with ``--group-by finding`` the finding's own id (``sha256(policy, resource)``), with
``--group-by policy`` a fingerprint of the policy alone, so the two modes never share a ticket.

Suppressed findings are treated as resolved: they produce no draft, and a ticket already
open for them is resolved (with the reason "suppressed"). Findings below ``--min-severity``
are treated the same way (reason "below the severity threshold").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cloudwarden.engine.findings import SEVERITY_ORDER, Finding, fingerprint
from cloudwarden.engine.findings_file import FindingsFileError, load_findings
from cloudwarden.engine.tickets.errors import TicketsInputError

GROUP_BY: tuple[str, ...] = ("finding", "policy")

# Keys end up in HTML comments, Jira labels and JQL: only a safe alphabet is accepted.
SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

REASON_RESOLVED = "resolved"
REASON_SUPPRESSED = "suppressed"
REASON_BELOW_THRESHOLD = "below the severity threshold"


def group_key(policy_id: str) -> str:
    """The key of the ticket that groups every finding of ``policy_id``."""
    return fingerprint(policy_id, "cloudwarden:policy-group")


@dataclass(frozen=True)
class TicketDraft:
    """One ticket as it should be: a finding, or every finding of one policy."""

    key: str
    group_by: str
    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        """The finding that names the policy (every finding of a draft shares it)."""
        return self.findings[0]

    @property
    def policy(self) -> str:
        """The policy id."""
        return self.first.policy

    @property
    def severity(self) -> str:
        """The highest severity among the findings."""
        return max((f.severity for f in self.findings), key=lambda s: SEVERITY_ORDER.get(s, -1))


@dataclass(frozen=True)
class Desired:
    """The drafts of a run, and why the keys seen only as excluded findings are not wanted."""

    drafts: dict[str, TicketDraft]
    excluded: dict[str, str] = field(default_factory=dict)  # key -> reason (suppressed, threshold)

    def reason(self, key: str) -> str:
        """Why no ticket should be open for ``key``."""
        return self.excluded.get(key, REASON_RESOLVED)


def read_findings(path: str | Path) -> list[Finding]:
    """The findings of a ``cloudwarden.findings/v1`` file, every id checked for a safe alphabet."""
    try:
        findings = load_findings(path)
    except FindingsFileError as exc:
        raise TicketsInputError(f"findings file {exc}") from None
    for index, finding in enumerate(findings):
        if not SAFE_KEY.match(finding.id):
            raise TicketsInputError(f"findings file {path}: finding {index} has an id that is not a fingerprint: "
                                    f"{finding.id[:40]!r}")
        if finding.severity not in SEVERITY_ORDER:
            raise TicketsInputError(f"findings file {path}: finding {finding.id} has an unknown severity "
                                    f"{finding.severity[:20]!r}")
    return findings


def _key(finding: Finding, group_by: str) -> str:
    return finding.id if group_by == "finding" else group_key(finding.policy)


def desired_tickets(findings: Iterable[Finding], group_by: str = "finding", min_severity: str | None = None) -> Desired:
    """The drafts for the findings that want a ticket (unsuppressed, at or above ``min_severity``)."""
    if group_by not in GROUP_BY:
        raise TicketsInputError(f"--group-by must be one of {', '.join(GROUP_BY)}, got {group_by!r}")
    floor = SEVERITY_ORDER[min_severity] if min_severity else -1
    members: dict[str, list[Finding]] = {}
    excluded: dict[str, str] = {}
    seen: set[str] = set()
    for finding in findings:
        if finding.id in seen:  # a file merged from two scans may repeat a finding
            continue
        seen.add(finding.id)
        key = _key(finding, group_by)
        if finding.suppressed:
            excluded.setdefault(key, REASON_SUPPRESSED)
        elif SEVERITY_ORDER[finding.severity] < floor:
            excluded.setdefault(key, REASON_BELOW_THRESHOLD)
        else:
            members.setdefault(key, []).append(finding)
    drafts = {
        key: TicketDraft(key=key, group_by=group_by, findings=tuple(sorted(group, key=lambda f: f.resource.id)))
        for key, group in members.items()
    }
    return Desired(drafts=drafts, excluded={k: r for k, r in excluded.items() if k not in drafts})
