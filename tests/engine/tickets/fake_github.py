"""A fake of the GitHub REST API's issue endpoints, following the documented shapes (2022-11-28).

- ``GET /repos/{o}/{r}/issues``: ``labels`` (comma-separated, all must match), ``state``
  (``open`` by default, ``closed``, ``all``), ``sort=created``, ``direction`` (``desc`` by default),
  ``per_page`` (30 by default, at most 100, and at most ``page_limit`` here to force paging),
  ``page``; a ``Link`` header with ``next``/``last``/``prev``/``first``; pull requests are listed
  too, with a ``pull_request`` key, as GitHub does.
- ``POST /repos/{o}/{r}/issues`` (201), ``PATCH /repos/{o}/{r}/issues/{n}`` (200),
  ``POST`` / ``GET /repos/{o}/{r}/issues/{n}/comments`` (201 / 200).
- 401 ``Requires authentication`` without an ``Authorization`` header, ``Bad credentials`` with a
  wrong token; 404 ``Not Found`` for another repository; 422 ``Validation Failed`` without a title.
- Every reply carries the ``x-ratelimit-*`` headers; ``rate_limited()`` stages the documented
  primary-limit reply (403, remaining 0, reset a second ahead).
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

from tests.engine.tickets.fake_http import FakeServer, Reply, Request

DOCS = "https://docs.github.com/rest"


class FakeGitHub(FakeServer):
    """One repository's issues, in memory."""

    def __init__(self, token: str = "ghp_fake_token_0123456789", repo: str = "acme/infra", page_limit: int = 100,
                 echo_auth_on_401: bool = False) -> None:
        super().__init__()
        self.token, self.repo, self.page_limit = token, repo, page_limit
        self.echo_auth_on_401 = echo_auth_on_401  # a hostile or buggy server echoing what it was sent
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self._next = 1

    # --- seeding and inspection ---------------------------------------------------------------

    def add_issue(self, title: str, body: str = "", labels: tuple[str, ...] = (), state: str = "open",
                  pull_request: bool = False) -> dict[str, Any]:
        """An issue (or pull request) as if made earlier, by a person or a previous run."""
        number = self._next
        self._next += 1
        issue = {
            "id": 1000 + number, "node_id": f"I_{number}", "number": number, "title": title, "body": body,
            "state": state, "state_reason": None, "locked": False,
            "labels": [self._label(name) for name in labels], "comments": 0,
            "url": f"{self.url}/repos/{self.repo}/issues/{number}",
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
            "user": {"login": "cloudwarden-bot", "id": 1, "type": "Bot"},
            "created_at": f"2025-01-01T00:00:{number % 60:02d}Z", "updated_at": "2025-01-01T00:00:00Z",
            "closed_at": None if state == "open" else "2025-01-01T00:00:00Z",
        }
        if pull_request:
            issue["pull_request"] = {"url": f"{self.url}/repos/{self.repo}/pulls/{number}"}
        self.issues[number] = issue
        self.comments[number] = []
        return issue

    @staticmethod
    def _label(name: str) -> dict[str, Any]:
        return {"id": abs(hash(name)) % 10**8, "name": name, "color": "ededed", "default": False, "description": None}

    def tickets(self) -> list[dict[str, Any]]:
        """Issues (not pull requests), by number."""
        return [i for _, i in sorted(self.issues.items()) if "pull_request" not in i]

    @staticmethod
    def rate_limited(seconds: int = 1) -> Reply:
        """The documented primary rate-limit reply."""
        reset = int(time.time()) + seconds
        return Reply(403, {"message": "API rate limit exceeded for user ID 1.", "documentation_url": DOCS},
                     {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                      "x-ratelimit-reset": str(reset), "x-ratelimit-resource": "core"})

    # --- routing --------------------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        reply = self._route(request)
        reply.headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                         "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-resource": "core",
                         "x-github-api-version-selected": "2022-11-28", **reply.headers}
        return reply

    def _route(self, request: Request) -> Reply:
        auth = request.header("Authorization")
        if not auth:
            return Reply(401, {"message": "Requires authentication", "documentation_url": DOCS})
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            message = "Bad credentials" + (f" ({auth})" if self.echo_auth_on_401 else "")
            return Reply(401, {"message": message, "documentation_url": DOCS})
        version = request.header("X-GitHub-Api-Version")
        if version and version != "2022-11-28":
            return Reply(400, {"message": f"Unsupported 'X-GitHub-Api-Version' header: {version}"})
        base = f"/repos/{self.repo}/issues"
        parts = request.path.split("/")
        if request.path == base and request.method == "GET":
            return self._list(request)
        if request.path == base and request.method == "POST":
            return self._create(request.body or {})
        if request.path.startswith(base + "/") and len(parts) >= 6 and parts[5].isdigit():
            number = int(parts[5])
            if number not in self.issues:
                return Reply(404, {"message": "Not Found", "documentation_url": DOCS})
            if len(parts) == 6 and request.method == "PATCH":
                return self._update(number, request.body or {})
            if len(parts) == 7 and parts[6] == "comments":
                if request.method == "POST":
                    return self._comment(number, request.body or {})
                return Reply(200, self.comments[number])
        return Reply(404, {"message": "Not Found", "documentation_url": DOCS})

    def _list(self, request: Request) -> Reply:
        query = request.query
        wanted = [name for name in (query.get("labels") or "").split(",") if name]
        state = query.get("state", "open")
        per_page = min(int(query.get("per_page", 30)), 100, self.page_limit)
        page = int(query.get("page", 1))
        items = [i for _, i in sorted(self.issues.items(), reverse=query.get("direction", "desc") == "desc")
                 if (state == "all" or i["state"] == state)
                 and all(name in {lab["name"] for lab in i["labels"]} for name in wanted)]
        last = max(1, -(-len(items) // per_page))
        links = []

        def link(number: int, rel: str) -> str:
            return f'<{self.url}{request.path}?{urllib.parse.urlencode({**query, "page": number})}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, items[(page - 1) * per_page: page * per_page], headers)

    def _create(self, body: dict[str, Any]) -> Reply:
        if not body.get("title"):
            return Reply(422, {"message": "Validation Failed", "documentation_url": DOCS,
                               "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]})
        issue = self.add_issue(body["title"], body.get("body") or "", tuple(body.get("labels") or ()))
        return Reply(201, issue)

    def _update(self, number: int, body: dict[str, Any]) -> Reply:
        issue = self.issues[number]
        for name in ("title", "body"):
            if name in body:
                issue[name] = body[name]
        if "state" in body:
            if body["state"] not in ("open", "closed"):
                return Reply(422, {"message": "Validation Failed", "documentation_url": DOCS})
            issue["state"] = body["state"]
            issue["state_reason"] = body.get("state_reason")
            issue["closed_at"] = None if body["state"] == "open" else "2025-01-02T00:00:00Z"
        if "labels" in body:
            issue["labels"] = [self._label(name) for name in body["labels"]]
        return Reply(200, issue)

    def _comment(self, number: int, body: dict[str, Any]) -> Reply:
        if not body.get("body"):
            return Reply(422, {"message": "Validation Failed", "documentation_url": DOCS})
        comment = {"id": 5000 + sum(len(c) for c in self.comments.values()), "body": body["body"],
                   "user": {"login": "cloudwarden-bot"}, "created_at": "2025-01-02T00:00:00Z",
                   "html_url": f"https://github.com/{self.repo}/issues/{number}#issuecomment-1"}
        self.comments[number].append(comment)
        self.issues[number]["comments"] += 1
        return Reply(201, comment)
