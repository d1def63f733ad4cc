"""A small stateful plain-HTTP fake of the Google APIs remediation changes: a write changes the next read.

Routes, with the semantics remediation relies on:

- Cloud Storage JSON API: ``GET/PATCH /storage/v1/b/<bucket>`` (a patch merges
  its body, bumps ``metageneration`` and honours ``ifMetagenerationMatch``);
  ``GET/PUT /storage/v1/b/<bucket>/iam`` (a put replaces the policy when its
  ``etag`` matches, else 412, and gets a new etag);
- Compute: ``GET/PATCH/DELETE /compute/v1/projects/<p>/global/firewalls/<name>``
  (a patch merges and answers a finished global operation, readable at
  ``.../global/operations/<op>``);
- Cloud KMS: ``GET/PATCH /v1/projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>``
  (a patch sets the fields named by ``updateMask``).

``POST /token`` mints an access token, so a service-account key file whose
``token_uri`` points here works with Application Default Credentials.
Errors use the Google JSON error shape. ``fail(method, pattern, status)``
forces an error answer (``times`` times); ``requests`` records what was asked.
"""

from __future__ import annotations

import base64
import copy
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.server import LocalServer, read_json_body, send_json

BUCKET = re.compile(r"^/storage/v1/b/(?P<bucket>[^/]+)(?P<iam>/iam)?$")
FIREWALL = re.compile(r"^/compute/v1/projects/(?P<project>[^/]+)/global/firewalls/(?P<name>[^/]+)$")
OPERATION = re.compile(r"^/compute/v1/projects/(?P<project>[^/]+)/global/operations/(?P<name>[^/]+)$")
CRYPTO_KEY = re.compile(r"^/v1/(?P<name>projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/:]+)$")
MINTED_TOKEN = "minted-access-token"
STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ABORTED",
                412: "FAILED_PRECONDITION", 500: "INTERNAL", 503: "UNAVAILABLE"}


@dataclass
class Request:
    """One request the fake answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None = None


@dataclass
class Failure:
    """An error answer forced on matching requests ``times`` times."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int


class StatefulGcp:
    """``start()``, ``load(estate)``, point clients at ``endpoint``; read state back from the dicts."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, Any]] = {}
        self.policies: dict[str, dict[str, Any]] = {}
        self.firewalls: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.failures: list[Failure] = []
        self._writes = 1  # numbers the IAM policies written, for their etags
        self._lock = threading.Lock()
        self._local = LocalServer("stateful-gcp")

    def start(self) -> StatefulGcp:
        """Serve plain HTTP on 127.0.0.1 on a free port, in a daemon thread."""
        self._local.start(_handler(self))
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._local.stop()

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self._local.endpoint

    def load(self, estate: dict[str, Any]) -> None:
        """Replace everything with the estate's buckets (metadata and IAM policy), firewalls and keys."""
        with self._lock:
            self.requests.clear()
            self.failures.clear()
            self.buckets = {b["metadata"]["name"]: copy.deepcopy(b["metadata"]) for b in estate["buckets"]}
            self.policies = {b["metadata"]["name"]: {**copy.deepcopy(b["iam"]), "etag": _etag(1)}
                             for b in estate["buckets"]}
            self.firewalls = {(f["project"], f["rule"]["name"]): copy.deepcopy(f["rule"]) for f in estate["firewalls"]}
            self.keys = {k["name"]: copy.deepcopy(k) for k in estate["crypto_keys"]}

    def fail(self, method: str, pattern: str, status: int, times: int = 1) -> None:
        """Answer ``status`` to requests matching the method and path ``pattern``."""
        self.failures.append(Failure(method.upper(), re.compile(pattern), status, times))

    def seen(self, method: str, pattern: str = "") -> list[Request]:
        """Requests answered so far with this method and a path matching ``pattern``."""
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method.upper() and regex.search(r.path)]

    # -- answers ---------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any,
               authorization: str | None = None) -> tuple[int, Any]:
        """Status and JSON body for one request."""
        with self._lock:
            self.requests.append(Request(method, path, query, body, authorization))
            for failure in self.failures:
                if failure.times > 0 and failure.method == method and failure.pattern.search(path):
                    failure.times -= 1
                    return _error(failure.status, f"injected {failure.status} for {path}")
            if path == "/token" and method == "POST":  # a service-account key's token_uri
                return 200, {"access_token": MINTED_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
            if match := BUCKET.match(path):
                return self._bucket(method, match["bucket"], bool(match["iam"]), query, body)
            if match := FIREWALL.match(path):
                return self._firewall(method, match["project"], match["name"], body)
            if (match := OPERATION.match(path)) and method == "GET":
                return 200, _operation(match["project"], match["name"], self.endpoint)
            if match := CRYPTO_KEY.match(path):
                return self._key(method, match["name"], query, body)
        return _error(404, f"no route for {method} {path}")

    def _bucket(self, method: str, name: str, iam: bool, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        bucket = self.buckets.get(name)
        if bucket is None:
            return _error(404, f"The specified bucket does not exist: {name}")
        if iam:
            policy = self.policies[name]
            if method == "GET":
                return 200, {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{name}", **policy}
            if method != "PUT":
                return _error(405, "method not allowed")
            if body.get("etag") and body["etag"] != policy["etag"]:
                return _error(412, "the IAM policy changed since it was read (etag mismatch)")
            self._writes += 1
            self.policies[name] = {"bindings": copy.deepcopy(body.get("bindings") or []),
                                   "version": body.get("version") or 1, "etag": _etag(self._writes)}
            return 200, {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{name}", **self.policies[name]}
        if method == "GET":
            return 200, copy.deepcopy(bucket)
        if method != "PATCH":
            return _error(405, "method not allowed")
        expected = (query.get("ifMetagenerationMatch") or [None])[0]
        if expected is not None and str(expected) != str(bucket["metageneration"]):
            return _error(412, "At least one of the pre-conditions you specified did not hold.")
        _merge(bucket, body or {})
        bucket["metageneration"] = str(int(bucket["metageneration"]) + 1)
        return 200, copy.deepcopy(bucket)

    def _firewall(self, method: str, project: str, name: str, body: Any) -> tuple[int, Any]:
        rule = self.firewalls.get((project, name))
        if rule is None:
            return _error(404, f"The resource 'projects/{project}/global/firewalls/{name}' was not found")
        if method == "GET":
            return 200, copy.deepcopy(rule)
        if method == "DELETE":
            del self.firewalls[(project, name)]
        elif method == "PATCH":
            _merge(rule, body or {})
        else:
            return _error(405, "method not allowed")
        return 200, _operation(project, f"operation-{len(self.requests)}", self.endpoint, rule.get("selfLink"))

    def _key(self, method: str, name: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        key = self.keys.get(name)
        if key is None:
            return _error(404, f"CryptoKey {name} not found.")
        if method == "PATCH":
            mask = ",".join(query.get("updateMask") or []).split(",")
            for field in filter(None, mask):
                if field not in ("rotationPeriod", "nextRotationTime"):
                    return _error(400, f"field {field} cannot be updated here")
                if (body or {}).get(field) is None:
                    key.pop(field, None)
                else:
                    key[field] = body[field]
        elif method != "GET":
            return _error(405, "method not allowed")
        return 200, copy.deepcopy(key)


def _etag(generation: int) -> str:
    return base64.b64encode(f"policy-{generation}".encode()).decode()


def _operation(project: str, name: str, endpoint: str, target: str | None = None) -> dict[str, Any]:
    return {"kind": "compute#operation", "id": "1", "name": name, "operationType": "patch", "status": "DONE",
            "progress": 100, "targetLink": target or "",
            "selfLink": f"{endpoint}/compute/v1/projects/{project}/global/operations/{name}"}


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _error(status: int, message: str) -> tuple[int, Any]:
    return status, {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN"),
                              "errors": [{"message": message, "domain": "global", "reason": "fake"}]}}


def _handler(fake: StatefulGcp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            url = urlsplit(self.path)
            _, body = read_json_body(self)
            status, payload = fake.answer(self.command, unquote(url.path), parse_qs(url.query), body,
                                          self.headers.get("authorization"))
            send_json(self, status, payload, always_body=True)

        do_GET = do_PATCH = do_PUT = do_DELETE = do_POST = _serve

    return Handler
