"""Jira issues through the REST API: v3 (Jira Cloud, the default) or v2 (Data Center / Server).

- Scope: ``project = KEY AND labels = "cloudwarden"`` (one ``labels =`` clause per ``--label``).
  v3 pages with ``POST /rest/api/3/search/jql`` and ``nextPageToken``; v2 with
  ``POST /rest/api/2/search`` and ``startAt``/``total``.
- Key: the label ``cloudwarden-fp-KEY`` on each issue (JQL-searchable, and labels survive any
  edit of the description); the digest sits in the description's last paragraph, with the key.
- Body: v3 takes Atlassian Document Format (text nodes, so estate values cannot become markup or
  mentions); v2 takes wiki markup with every special character escaped.
- Close / reopen: ``GET .../issue/{key}/transitions``, then ``POST`` the transition whose target
  status category is ``done`` (preferring one named "Done") or, to reopen, ``new`` (else
  ``indeterminate``). A workflow without such a transition is a ``TrackerError`` naming the issue.
- Auth: ``JIRA_EMAIL`` + ``JIRA_API_TOKEN`` as basic auth (Cloud API tokens), else ``JIRA_TOKEN``
  as a bearer token (Data Center personal access tokens); base URL ``--api-url`` or ``JIRA_URL``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from cloudwarden.engine.tickets.body import (
    Block,
    Bullets,
    Code,
    CodeBlock,
    Heading,
    Inline,
    Paragraph,
    Strong,
    TicketContent,
    one_line,
    read_marker,
    spaced,
)
from cloudwarden.engine.tickets.errors import CredentialsError, TrackerError
from cloudwarden.engine.tickets.model import SAFE_KEY, TicketDraft
from cloudwarden.engine.tickets.sync import RESOLVED_LABEL, RemoteTicket
from cloudwarden.engine.tickets.transport import HttpClient, Redactor, check_base_url

PROJECT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
API_VERSIONS: tuple[str, ...] = ("3", "2")
FINGERPRINT_LABEL = "cloudwarden-fp-"
FIELDS = ["summary", "status", "labels", "description"]
PAGE = 100


def jira_client(env: Mapping[str, str], api_url: str | None, redactor: Redactor, **options: Any) -> HttpClient:
    """A client with basic (``JIRA_EMAIL``/``JIRA_API_TOKEN``) or bearer (``JIRA_TOKEN``) auth."""
    url = api_url or env.get("JIRA_URL")
    if not url:
        raise CredentialsError("Jira needs its base URL: set JIRA_URL (e.g. https://example.atlassian.net) "
                               "or pass --api-url")
    email, api_token, bearer = env.get("JIRA_EMAIL"), env.get("JIRA_API_TOKEN"), env.get("JIRA_TOKEN")
    if email and api_token:
        pair = f"{email}:{api_token}"
        encoded = base64.b64encode(pair.encode()).decode()
        redactor.add(api_token, pair, encoded)
        auth = f"Basic {encoded}"
    elif bearer:
        redactor.add(bearer)
        auth = f"Bearer {bearer}"
    else:
        raise CredentialsError("Jira needs credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) "
                               "or JIRA_TOKEN (a bearer token)")
    base = check_base_url(url, "the Jira URL")
    return HttpClient(base, "Jira", headers={"Authorization": auth}, redactor=redactor,
                      **{"default_wait": 5.0, **options})


# --- Atlassian Document Format (v3) and wiki markup (v2) --------------------------------------


def _adf_inline(parts: tuple[Inline, ...]) -> list[dict[str, Any]]:
    nodes = []
    for part in parts:
        text = one_line(part.text) if isinstance(part, Code) else spaced(part.text)
        if not text:  # ADF rejects empty text nodes
            continue
        node: dict[str, Any] = {"type": "text", "text": text}
        if isinstance(part, (Code, Strong)):
            node["marks"] = [{"type": "code" if isinstance(part, Code) else "strong"}]
        nodes.append(node)
    return nodes


def _adf_block(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": block.text}]}
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "content": _adf_inline(block.parts)}
    if isinstance(block, Bullets):
        return {"type": "bulletList", "content": [
            {"type": "listItem", "content": [{"type": "paragraph", "content": _adf_inline(item)}]}
            for item in block.items]}
    assert isinstance(block, CodeBlock)
    return {"type": "codeBlock", "attrs": {"language": block.language},
            "content": [{"type": "text", "text": block.text}] if block.text else []}


def _adf_doc(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": nodes}


def adf(content: TicketContent) -> dict[str, Any]:
    """The v3 description: the blocks, then a paragraph with the marker."""
    marker = {"type": "paragraph", "content": [{"type": "text", "text": content.marker}]}
    return _adf_doc([*(_adf_block(b) for b in content.blocks), marker])


_WIKI_SPECIAL = re.compile(r"([\\{}\[\]*_+^~?|!#\-])")


def _wiki_text(text: str) -> str:
    return _WIKI_SPECIAL.sub(r"\\\1", spaced(text))


def _wiki_inline(parts: tuple[Inline, ...]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Code):
            out.append("{{" + (_wiki_text(part.text) or " ") + "}}")
        elif isinstance(part, Strong):
            out.append(f"*{_wiki_text(part.text.strip())}*" + (" " if part.text.endswith(" ") else ""))
        else:
            out.append(_wiki_text(part.text))
    return "".join(out)


def wiki(content: TicketContent) -> str:
    """The v2 description in wiki markup, the marker last (our own safe alphabet, unescaped)."""
    lines: list[str] = []
    for block in content.blocks:
        if isinstance(block, Heading):
            lines += [f"h3. {_wiki_text(block.text)}", ""]
        elif isinstance(block, Paragraph):
            lines += [_wiki_inline(block.parts), ""]
        elif isinstance(block, Bullets):
            lines += [f"* {_wiki_inline(item)}" for item in block.items] + [""]
        else:  # {noformat} renders nothing inside; only its own closing tag must be broken
            lines += ["{noformat}", block.text.replace("{noformat}", "{ noformat}"), "{noformat}", ""]
    lines.append(content.marker)
    return "\n".join(lines)


def description_text(description: Any) -> str:
    """The text of a description: a v2 string, or every text node of a v3 document."""
    if isinstance(description, str):
        return description
    texts: list[str] = []
    stack = [description]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            stack.extend(reversed(node.get("content") or []))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return "\n".join(texts)


# --- the tracker ------------------------------------------------------------------------------


class JiraTracker:
    """Issues of one project, in scope by labels, keyed by a fingerprint label."""

    name = "jira"

    def __init__(self, project: str, client: HttpClient, labels: tuple[str, ...], api_version: str = "3",
                 issue_type: str = "Task") -> None:
        self.project = project
        self.client = client
        self.labels = labels
        self.v3 = api_version == "3"
        self.api = f"/rest/api/{api_version}"
        self.issue_type = issue_type

    def jql(self) -> str:
        """The search for every issue in scope (project and labels are validated identifiers)."""
        clauses = [f'project = "{self.project}"', *(f'labels = "{label}"' for label in self.labels)]
        return " AND ".join(clauses) + " ORDER BY created ASC"

    def existing(self) -> list[RemoteTicket]:
        """Every issue in scope, following ``nextPageToken`` (v3) or ``startAt`` (v2)."""
        issues: list[dict[str, Any]] = []
        query: dict[str, Any] = {"jql": self.jql(), "fields": FIELDS, "maxResults": PAGE}
        while True:
            if self.v3:
                page = self.client.request("POST", f"{self.api}/search/jql", body=query).json() or {}
            else:
                query["startAt"] = len(issues)
                page = self.client.request("POST", f"{self.api}/search", body=query).json() or {}
            batch = page.get("issues") or []
            issues += batch
            if self.v3:
                token = page.get("nextPageToken")
                if not token or page.get("isLast") or not batch:
                    break
                query["nextPageToken"] = token
            elif not batch or len(issues) >= int(page.get("total") or 0):
                break
        return [t for t in (self._ticket(issue) for issue in issues) if t is not None]

    def _ticket(self, issue: dict[str, Any]) -> RemoteTicket | None:
        fields = issue.get("fields") or {}
        labels = tuple(str(label) for label in fields.get("labels") or [])
        key = next((lab[len(FINGERPRINT_LABEL):] for lab in labels if lab.startswith(FINGERPRINT_LABEL)), None)
        if key is None or not SAFE_KEY.match(key):
            return None
        _, digest = read_marker(description_text(fields.get("description")))
        category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
        return RemoteTicket(key=key, ref=issue["key"], is_open=category != "done", title=fields.get("summary") or "",
                            digest=digest, resolved_mark=RESOLVED_LABEL in labels,
                            url=f"{self.client.base_url}/browse/{issue['key']}", labels=labels, native=issue["key"])

    def _description(self, content: TicketContent) -> Any:
        return adf(content) if self.v3 else wiki(content)

    def open(self, draft: TicketDraft, content: TicketContent) -> RemoteTicket:
        """``POST /rest/api/N/issue`` with the scope and fingerprint labels."""
        labels = [*self.labels, FINGERPRINT_LABEL + content.key]
        created = self.client.request("POST", f"{self.api}/issue", expect=(201,), body={"fields": {
            "project": {"key": self.project}, "summary": content.title, "issuetype": {"name": self.issue_type},
            "labels": labels, "description": self._description(content)}}).json()
        key = created["key"]
        return RemoteTicket(key=content.key, ref=key, is_open=True, title=content.title, digest=content.digest,
                            url=f"{self.client.base_url}/browse/{key}", labels=tuple(labels), native=key)

    def _edit(self, ticket: RemoteTicket, body: dict[str, Any]) -> None:
        self.client.request("PUT", f"{self.api}/issue/{ticket.native}", body=body, expect=(204,))

    def _comment(self, ticket: RemoteTicket, text: str) -> None:
        body = _adf_doc([{"type": "paragraph", "content": [{"type": "text", "text": text}]}]) if self.v3 \
            else _wiki_text(text)
        self.client.request("POST", f"{self.api}/issue/{ticket.native}/comment", body={"body": body}, expect=(201,))

    def _transition(self, ticket: RemoteTicket, done: bool) -> None:
        listing = self.client.request("GET", f"{self.api}/issue/{ticket.native}/transitions").json() or {}

        def category(t: dict[str, Any]) -> str:
            return str(((t.get("to") or {}).get("statusCategory") or {}).get("key") or "")

        candidates = [t for t in listing.get("transitions") or [] if (category(t) == "done") == done]
        if done:
            candidates.sort(key=lambda t: str(t.get("name")).lower() != "done")
        else:
            candidates.sort(key=lambda t: category(t) != "new")
        if not candidates:
            raise TrackerError(f"Jira: {ticket.ref} has no transition to a {'done' if done else 'not-done'} status "
                               "in its workflow; move it by hand, then rerun")
        self.client.request("POST", f"{self.api}/issue/{ticket.native}/transitions",
                            body={"transition": {"id": str(candidates[0]["id"])}}, expect=(204,))

    def update(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent) -> None:
        """New summary and description."""
        self._edit(ticket, {"fields": {"summary": content.title, "description": self._description(content)}})

    def regress(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent | None, comment: str) -> None:
        """Reopen through the workflow if done, drop the resolved label, refresh content, comment."""
        if not ticket.is_open:
            self._transition(ticket, done=False)
        edit: dict[str, Any] = {}
        if content is not None:
            edit["fields"] = {"summary": content.title, "description": self._description(content)}
        if ticket.resolved_mark:
            edit["update"] = {"labels": [{"remove": RESOLVED_LABEL}]}
        if edit:
            self._edit(ticket, edit)
        self._comment(ticket, comment)

    def resolve(self, ticket: RemoteTicket, comment: str, close: bool, reason: str) -> None:
        """The comment, then the transition to done or the resolved label."""
        self._comment(ticket, comment)
        if close:
            self._transition(ticket, done=True)
        else:
            self._edit(ticket, {"update": {"labels": [{"add": RESOLVED_LABEL}]}})
