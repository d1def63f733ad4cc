"""A local HTTPS fake of Azure Resource Manager and Resource Graph, serving payload files.

Generic on purpose: what it answers lives under ``fixtures/azure/arm/``:

- ``graph/<table>.json``: the rows of a Resource Graph table (a JSON list, or an object with
  ``data``). ``POST /providers/Microsoft.ResourceGraph/resources`` filters them by the request's
  subscriptions or management groups and pages them with ``$skipToken`` (``graph_page_size`` a page).
- ``rest/<lower-cased ARM path>.json``: the body of ``GET <path>``. A body with a ``value`` list is
  paged (``arm_page_size`` items a page) with absolute ``nextLink``s on this server, as ARM does.

The same server plays the Entra authority for a service principal's sign-in
(``--authority-host``): ``GET /{tenant}/v2.0/.well-known/openid-configuration``
and the client-credentials grant ``POST /{tenant}/oauth2/v2.0/token``, which
checks the ``client_id``/``client_secret`` registered with ``register_client``
and returns an access token shaped as Entra's (an unsigned JWT naming the tenant,
the app and the principal's object id, ``object_ids[client_id]``), remembered in ``issued``.

Writes change what is served next, in memory only (never the files; ``reset()`` restores them):
``GET <resource id>`` without a ``rest/`` file answers the live ``resources`` row of that id, as
ARM answers the resource, and ``PATCH``/``DELETE`` change it (see ``fake_arm_resources``).

ARM routes are case-insensitive, every request needs a bearer token and an
``api-version``. Faults are set by tests: ``deny_subscription`` (403 on that
subscription's ARM paths and on Resource Graph requests naming it) and
``fault`` (an answer with a status and headers for matching requests, e.g. a
429 with Retry-After once). TLS comes from a throwaway ``trustme`` CA, because
azure-core refuses bearer tokens over plain http.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


from tests.fakes.server import LocalServer
from tests.providers.azure.fake_arm_resources import OPERATION_PATH, child, write

ARM_FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "azure" / "arm"
GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
SUBSCRIPTION_PATH = re.compile(r"^/subscriptions/([^/]+)")
OPENID_PATH = re.compile(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$", re.IGNORECASE)
TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$", re.IGNORECASE)


@dataclass
class Seen:
    """One request the fake answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class Fault:
    """An answer forced on matching requests, ``times`` times (None: always)."""

    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    code: str = "Fault"
    table: str | None = None
    times: int | None = 1


class FakeArm:
    """The fake server: ``start()``, then point clients at ``endpoint`` trusting ``ca_path``."""

    def __init__(self, root: Path = ARM_FIXTURES, graph_page_size: int = 4, arm_page_size: int = 2) -> None:
        self.root = root
        self.graph_page_size = graph_page_size
        self.arm_page_size = arm_page_size
        self.requests: list[Seen] = []
        self.denied: set[str] = set()
        self.faults: list[Fault] = []
        self.clients: dict[str, str] = {}
        self.object_ids: dict[str, str] = {}  # client id -> the service principal's object id (the token's oid)
        self.issued: list[str] = []
        self._tables: dict[str, list[dict[str, Any]]] = {}  # graph/<table>.json as loaded, then written to
        self.operations = 0  # numbers the asynchronous operations started
        self._lock = threading.RLock()
        self._local = LocalServer("fake-arm", tls=True)
        self.ca_path = self._local.ca_path

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeArm:
        """Serve HTTPS on 127.0.0.1 on a free port, in a thread."""
        self._local.start(_handler(self))
        return self

    def stop(self) -> None:
        """Stop serving and remove the CA file."""
        self._local.stop()

    def reset(self) -> None:
        """Forget requests, faults and writes (between tests)."""
        with self._lock:
            self.requests.clear()
            self.denied.clear()
            self.faults.clear()
            self.clients.clear()
            self.object_ids.clear()
            self.issued.clear()
            self._tables.clear()

    @property
    def endpoint(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return self._local.endpoint

    # -- faults ----------------------------------------------------------------------------
    def deny_subscription(self, subscription: str) -> None:
        """Answer 403 AuthorizationFailed for anything about this subscription."""
        self.denied.add(subscription.lower())

    def fault(self, method: str, pattern: str, status: int, *, headers: dict[str, str] | None = None,
              code: str = "Fault", table: str | None = None, times: int | None = 1) -> None:
        """Answer ``status`` to requests whose method matches and lower-cased path matches ``pattern``."""
        self.faults.append(Fault(method.upper(), re.compile(pattern, re.IGNORECASE), status, headers or {}, code, table, times))

    def register_client(self, client_id: str, secret: str, object_id: str | None = None) -> None:
        """Let a service principal sign in with this secret (client-credentials grant)."""
        self.clients[client_id] = secret
        self.object_ids[client_id] = object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-arm:{client_id}"))

    def seen(self, method: str, pattern: str) -> list[Seen]:
        """Requests answered so far whose method and path match."""
        regex = re.compile(pattern, re.IGNORECASE)
        return [r for r in self.requests if r.method == method.upper() and regex.search(r.path)]

    # -- answers ---------------------------------------------------------------------------
    def answer(self, req: Seen) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for one request."""
        sign_in = self._sign_in(req)
        if sign_in is not None:
            return sign_in
        if not req.headers.get("authorization", "").startswith("Bearer "):
            return _error(401, "AuthenticationFailed", "no bearer token")
        if not req.query.get("api-version"):
            return _error(400, "MissingApiVersionParameter", "the api-version query parameter is required")
        fault = self._fault_for(req)
        if fault:
            return _error(fault.status, fault.code, f"injected {fault.status}", fault.headers)
        path = req.path.lower().rstrip("/")
        match = SUBSCRIPTION_PATH.match(path)
        if match and match.group(1) in self.denied:
            return _error(403, "AuthorizationFailed", f"no authorization to read subscription {match.group(1)}")
        if req.method == "POST" and path == GRAPH_PATH:
            return self._graph(req)
        if req.method == "GET" and OPERATION_PATH.match(path):
            return 200, {}, {"status": "Succeeded"}  # every operation is finished by the time it is polled
        if req.method in ("PATCH", "DELETE"):
            return write(self, req.method, req.path, req.body)
        if req.method == "GET":
            return self._rest(req, path)
        return _error(404, "NotFound", f"no route for {req.method} {req.path}")

    # -- Entra sign-in ---------------------------------------------------------------------
    def _sign_in(self, req: Seen) -> tuple[int, dict[str, str], Any] | None:
        """The authority's answers (no bearer token needed), or None for an ARM request."""
        openid = OPENID_PATH.match(req.path)
        if openid and req.method == "GET":
            base = f"{self.endpoint}/{openid.group(1)}"
            return 200, {}, {
                "issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token", "jwks_uri": f"{base}/discovery/v2.0/keys",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode", "tenant_region_scope": "EU",
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                          "client_secret_basic"]}
        if TOKEN_PATH.match(req.path) and req.method == "POST":
            return self._token(req.body if isinstance(req.body, dict) else {}, TOKEN_PATH.match(req.path).group(1))
        return None

    def _token(self, form: dict[str, Any], tenant: str) -> tuple[int, dict[str, str], Any]:
        """The client-credentials grant: a bearer token for a registered client with its secret."""
        if form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: unsupported grant type"}
        if not form.get("scope"):
            return 400, {}, {"error": "invalid_request", "error_description": "AADSTS90014: scope is missing"}
        client = str(form.get("client_id") or "")
        if client not in self.clients:
            return 400, {}, {"error": "unauthorized_client",
                             "error_description": f"AADSTS700016: Application with identifier '{client}' was not found."}
        if form.get("client_secret") != self.clients[client]:
            return 401, {}, {"error": "invalid_client",
                             "error_description": "AADSTS7000215: Invalid client secret provided."}
        with self._lock:
            claims = {"aud": str(form["scope"]).split()[0].removesuffix("/.default"), "tid": tenant, "appid": client,
                      "oid": self.object_ids[client], "iss": f"{self.endpoint}/{tenant}/v2.0", "uti": len(self.issued)}
            parts = [base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                     for part in ({"typ": "JWT", "alg": "RS256"}, claims)]
            token = ".".join([*parts, f"fake-signature-{len(self.issued)}"])
            self.issued.append(token)
        return 200, {}, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _fault_for(self, req: Seen) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (fault.method != req.method or not fault.pattern.search(req.path.lower())
                        or (fault.table and _table(req.body) != fault.table) or fault.times == 0):
                    continue
                fault.times = None if fault.times is None else fault.times - 1
                return fault
        return None

    # -- in-memory state -------------------------------------------------------------------
    def rows(self, table: str) -> list[dict[str, Any]] | None:
        """The rows of a Resource Graph table as served now (None: no such table)."""
        with self._lock:
            file = self.root / "graph" / f"{table}.json"
            if table not in self._tables and file.is_file():
                data = json.loads(file.read_text())
                self._tables[table] = data.get("data", []) if isinstance(data, dict) else data
            return self._tables.get(table)

    def resource(self, resource_id: str) -> dict[str, Any] | None:
        """The live ``resources`` row of this id (case-insensitive): writes change it."""
        wanted = resource_id.lower().rstrip("/")
        return next((r for r in self.rows("resources") or [] if str(r.get("id", "")).lower() == wanted), None)

    def _rest(self, req: Seen, path: str) -> tuple[int, dict[str, str], Any]:
        file = self.root / "rest" / (path.lstrip("/") + ".json")
        if not file.is_file():
            with self._lock:
                found = copy.deepcopy(self.resource(path) or (child(self, path) or (None, None, None))[2])
            return (200, {}, found) if found else _error(404, "ResourceNotFound", f"{req.path} was not found")
        body = json.loads(file.read_text())
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            return 200, {}, body
        items = body["value"]
        offset = int((req.query.get("$skiptoken") or ["0"])[0])
        page = items[offset : offset + self.arm_page_size]
        out: dict[str, Any] = {"value": page}
        if offset + self.arm_page_size < len(items):
            version = req.query["api-version"][0]
            out["nextLink"] = f"{self.endpoint}{req.path}?api-version={version}&$skiptoken={offset + self.arm_page_size}"
        return 200, {}, out

    def _graph(self, req: Seen) -> tuple[int, dict[str, str], Any]:
        body = req.body if isinstance(req.body, dict) else {}
        subs = [str(s).lower() for s in body.get("subscriptions") or []]
        groups = [str(g).lower() for g in body.get("managementGroups") or []]
        denied = sorted(set(subs) & self.denied)
        if denied:
            return _error(403, "AuthorizationFailed", f"no read access to subscription(s) {', '.join(denied)}")
        table = _table(body)
        with self._lock:
            rows = copy.deepcopy(self.rows(table))
        if rows is None:
            return _error(400, "BadRequest", f"unknown table {table!r}")
        options = body.get("options") or {}
        rows = [r for r in rows if self._in_scope(r, subs, groups, table, options)]
        token = options.get("$skipToken")
        offset = json.loads(base64.b64decode(token))["offset"] if token else int(options.get("$skip") or 0)
        size = min(int(options.get("$top") or 1000), self.graph_page_size)
        page = rows[offset : offset + size]
        out: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "data": page, "facets": [],
                               "resultTruncated": "false"}
        if offset + size < len(rows):
            out["$skipToken"] = base64.b64encode(json.dumps({"offset": offset + size}).encode()).decode()
        return 200, {"x-ms-user-quota-remaining": "14", "x-ms-user-quota-resets-after": "00:00:05"}, out

    def _in_scope(self, row: dict[str, Any], subs: list[str], groups: list[str], table: str,
                  options: dict[str, Any]) -> bool:
        """Whether a row belongs to the requested subscriptions or management-group trees."""
        sub = str(row.get("subscriptionId") or "").lower()
        chains = self._chains()
        in_groups = {s for s, chain in chains.items() if set(chain) & set(groups)}
        if sub:
            return sub in subs or sub in in_groups
        row_id = str(row.get("id", "")).lower()
        group = re.match(r"^/providers/microsoft\.management/managementgroups/([^/]+)", row_id)
        if group:  # a management group itself, or an assignment at one
            name = group.group(1)
            below = any(name in self._group_chain(g) or name == g for g in groups)
            above = "above" in str(options.get("authorizationScopeFilter", "")).lower() and (
                any(name in chains.get(s, []) for s in subs) or any(name in self._group_ancestors(g) for g in groups))
            if table == "resourcecontainers":
                return below
            return below or above
        return table == "authorizationresources"  # tenant-level rows: built-in role definitions

    def _chains(self, groups: bool = False) -> dict[str, list[str]]:
        """Subscription (or, ``groups``, management group name) -> names of its management-group ancestors."""
        out = {}
        for row in self.rows("resourcecontainers") or []:
            props = row.get("properties") or {}
            if str(row.get("type", "")).lower() == ("microsoft.management/managementgroups" if groups
                                                    else "microsoft.resources/subscriptions"):
                chain = ((props.get("details") or {}) if groups else props).get("managementGroupAncestorsChain") or []
                key = row.get("name") if groups else row.get("subscriptionId")
                out[str(key or "").lower()] = [str(c.get("name", "")).lower() for c in chain]
        return out

    def _group_chain(self, group: str) -> list[str]:
        """A management group and its descendants."""
        return sorted({group} | {name for name, chain in self._chains(groups=True).items() if group in chain})

    def _group_ancestors(self, group: str) -> list[str]:
        """The ancestors of a management group."""
        return self._chains(groups=True).get(group, [])


def _table(body: Any) -> str:
    query = str((body or {}).get("query", "")) if isinstance(body, dict) else ""
    return query.split("|", 1)[0].strip().lower()


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    return status, dict(headers or {}), {"error": {"code": code, "message": message}}


def _handler(fake: FakeArm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any = None
            if raw and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                body = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            elif raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            req = Seen(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), body,
                       {k.lower(): v for k, v in self.headers.items()})
            with fake._lock:
                fake.requests.append(req)
            status, headers, payload = fake.answer(req)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ms-request-id", "00000000-0000-0000-0000-000000000000")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler
