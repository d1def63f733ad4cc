"""A plain-HTTP fake of the Google APIs cloudwarden reads, serving payload files from fixtures/gcp/api/.

Routes (REST, as the google-cloud-* clients call them with ``transport="rest"``):
- Cloud Asset Inventory ``GET /v1/{scope}/assets`` (scope ``projects/<id|number>``, ``folders/N``,
  ``organizations/N``): ``contentType`` as the enum int the clients send (1 RESOURCE, 2 IAM_POLICY),
  ``assetTypes`` (exact or RE2-style regex), ``pageSize``/``pageToken`` -> ``nextPageToken``; ``readTime``
  is ignored. Assets of a scope are those whose ``ancestors`` name it, as in the real API.
- Resource Manager v3: ``/v3/projects:search``, ``/v3/projects/{id|number}``, ``/v3/projects?parent=``,
  ``/v3/folders/{n}``, ``/v3/folders?parent=``, ``/v3/organizations/{n}``, ``POST ...:getIamPolicy``.
- IAM: ``GET /v1/roles/{id}``, ``/v1/roles?view=FULL``, ``/v1/{projects|organizations}/{x}/roles/{id}``.
- IAM Credentials: ``POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken``.
- OAuth token endpoint ``POST /token`` (a service-account key's JWT grant, when its ``token_uri`` points here).
- Org Policy v2: ``GET /v2/{projects|folders|organizations}/{x}/policies/{constraint}:getEffectivePolicy``.
- Asset Inventory ``contentType`` 4 (ORG_POLICY): the v1 policies set on the hierarchy's nodes.

Writes change the in-memory assets (never the files; ``reset()``/``load()`` start afresh), so
the next read and ListAssets show them: the buckets, firewall rules and crypto keys of the assets
are readable and writable through their own APIs (see ``fake_gcp_resources``).

A scenario is a folder with ``resourcemanager.json`` (organizations, folders, projects, IAM
policies, org policies set per node), ``assets/*.json`` (ListAssets-shaped ``{"assets": [...]}``; the
hierarchy's own IAM policies are attached from ``resourcemanager.json``), ``roles.json`` and optional ``faults.json``.
Faults (``fail``) answer matching requests with an error payload, a given number of times.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.server import LocalServer
from tests.providers.gcp.fake_gcp_resources import resource_api

API_FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "gcp" / "api"
CRM = "//cloudresourcemanager.googleapis.com/"
HIERARCHY_TYPES = ("cloudresourcemanager.googleapis.com/Project", "cloudresourcemanager.googleapis.com/Folder",
                   "cloudresourcemanager.googleapis.com/Organization")
IMPERSONATED_TOKEN = "fake-impersonated-access-token"
SERVICE_ACCOUNT_TOKEN = "fake-service-account-access-token"


@dataclass
class Fault:
    """Answer requests whose ``METHOD path`` matches ``pattern`` with ``status`` and ``body``, ``times`` times."""

    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    times: int | None = None


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class State:
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)  # by "projects/<number>"
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # by "projects/<number>", "folders/N"...
    org_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # v1 entries set on a node
    assets: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)


def error_payload(name: str) -> dict[str, Any]:
    """An error body from fixtures/gcp/api/errors/<name>.json."""
    return json.loads((API_FIXTURES / "errors" / f"{name}.json").read_text())


def service_account_key(token_uri: str, email: str = "scanner@acme-prod.iam.gserviceaccount.com") -> dict[str, Any]:
    """A service-account key file's content, its RSA key generated now (never stored), signing in at ``token_uri``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": email.split("@")[1].split(".")[0], "private_key_id": "abc123",
            "private_key": pem, "client_email": email, "client_id": "1", "token_uri": token_uri}


def _page(items: list[Any], query: dict[str, list[str]], limit: int) -> tuple[list[Any], str | None]:
    size = int(query.get("pageSize", ["0"])[0] or 0)
    size = min(size, limit) if size > 0 else limit
    token = query.get("pageToken", [""])[0]
    start = int(base64.urlsafe_b64decode(token.encode()).decode().split(":")[1]) if token else 0
    end = start + size
    following = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following


class FakeGcp:
    """The fake server; ``endpoint`` is its base URL. ``max_page_size`` caps every page (forces paging)."""

    def __init__(self) -> None:
        self.state = State()
        self.requests: list[Recorded] = []
        self.max_page_size = 1000
        self.iam_writes = 0  # numbers the bucket IAM policies written, for their etags
        self._lock = threading.Lock()
        self._local = LocalServer("fake-gcp")

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self._local.endpoint

    def start(self) -> FakeGcp:
        """Serve in a background thread."""
        self._local.start(type("Handler", (_Handler,), {"fake": self}))
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._local.stop()

    def reset(self) -> None:
        """Forget every scenario, fault and recorded request."""
        with self._lock:
            self.state = State()
            self.requests = []
            self.max_page_size = 1000

    def load(self, scenario: str | Path) -> FakeGcp:
        """Add a scenario folder (name under fixtures/gcp/api/ or a path) to what is served."""
        folder = Path(scenario) if Path(scenario).is_dir() else API_FIXTURES / str(scenario)
        rm_file = folder / "resourcemanager.json"
        if rm_file.exists():
            rm = json.loads(rm_file.read_text())
            for key in ("organizations", "folders", "projects"):
                for item in rm.get(key, []):
                    getattr(self.state, key)[item["name"]] = item
            self.state.policies.update(rm.get("iamPolicies", {}))
            self.state.org_policies.update(rm.get("orgPolicies", {}))
        for path in sorted((folder / "assets").glob("*.json")) if (folder / "assets").is_dir() else ():
            self.state.assets.extend(json.loads(path.read_text())["assets"])
        roles_file = folder / "roles.json"
        if roles_file.exists():
            for role in json.loads(roles_file.read_text())["roles"]:
                self.state.roles[role["name"]] = role
        faults_file = folder / "faults.json"
        if faults_file.exists():
            for fault in json.loads(faults_file.read_text()):
                self.fail(fault["path"], fault["status"], fault["error"], fault.get("times"))
        return self

    def fail(self, pattern: str, status: int, error: str | dict[str, Any], times: int | None = None) -> None:
        """Answer requests matching ``pattern`` (regex on ``METHOD /path``) with an error, ``times`` times."""
        body = error_payload(error) if isinstance(error, str) else error
        with self._lock:
            self.state.faults.append(Fault(re.compile(pattern), status, body, times))

    def calls(self, pattern: str) -> list[Recorded]:
        """Recorded requests whose ``METHOD /path`` matches ``pattern``."""
        regex = re.compile(pattern)
        return [r for r in self.requests if regex.search(f"{r.method} {r.path}")]

    # -- request handling ---------------------------------------------------------------------

    def fault_for(self, line: str) -> Fault | None:
        """The first live fault matching a request line (consuming one of its ``times``)."""
        with self._lock:
            for fault in self.state.faults:
                if fault.pattern.search(line) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def project(self, key: str) -> dict[str, Any] | None:
        """A project by ``<number>`` or ``<project id>``."""
        for project in self.state.projects.values():
            if key in (project["name"].split("/")[1], project["projectId"]):
                return project
        return None

    def scope_name(self, scope: str) -> str | None:
        """``projects/<id>`` -> ``projects/<number>`` (how ``ancestors`` name it); folders/orgs unchanged."""
        kind, _, key = scope.partition("/")
        if kind == "projects":
            project = self.project(key)
            return project["name"] if project else None
        known = self.state.folders if kind == "folders" else self.state.organizations
        return scope if scope in known else None

    def list_assets(self, scope: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        name = self.scope_name(scope)
        if name is None:
            return 403, error_payload("permission_denied")
        content = query.get("contentType", ["0"])[0]
        content = {"RESOURCE": "1", "IAM_POLICY": "2", "ORG_POLICY": "4"}.get(content, content)
        types = query.get("assetTypes", [])
        out = []
        for asset in self.state.assets:
            if name not in asset.get("ancestors", []):
                continue
            if types and not any(re.fullmatch(t, asset["assetType"]) for t in types):
                continue
            policy = asset.get("iamPolicy")
            if asset["assetType"] in HIERARCHY_TYPES:
                policy = self.state.policies.get(asset["name"][len(CRM):], policy)
            item = {k: v for k, v in asset.items() if k not in ("resource", "iamPolicy")}
            if content == "1":
                if "resource" not in asset:
                    continue
                item["resource"] = asset["resource"]
            elif content == "2":
                if not policy or not policy.get("bindings"):
                    continue
                item["iamPolicy"] = policy
            elif content == "4":
                set_here = self.state.org_policies.get(asset["name"][len(CRM):])
                if asset["assetType"] not in HIERARCHY_TYPES or not set_here:
                    continue
                item["orgPolicy"] = set_here
            out.append(item)
        page, token = _page(out, query, self.max_page_size)
        body: dict[str, Any] = {"readTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                                "assets": page}
        if token:
            body["nextPageToken"] = token
        return 200, body

    def resource_manager(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if path == "/v3/projects:search":
            found = [p for p in self.state.projects.values() if p.get("state", "ACTIVE") == "ACTIVE"
                     or "state:ACTIVE" not in query.get("query", [""])[0]]
            page, token = _page(found, query, self.max_page_size)
            return 200, {"projects": page, **({"nextPageToken": token} if token else {})}
        match = re.fullmatch(r"/v3/(projects|folders|organizations)/([^/:]+)(:getIamPolicy)?", path)
        if match:
            kind, key, iam = match.groups()
            item: dict[str, Any] | None
            if kind == "projects":
                item = self.project(key)
            else:
                item = (self.state.folders if kind == "folders" else self.state.organizations).get(f"{kind}/{key}")
            if item is None:
                return 403, error_payload("permission_denied")
            if iam and method == "POST":
                return 200, self.state.policies.get(item["name"], {"version": 1, "etag": "ACAB"})
            return 200, item
        match = re.fullmatch(r"/v3/(projects|folders)", path)
        if match:
            parent = query.get("parent", [""])[0]
            pool = self.state.projects if match.group(1) == "projects" else self.state.folders
            children = [c for c in pool.values() if c.get("parent") == parent]
            page, token = _page(children, query, self.max_page_size)
            return 200, {match.group(1): page, **({"nextPageToken": token} if token else {})}
        return 404, error_payload("not_found")

    def ancestry(self, name: str) -> list[str]:
        """``projects/<n>`` / ``folders/N`` and every parent above it, nearest first."""
        chain: list[str] = []
        current: str | None = name
        while current and current not in chain:
            chain.append(current)
            kind = current.split("/")[0]
            node = (self.project(current.split("/")[1]) if kind == "projects"
                    else getattr(self.state, kind, {}).get(current))
            current = node.get("parent") if node else None
        return chain

    def effective_policy(self, name: str) -> tuple[int, dict[str, Any]]:
        """Org Policy v2 ``getEffectivePolicy``: the nearest boolean setting of the constraint, else the default."""
        scope, _, constraint = name.partition("/policies/")
        kind, _, key = scope.partition("/")
        resolved = self.project(key)["name"] if kind == "projects" and self.project(key) else scope
        for node in self.ancestry(resolved):
            for entry in self.state.org_policies.get(node, []):
                if entry["constraint"] == f"constraints/{constraint}" and "booleanPolicy" in entry:
                    enforce = bool(entry["booleanPolicy"].get("enforced"))
                    return 200, {"name": name, "spec": {"etag": "CLkB", "rules": [{"enforce": enforce}],
                                                        "inheritFromParent": False}}
        return 200, {"name": name, "spec": {"rules": [{"enforce": False}]}}

    def iam(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        token_match = re.fullmatch(r"/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken", path)
        if token_match and method == "POST":
            expiry = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
            return 200, {"accessToken": IMPERSONATED_TOKEN, "expireTime": expiry.isoformat().replace("+00:00", "Z")}
        if path == "/v1/roles":
            full = query.get("view", [""])[0] in ("FULL", "1")
            roles = [r if full else {k: v for k, v in r.items() if k != "includedPermissions"}
                     for r in self.state.roles.values() if r["name"].startswith("roles/")]
            page, token = _page(roles, query, self.max_page_size)
            return 200, {"roles": page, **({"nextPageToken": token} if token else {})}
        role = self.state.roles.get(path[len("/v1/"):])
        if role is None:
            return 404, error_payload("not_found")
        return 200, role

    def answer(self, method: str, raw_path: str, body: dict[str, Any],
               headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Route one request to its handler; faults take precedence."""
        split = urlsplit(raw_path)
        path, query = unquote(split.path), parse_qs(split.query)
        with self._lock:
            self.requests.append(Recorded(method, path, query, body, headers))
        fault = self.fault_for(f"{method} {path}")
        if fault:
            return fault.status, fault.body
        if path == "/token" and method == "POST":
            return 200, {"access_token": SERVICE_ACCOUNT_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        match = re.fullmatch(r"/v1/((?:projects|folders|organizations)/[^/]+)/assets", path)
        if match and method == "GET":
            return self.list_assets(match.group(1), query)
        if path.startswith("/v3/"):
            return self.resource_manager(method, path, query)
        written = resource_api(self, method, path, query, body)
        if written is not None:
            return written
        if path.startswith("/v2/") and path.endswith(":getEffectivePolicy"):
            return self.effective_policy(path[len("/v2/"):-len(":getEffectivePolicy")])
        if path.startswith("/v1/"):
            return self.iam(method, path, query)
        return 404, error_payload("not_found")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGcp
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake.answer(self.command, self.path, body, headers)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log lines."""
