"""The reconciliation: compare the tickets a run wants with those the tracker has, by key.

For each wanted key:
- no ticket: **open** one;
- a closed ticket, or an open one already commented as resolved: **regress** (reopen if closed,
  one "regressed" comment, body refreshed if its content changed);
- an open ticket whose digest differs: **update** its title and body (no comment);
- otherwise nothing.
For each ticket (in scope) whose key is not wanted and that is still open: **close** it with a
comment (``--on-resolved close``), or leave it open with one comment and the resolved label
(``--on-resolved comment``; a later run does not comment again). Suppressed findings and findings
below ``--min-severity`` count as not wanted; the comment says which.

Several tickets with one key (a copy made by hand, a crash between create and list): the first
open one in creation order is the ticket; the others are reported as duplicates and left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cloudwarden.engine.tickets.body import TicketContent, ticket_content
from cloudwarden.engine.tickets.model import REASON_BELOW_THRESHOLD, REASON_SUPPRESSED, Desired, TicketDraft

ON_RESOLVED: tuple[str, ...] = ("close", "comment")
RESOLVED_LABEL = "cloudwarden-resolved"

REGRESSED_COMMENT = "cloudwarden: this finding is back (regressed): the latest scan reports it again."
_RESOLVED_WHY = {
    REASON_SUPPRESSED: "cloudwarden: the finding is suppressed (accepted in the suppressions file).",
    REASON_BELOW_THRESHOLD: "cloudwarden: the finding is below the --min-severity threshold of this sync.",
}
_RESOLVED_DEFAULT = "cloudwarden: the finding is no longer present in the latest scan."


def resolved_comment(reason: str, close: bool) -> str:
    """The comment left on a ticket whose finding is gone (or suppressed, or below threshold)."""
    why = _RESOLVED_WHY.get(reason, _RESOLVED_DEFAULT)
    return f"{why} {'Closing.' if close else 'Leaving the ticket open (--on-resolved comment).'}"


@dataclass(frozen=True)
class RemoteTicket:
    """A ticket as the tracker has it, found by the key in its marker or labels."""

    key: str
    ref: str  # what people call it: "#12", "SEC-3", the key itself for webhooks
    is_open: bool
    title: str = ""
    digest: str | None = None
    resolved_mark: bool = False
    url: str | None = None
    labels: tuple[str, ...] = ()
    native: Any = None  # the tracker's own handle (issue number, issue key)


class Tracker(Protocol):
    """What a ticket destination does; every method is one change, applied or raising."""

    name: str

    def existing(self) -> list[RemoteTicket]:
        """Every ticket in scope (open and closed), oldest first."""
        ...

    def open(self, draft: TicketDraft, content: TicketContent) -> RemoteTicket:
        """Create the ticket for ``draft``."""
        ...

    def update(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent) -> None:
        """Replace title and body (the content changed, the finding did not come or go)."""
        ...

    def regress(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent | None, comment: str) -> None:
        """Reopen if closed, drop the resolved label, comment once; new content if not ``None``."""
        ...

    def resolve(self, ticket: RemoteTicket, comment: str, close: bool, reason: str) -> None:
        """Comment, then close (``close``) or add the resolved label."""
        ...


@dataclass(frozen=True)
class Change:
    """One planned change: ``open``, ``update``, ``regress``, ``close`` or ``comment``."""

    action: str
    key: str
    title: str
    ticket: RemoteTicket | None = None
    draft: TicketDraft | None = None
    content: TicketContent | None = None
    reason: str = ""


@dataclass
class Plan:
    """The changes of a sync, what stays as it is, and duplicate tickets left alone."""

    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    duplicates: list[RemoteTicket] = field(default_factory=list)


def pick(tickets: list[RemoteTicket]) -> tuple[dict[str, RemoteTicket], list[RemoteTicket]]:
    """One ticket per key (the first open one, else the latest closed one) and the duplicates."""
    chosen: dict[str, RemoteTicket] = {}
    for ticket in tickets:
        current = chosen.get(ticket.key)
        if current is None or not current.is_open:  # an open one stays; a closed one yields to any later
            chosen[ticket.key] = ticket
    ids = {id(t) for t in chosen.values()}
    return chosen, [t for t in tickets if id(t) not in ids]


def make_plan(desired: Desired, existing: list[RemoteTicket], on_resolved: str = "close") -> Plan:
    """The changes that bring the tracker to ``desired``, in a stable order (by key)."""
    if on_resolved not in ON_RESOLVED:
        raise ValueError(f"on_resolved must be one of {ON_RESOLVED}")
    tickets, duplicates = pick(existing)
    plan = Plan(duplicates=duplicates)
    for key in sorted(desired.drafts):
        draft = desired.drafts[key]
        content = ticket_content(draft)
        ticket = tickets.get(key)
        if ticket is None:
            plan.changes.append(Change("open", key, content.title, draft=draft, content=content))
        elif not ticket.is_open or ticket.resolved_mark:
            fresh = content if ticket.digest != content.digest else None
            plan.changes.append(Change("regress", key, content.title, ticket, draft, fresh))
        elif ticket.digest != content.digest:
            plan.changes.append(Change("update", key, content.title, ticket, draft, content))
        else:
            plan.unchanged += 1
    for key in sorted(set(tickets) - set(desired.drafts)):
        ticket = tickets[key]
        if not ticket.is_open:
            continue
        if on_resolved == "close":
            plan.changes.append(Change("close", key, ticket.title, ticket, reason=desired.reason(key)))
        elif not ticket.resolved_mark:
            plan.changes.append(Change("comment", key, ticket.title, ticket, reason=desired.reason(key)))
        else:
            plan.unchanged += 1
    return plan


def apply_plan(plan: Plan, tracker: Tracker, report: Callable[[Change, RemoteTicket | None], None]) -> None:
    """Apply each change in order, calling ``report`` after each (a failure stops the sync there).

    Stopping midway is safe: every change is keyed by the fingerprint, so the next run starts
    from what the tracker then holds and finishes the rest.
    """
    for change in plan.changes:
        ticket = change.ticket
        if change.action == "open":
            assert change.draft is not None and change.content is not None
            ticket = tracker.open(change.draft, change.content)
        elif change.action == "update":
            assert ticket is not None and change.draft is not None and change.content is not None
            tracker.update(ticket, change.draft, change.content)
        elif change.action == "regress":
            assert ticket is not None and change.draft is not None
            tracker.regress(ticket, change.draft, change.content, REGRESSED_COMMENT)
        else:
            assert ticket is not None
            close = change.action == "close"
            tracker.resolve(ticket, resolved_comment(change.reason, close), close, change.reason)
        report(change, ticket)
