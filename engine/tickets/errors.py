"""Named errors of ``tickets sync``; every one is a one-line message and exit code 2."""

from __future__ import annotations


class TicketsError(Exception):
    """Base of every error ``tickets sync`` reports (exit 2, one line on stderr)."""


class TicketsInputError(TicketsError):
    """Bad input: flags, ``--to`` target, findings file, missing credentials, state file."""


class TargetError(TicketsInputError):
    """A ``--to`` value that is not ``github:OWNER/REPO``, ``jira:PROJECT`` or ``webhook:URL``."""


class CredentialsError(TicketsInputError):
    """A token or base URL the tracker needs is missing or unsafe to use."""


class TrackerError(TicketsError):
    """The tracker refused a request or could not be reached after retries."""


class TrackerAuthError(TrackerError):
    """The tracker refused the credentials (401) or the permission (403)."""


class RateLimitError(TrackerError):
    """Still rate limited after the retries, or the wait would exceed ``--max-wait``."""
