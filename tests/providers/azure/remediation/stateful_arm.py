"""A small stateful HTTPS fake of the ARM resources remediation changes: a write changes the next read.

It holds resources by lower-cased ARM id and answers as ARM does:

- ``GET <id>``: the resource; ``GET <nsg id>/securityRules/<name>`` (and
  ``defaultSecurityRules``) one rule of a network security group;
- ``PATCH <id>``: merges the body's ``properties`` into the resource (storage
  accounts and key vaults; purge protection can never be turned off again, and
  needs soft delete, as Key Vault enforces);
- ``DELETE <nsg id>/securityRules/<name>``: removes the custom rule and answers
  202 with an ``Azure-AsyncOperation`` to poll, as the network provider does;
  default rules cannot be deleted.

Every request needs a bearer token and an ``api-version``; paths are matched
case-insensitively. ``fail(method, pattern, status)`` forces an error answer
(``times`` times) on matching requests; ``requests`` records what was asked.
TLS comes from a throwaway ``trustme`` CA because azure-core refuses bearer
tokens over plain http.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import LocalServer, read_json_body, send_json

RULE_PATH = re.compile(r"^(?P<nsg>/subscriptions/.+/networksecuritygroups/[^/]+)"
                       r"/(?P<kind>securityrules|defaultsecurityrules)/(?P<rule>[^/]+)$")
OPERATION_PATH = re.compile(r"^/providers/fake.operations/(?P<id>\d+)$")


@dataclass
class Request:
    """One request the fake answered."""

    method: str
    path: str
    body: Any


@dataclass
class Failure:
    """An error answer forced on matching requests ``times`` times."""

    method: str
    pattern: re.Pattern[str]
    status: int
    code: str
    times: int


class StatefulArm:
    """``start()``, ``add(resource)``, point clients at ``endpoint`` trusting ``ca_path``; ``get(id)`` reads back."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.failures: list[Failure] = []
        self._operations = 0
        self._lock = threading.Lock()
        self._local = LocalServer("stateful-arm", tls=True)
        self.ca_path = self._local.ca_path

    def start(self) -> StatefulArm:
        """Serve HTTPS on 127.0.0.1 on a free port, in a daemon thread."""
        self._local.start(_handler(self))
        return self

    def stop(self) -> None:
        """Stop serving and remove the CA file."""
        self._local.stop()

    def reset(self) -> None:
        """Forget resources, requests and failures."""
        with self._lock:
            self.resources.clear()
            self.requests.clear()
            self.failures.clear()

    @property
    def endpoint(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return self._local.endpoint

    def add(self, resource: dict[str, Any]) -> str:
        """Hold a resource (REST shape, with its ``id``); returns the lower-cased id."""
        key = resource["id"].lower()
        self.resources[key] = copy.deepcopy(resource)
        return key

    def get(self, resource_id: str) -> dict[str, Any] | None:
        """The resource as it is now."""
        found = self.resources.get(resource_id.lower())
        return copy.deepcopy(found) if found is not None else None

    def fail(self, method: str, pattern: str, status: int, code: str = "Conflict", times: int = 1) -> None:
        """Answer ``status`` with ARM error ``code`` to requests matching method and (lower-cased) path."""
        self.failures.append(Failure(method.upper(), re.compile(pattern, re.IGNORECASE), status, code, times))

    def seen(self, method: str, pattern: str = "") -> list[Request]:
        """Requests answered so far with this method and a path matching ``pattern``."""
        regex = re.compile(pattern, re.IGNORECASE)
        return [r for r in self.requests if r.method == method.upper() and regex.search(r.path)]

    # -- answers ---------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any,
               headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for one request."""
        if not headers.get("authorization", "").startswith("Bearer "):
            return _error(401, "AuthenticationFailed", "no bearer token")
        if not query.get("api-version"):
            return _error(400, "MissingApiVersionParameter", "the api-version query parameter is required")
        path = path.lower().rstrip("/")
        with self._lock:
            self.requests.append(Request(method, path, body))
            for failure in self.failures:
                if failure.times > 0 and failure.method == method and failure.pattern.search(path):
                    failure.times -= 1
                    return _error(failure.status, failure.code, f"injected {failure.status} for {path}")
            if OPERATION_PATH.match(path) and method == "GET":
                return 200, {}, {"status": "Succeeded"}
            if (rule := RULE_PATH.match(path)) is not None:
                return self._rule(method, rule)
            resource = self.resources.get(path)
            if resource is None:
                return _error(404, "ResourceNotFound", f"the resource {path} was not found")
            if method == "GET":
                return 200, {}, copy.deepcopy(resource)
            if method == "PATCH":
                return self._patch(resource, body if isinstance(body, dict) else {})
        return _error(405, "MethodNotAllowed", f"{method} is not supported on {path}")

    def _patch(self, resource: dict[str, Any], body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        props = resource.setdefault("properties", {})
        changes = body.get("properties") or {}
        if "vaults" in resource["id"].lower():
            if props.get("enablePurgeProtection") is True and changes.get("enablePurgeProtection") is False:
                return _error(400, "BadRequest", "purge protection cannot be disabled once enabled")
            if changes.get("enablePurgeProtection") and props.get("enableSoftDelete") is False:
                return _error(400, "BadRequest", "purge protection requires soft delete")
        _merge(props, changes)
        return 200, {}, copy.deepcopy(resource)

    def _rule(self, method: str, match: re.Match[str]) -> tuple[int, dict[str, str], Any]:
        nsg = self.resources.get(match["nsg"])
        if nsg is None:
            return _error(404, "ResourceNotFound", f"network security group {match['nsg']} was not found")
        key = "securityRules" if match["kind"] == "securityrules" else "defaultSecurityRules"
        rules = nsg.setdefault("properties", {}).setdefault(key, [])
        found = next((r for r in rules if str(r.get("name", "")).lower() == match["rule"]), None)
        if method == "GET":
            return (200, {}, copy.deepcopy(found)) if found else _error(404, "NotFound", "no such rule")
        if method != "DELETE":
            return _error(405, "MethodNotAllowed", f"{method} is not supported on rules here")
        if key == "defaultSecurityRules":
            return _error(400, "CannotDeleteDefaultRule", "default security rules cannot be deleted")
        if found is None:
            return 204, {}, None
        rules.remove(found)
        self._operations += 1
        operation = f"{self.endpoint}/providers/fake.operations/{self._operations}?api-version=2024-05-01"
        return 202, {"Azure-AsyncOperation": operation, "Location": operation, "Retry-After": "0"}, None


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], Any]:
    return status, {"x-ms-failure-cause": "service"}, {"error": {"code": code, "message": message}}


def _handler(fake: StatefulArm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            url = urlsplit(self.path)
            _, body = read_json_body(self)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = fake.answer(self.command, url.path, parse_qs(url.query), body, headers)
            send_json(self, status, payload, extra)

        do_GET = do_PATCH = do_DELETE = do_PUT = _serve

    return Handler
