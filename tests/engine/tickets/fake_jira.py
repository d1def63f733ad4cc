"""A fake of the Jira REST API (Cloud v3 and Data Center v2) for issues, following the documented shapes.

- ``POST /rest/api/3/search/jql`` ``{jql, fields, maxResults, nextPageToken}`` ->
  ``{issues, nextPageToken?, isLast}`` (no token on the last page, as Jira Cloud does);
  ``POST /rest/api/2/search`` ``{jql, startAt, maxResults, fields}`` -> ``{startAt, maxResults, total, issues}``.
  JQL: ``field = "value"`` clauses joined by ``AND`` (``project``, ``labels``), optional ``ORDER BY created ASC|DESC``.
- ``POST .../issue`` (201 ``{id, key, self}``): v3 needs an Atlassian Document as description, v2 a
  string; labels may not contain spaces; the issue type must exist.
- ``PUT .../issue/{key}`` (204): ``fields`` (summary, description) and ``update.labels`` add/remove.
- ``POST .../issue/{key}/comment`` (201); ``GET``/``POST .../issue/{key}/transitions`` (200 / 204)
  with a To Do -> In Progress -> Done workflow and Reopen from Done.
- 401 without or with wrong credentials (basic ``email:api_token`` or bearer); ``rate_limited()``
  stages a 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.engine.tickets.fake_http import FakeServer, Reply, Request

STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
TRANSITIONS = {  # from status -> [(id, name, to status)]
    "To Do": [("21", "Start progress", "In Progress"), ("31", "Done", "Done")],
    "In Progress": [("11", "Stop progress", "To Do"), ("31", "Done", "Done")],
    "Done": [("41", "Reopen", "To Do")],
}
_CLAUSE = re.compile(r'^\s*(\w+)\s*=\s*"?([^"]*?)"?\s*$')


def _error(status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"errorMessages": messages or [], "errors": errors or {}})


class FakeJira(FakeServer):
    """One Jira site with one or more projects, in memory."""

    def __init__(self, email: str = "bot@example.com", api_token: str = "jira-api-token-0123456789",
                 bearer: str | None = None, projects: tuple[str, ...] = ("SEC",), page_limit: int = 100) -> None:
        super().__init__()
        self.email, self.api_token, self.bearer = email, api_token, bearer
        self.projects, self.page_limit = projects, page_limit
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self._next = 1

    # --- seeding and inspection ---------------------------------------------------------------

    def add_issue(self, project: str, summary: str, labels: list[str], description: Any = None,
                  status: str = "To Do") -> dict[str, Any]:
        """An issue as if made earlier."""
        key = f"{project}-{self._next}"
        self._next += 1
        self.issues[key] = {"id": str(10000 + len(self.issues)), "key": key, "self": f"{self.url}/rest/api/3/issue/{key}",
                            "fields": {"summary": summary, "labels": list(labels), "description": description,
                                       "status": self._status(status), "project": {"key": project},
                                       "created": f"2025-01-01T00:00:{len(self.issues) % 60:02d}.000+0000"}}
        self.comments[key] = []
        return self.issues[key]

    @staticmethod
    def _status(name: str) -> dict[str, Any]:
        category = STATUSES[name]
        return {"name": name, "statusCategory": {"key": category, "name": category.title()}}

    def status(self, key: str) -> str:
        """The status name of an issue."""
        return self.issues[key]["fields"]["status"]["name"]

    @staticmethod
    def rate_limited(seconds: int = 1) -> Reply:
        """Jira Cloud's 429 with ``Retry-After``."""
        reset = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
        return Reply(429, {"errorMessages": ["Rate limit exceeded."]},
                     {"Retry-After": str(seconds), "X-RateLimit-Reset": reset})

    # --- routing --------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        auth = request.header("Authorization") or ""
        basic = base64.b64encode(f"{self.email}:{self.api_token}".encode()).decode()
        return auth == f"Basic {basic}" or (self.bearer is not None and auth == f"Bearer {self.bearer}")

    def route(self, request: Request) -> Reply:
        if not self._authorized(request):
            return _error(401, ["You are not authenticated. Authentication required to perform this operation."])
        match = re.match(r"^/rest/api/(2|3)(/.*)$", request.path)
        if not match:
            return _error(404, ["Not found"])
        version, path = match.groups()
        body = request.body if isinstance(request.body, dict) else {}
        if path == "/search/jql" and version == "3" and request.method == "POST":
            return self._search_v3(body)
        if path == "/search" and version == "2" and request.method == "POST":
            return self._search_v2(body)
        if path == "/issue" and request.method == "POST":
            return self._create(version, body)
        parts = path.split("/")  # ['', 'issue', KEY, ...]
        if len(parts) >= 3 and parts[1] == "issue":
            key = parts[2]
            if key not in self.issues:
                return _error(404, ["Issue does not exist or you do not have permission to see it."])
            tail = parts[3] if len(parts) > 3 else ""
            if not tail and request.method == "PUT":
                return self._edit(version, key, body)
            if tail == "comment" and request.method == "POST":
                return self._comment(version, key, body)
            if tail == "transitions":
                return self._transitions(key, request.method, body)
        return _error(404, ["Not found"])

    def _matching(self, jql: str) -> list[dict[str, Any]] | Reply:
        where, _, order = jql.partition(" ORDER BY ")
        found = list(self.issues.values())
        for clause in where.split(" AND "):
            m = _CLAUSE.match(clause)
            if not m or m.group(1) not in ("project", "labels"):
                return _error(400, [f"Error in the JQL Query: cannot parse {clause!r}."])
            name, value = m.groups()
            if name == "project":
                found = [i for i in found if i["fields"]["project"]["key"].lower() == value.lower()]
            else:
                found = [i for i in found if value in i["fields"]["labels"]]
        return sorted(found, key=lambda i: int(i["id"]), reverse=order.strip().lower() == "created desc")

    def _view(self, issue: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        wanted = fields or ["summary", "status", "labels", "description"]
        return {"id": issue["id"], "key": issue["key"], "self": issue["self"],
                "fields": {f: issue["fields"].get(f) for f in wanted}}

    def _search_v3(self, body: dict[str, Any]) -> Reply:
        found = self._matching(str(body.get("jql") or ""))
        if isinstance(found, Reply):
            return found
        size = min(int(body.get("maxResults") or 50), 5000, self.page_limit)
        start = int(base64.b64decode(body["nextPageToken"]).decode()) if body.get("nextPageToken") else 0
        page = found[start:start + size]
        reply: dict[str, Any] = {"issues": [self._view(i, body.get("fields") or []) for i in page],
                                 "isLast": start + size >= len(found)}
        if not reply["isLast"]:
            reply["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return Reply(200, reply)

    def _search_v2(self, body: dict[str, Any]) -> Reply:
        found = self._matching(str(body.get("jql") or ""))
        if isinstance(found, Reply):
            return found
        size = min(int(body.get("maxResults") or 50), 1000, self.page_limit)
        start = int(body.get("startAt") or 0)
        return Reply(200, {"expand": "schema,names", "startAt": start, "maxResults": size, "total": len(found),
                           "issues": [self._view(i, body.get("fields") or []) for i in found[start:start + size]]})

    @staticmethod
    def _bad_body(version: str, value: Any, field: str) -> Reply | None:
        if version == "3" and not (isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1
                                   and isinstance(value.get("content"), list)):
            return _error(400, errors={field: "Operation value must be an Atlassian Document (see the Atlassian "
                                              "Document Format)"})
        if version == "2" and not isinstance(value, str):
            return _error(400, errors={field: "Operation value must be a string"})
        return None

    def _create(self, version: str, body: dict[str, Any]) -> Reply:
        fields = body.get("fields") or {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            return _error(400, errors={"project": "Specify a valid project ID or key"})
        if not fields.get("summary"):
            return _error(400, errors={"summary": "You must specify a summary of the issue."})
        if (fields.get("issuetype") or {}).get("name") not in ("Task", "Bug"):
            return _error(400, errors={"issuetype": "Specify a valid issue type"})
        for label in fields.get("labels") or []:
            if " " in label:
                return _error(400, errors={"labels": f"The label '{label}' contains spaces which is invalid."})
        bad = self._bad_body(version, fields.get("description"), "description")
        if bad:
            return bad
        issue = self.add_issue(project, fields["summary"], fields.get("labels") or [], fields.get("description"))
        return Reply(201, {"id": issue["id"], "key": issue["key"], "self": issue["self"]})

    def _edit(self, version: str, key: str, body: dict[str, Any]) -> Reply:
        fields = self.issues[key]["fields"]
        for name, value in (body.get("fields") or {}).items():
            if name == "description" and (bad := self._bad_body(version, value, "description")):
                return bad
            fields[name] = value
        for op in (body.get("update") or {}).get("labels") or []:
            if "add" in op and op["add"] not in fields["labels"]:
                fields["labels"].append(op["add"])
            if "remove" in op and op["remove"] in fields["labels"]:
                fields["labels"].remove(op["remove"])
        return Reply(204)

    def _comment(self, version: str, key: str, body: dict[str, Any]) -> Reply:
        if bad := self._bad_body(version, body.get("body"), "comment"):
            return bad
        comment = {"id": str(20000 + sum(len(c) for c in self.comments.values())), "body": body["body"],
                   "author": {"displayName": "cloudwarden"}, "created": "2025-01-02T00:00:00.000+0000"}
        self.comments[key].append(comment)
        return Reply(201, comment)

    def _transitions(self, key: str, method: str, body: dict[str, Any]) -> Reply:
        current = self.status(key)
        available = TRANSITIONS[current]
        if method == "GET":
            return Reply(200, {"expand": "transitions", "transitions": [
                {"id": tid, "name": name, "hasScreen": False, "isGlobal": False, "isInitial": False,
                 "isConditional": False, "to": self._status(to)} for tid, name, to in available]})
        wanted = str((body.get("transition") or {}).get("id"))
        target = next((to for tid, _, to in available if tid == wanted), None)
        if target is None:
            return _error(400, [f"Transition id '{wanted}' is not valid for this issue."])
        self.issues[key]["fields"]["status"] = self._status(target)
        return Reply(204)
