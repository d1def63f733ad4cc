"""GitHub issues through the REST API (version 2022-11-28).

- Scope: the issues carrying every ``--label`` (default ``cloudwarden``), listed with
  ``GET /repos/{owner}/{repo}/issues?labels=...&state=all&per_page=100`` and the ``Link`` header's
  ``rel="next"`` (pull requests, which that endpoint also returns, are skipped).
- Key: the hidden marker ``<!-- cloudwarden:fingerprint=KEY cloudwarden:digest=HEX -->`` in the
  body (one label per fingerprint would flood the repository's label list).
- Create ``POST /repos/{o}/{r}/issues``; title, body, state and labels ``PATCH .../issues/{n}``;
  comments ``POST .../issues/{n}/comments``. Closing says ``state_reason: completed`` (finding
  gone) or ``not_planned`` (suppressed); reopening says ``reopened``.
- Auth: ``Authorization: Bearer`` with ``GITHUB_TOKEN`` (else ``GH_TOKEN``); base URL ``--api-url``,
  else ``GITHUB_API_URL`` (GitHub Enterprise: ``https://HOST/api/v3``), else api.github.com.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cloudwarden.engine.tickets.body import TicketContent, markdown, read_marker
from cloudwarden.engine.tickets.errors import CredentialsError, TrackerError
from cloudwarden.engine.tickets.model import REASON_SUPPRESSED, TicketDraft
from cloudwarden.engine.tickets.sync import RESOLVED_LABEL, RemoteTicket
from cloudwarden.engine.tickets.transport import HttpClient, Redactor, check_base_url

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    for url, rel in _LINK.findall(header or ""):
        if "next" in rel.split():
            return url
    return None


def github_client(env: Mapping[str, str], api_url: str | None, redactor: Redactor, **options: Any) -> HttpClient:
    """A client for the GitHub REST API with the token from ``GITHUB_TOKEN`` or ``GH_TOKEN``."""
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise CredentialsError("GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN) in the environment")
    redactor.add(token)
    base = check_base_url(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL, "the GitHub API URL")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": API_VERSION}
    return HttpClient(base, "GitHub", headers=headers, redactor=redactor, **{"write_interval": 1.0, **options})


class GitHubTracker:
    """Issues of one repository, in scope by labels, keyed by the body marker."""

    name = "github"

    def __init__(self, repo: str, client: HttpClient, labels: tuple[str, ...]) -> None:
        self.repo = repo
        self.client = client
        self.labels = labels
        self._issues = f"/repos/{repo}/issues"

    def existing(self) -> list[RemoteTicket]:
        """Every issue with the scope labels and a cloudwarden marker, open and closed, oldest first."""
        params = {"labels": ",".join(self.labels), "state": "all", "sort": "created", "direction": "asc",
                  "per_page": 100}
        found: list[RemoteTicket] = []
        url: str | None = self._issues
        first = True
        while url:
            response = self.client.request("GET", url, params=params if first else None)
            first = False
            page = response.json()
            if not isinstance(page, list):
                raise TrackerError("GitHub: the issue listing is not a JSON array")
            found += [t for t in (self._ticket(item) for item in page) if t is not None]
            url = next_link(response.header("Link"))
        return found

    def _ticket(self, issue: dict[str, Any]) -> RemoteTicket | None:
        if "pull_request" in issue:
            return None
        key, digest = read_marker(issue.get("body") or "")
        if key is None:
            return None
        labels = tuple(lab["name"] if isinstance(lab, dict) else str(lab) for lab in issue.get("labels") or [])
        return RemoteTicket(key=key, ref=f"#{issue['number']}", is_open=issue.get("state") == "open",
                            title=issue.get("title") or "", digest=digest, resolved_mark=RESOLVED_LABEL in labels,
                            url=issue.get("html_url"), labels=labels, native=issue["number"])

    def open(self, draft: TicketDraft, content: TicketContent) -> RemoteTicket:
        """``POST /repos/{o}/{r}/issues`` with the scope labels."""
        issue = self.client.request("POST", self._issues, expect=(201,), body={
            "title": content.title, "body": markdown(content), "labels": list(self.labels)}).json()
        ticket = self._ticket(issue)
        if ticket is None:
            raise TrackerError("GitHub: the created issue came back without its marker")
        return ticket

    def _patch(self, ticket: RemoteTicket, fields: dict[str, Any]) -> None:
        self.client.request("PATCH", f"{self._issues}/{ticket.native}", body=fields)

    def _comment(self, ticket: RemoteTicket, text: str) -> None:
        self.client.request("POST", f"{self._issues}/{ticket.native}/comments", body={"body": text}, expect=(201,))

    def update(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent) -> None:
        """New title and body, nothing else."""
        self._patch(ticket, {"title": content.title, "body": markdown(content)})

    def regress(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent | None, comment: str) -> None:
        """One PATCH (state, labels, content as needed), then the comment."""
        fields: dict[str, Any] = {}
        if not ticket.is_open:
            fields.update(state="open", state_reason="reopened")
        if ticket.resolved_mark:
            fields["labels"] = [name for name in ticket.labels if name != RESOLVED_LABEL]
        if content is not None:
            fields.update(title=content.title, body=markdown(content))
        if fields:
            self._patch(ticket, fields)
        self._comment(ticket, comment)

    def resolve(self, ticket: RemoteTicket, comment: str, close: bool, reason: str) -> None:
        """The comment, then close (not planned when suppressed) or add the resolved label."""
        self._comment(ticket, comment)
        if close:
            self._patch(ticket, {"state": "closed",
                                 "state_reason": "not_planned" if reason == REASON_SUPPRESSED else "completed"})
        else:
            self._patch(ticket, {"labels": [*ticket.labels, RESOLVED_LABEL]})
