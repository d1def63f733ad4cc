"""The one HTTP client of ``tickets sync`` (urllib): timeouts, retries, rate limits, redaction.

- Rate limits (GitHub's documented rules, which Jira's 429 also fits): a 403/429 with
  ``retry-after`` waits that long; with ``x-ratelimit-remaining: 0`` waits until
  ``x-ratelimit-reset`` (epoch seconds, or an ISO timestamp as Jira sends); a 429, or a 403 whose
  message names a secondary rate limit, without either header waits ``default_wait`` doubling per
  attempt. A wait longer than ``max_wait`` is not slept: it is a ``RateLimitError`` (rerun later:
  the sync is idempotent).
- 5xx and connection errors are retried with backoff for idempotent methods only; a POST that
  creates a ticket is not repeated blind (it may have been applied), unless ``retry_unsafe``
  (webhooks, whose receivers dedupe by delivery id).
- Writes (anything but GET) can be spaced by ``write_interval``: GitHub asks integrations to
  wait about a second between content-creating requests.
- Redirects are followed only to the same origin, with the credentials; a redirect elsewhere is
  an error, so a token never travels to another host.
- Every message (errors, log lines) passes through the ``Redactor`` holding the secrets.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cloudwarden.engine.tickets.errors import CredentialsError, RateLimitError, TrackerAuthError, TrackerError

from cloudwarden import __version__

LOG = logging.getLogger("cloudwarden.engine.tickets")
USER_AGENT = f"cloudwarden/{__version__} (tickets sync)"
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class Redactor:
    """Replaces every registered secret (and its URL-encoded form) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register more secrets; short strings are ignored (they would redact ordinary words)."""
        for secret in secrets:
            if secret and len(secret) >= 6:
                for form in (secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)):
                    if form not in self._secrets:
                        self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)  # longest first: a secret may contain another

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


@dataclass
class Response:
    """Status, headers (case-insensitive reads) and body of one HTTP exchange."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        """A header value, whatever the case of its name."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body as JSON (``None`` when empty)."""
        return json.loads(self.body) if self.body.strip() else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def check_base_url(url: str, what: str) -> str:
    """``url`` without its trailing slash; credentials go over https, or http on loopback only."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise CredentialsError(f"{what} must be an http(s) URL, got {url[:80]!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise CredentialsError(f"{what} is plain http on a remote host: credentials would travel unencrypted; use https")
    if parts.username or parts.password:
        raise CredentialsError(f"{what} must not carry credentials; use the environment variables")
    return url.rstrip("/")


def parse_wait(value: str | None, now: float) -> float | None:
    """Seconds until ``value``: delta seconds, an HTTP date, epoch seconds or an ISO timestamp."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


@dataclass
class HttpClient:
    """JSON over HTTP to one service (``service`` names it in messages)."""

    base_url: str
    service: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    redactor: Redactor = field(default_factory=Redactor, repr=False)
    timeout: float = 30.0
    max_attempts: int = 6
    max_wait: float = 600.0
    default_wait: float = 60.0  # a rate limit that says nothing about when to come back
    retry_unsafe: bool = False
    write_interval: float = 0.0  # seconds between requests that are not GET (GitHub asks for 1)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._origin = urllib.parse.urlsplit(self.base_url)[:2]
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._last_write = float("-inf")

    def _pace(self, method: str) -> None:
        """Space out writes, so a first sync of many findings does not trip a secondary limit."""
        if method == "GET" or self.write_interval <= 0:
            return
        now = time.monotonic()
        if now - self._last_write < self.write_interval:
            self.sleep(self.write_interval - (now - self._last_write))
        self._last_write = time.monotonic()

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """An absolute URL on this service; absolute URLs (Link headers) must keep the origin."""
        url = path if "://" in path else self.base_url + path
        if urllib.parse.urlsplit(url)[:2] != self._origin:
            raise TrackerError(self.redactor(f"{self.service}: refusing to follow a URL on another host "
                                             f"({urllib.parse.urlsplit(url).netloc})"))
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def _where(self, method: str, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        return self.redactor(f"{method} {parts.path}" + (f"?{parts.query}" if parts.query else ""))

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, reply.headers, reply.read(), url)
        except urllib.error.HTTPError as exc:  # 3xx (redirects are ours to judge), 4xx, 5xx
            try:
                body = exc.read()
            finally:
                exc.close()
            return Response(exc.code, exc.headers, body, url)

    def request(self, method: str, path: str, *, body: Any = None, raw: bytes | None = None,
                params: Mapping[str, Any] | None = None, expect: Iterable[int] = (200,),
                headers: Mapping[str, str] | None = None) -> Response:
        """Send with retries; a status outside ``expect`` is a ``TrackerError`` (or subclass)."""
        url = self.url(path, params)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers, **(headers or {})}
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        retryable = method in SAFE_METHODS or self.retry_unsafe
        attempt = redirects = 0
        while True:
            attempt += 1
            self._pace(method)
            try:
                response = self._send(method, url, data, sent)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", None) or exc
                if retryable and attempt < self.max_attempts:
                    self._pause(min(2.0 ** (attempt - 1) * 0.5, 30.0), f"{self._where(method, url)}: {reason}", attempt)
                    continue
                raise TrackerError(self.redactor(f"{self.service}: {self._where(method, url)} failed: {reason}")) from None
            if 300 <= response.status < 400 and response.header("Location") and redirects < 5:
                redirects += 1
                url = self.url(urllib.parse.urljoin(url, response.header("Location") or ""))
                if response.status == 303:
                    method, data = "GET", None
                attempt -= 1
                continue
            wait = self._rate_limit_wait(response, attempt)
            if wait is not None:
                if attempt >= self.max_attempts or wait > self.max_wait:
                    raise RateLimitError(self.redactor(
                        f"{self.service}: rate limited ({self._where(method, url)} -> {response.status}); "
                        f"next try allowed in {wait:.0f} s, beyond --max-wait {self.max_wait:.0f} s or the retries; "
                        "rerun later (the sync is idempotent)"))
                self._pause(wait, f"{self._where(method, url)} -> {response.status} rate limited", attempt)
                continue
            if response.status >= 500 and retryable and attempt < self.max_attempts:
                self._pause(min(2.0 ** (attempt - 1) * 0.5, 30.0), f"{self._where(method, url)} -> {response.status}",
                            attempt)
                continue
            if response.status not in tuple(expect):
                raise self._error(method, url, response)
            return response

    def _pause(self, seconds: float, why: str, attempt: int) -> None:
        LOG.warning("%s", self.redactor(f"{self.service}: {why}; waiting {seconds:.1f} s "
                                        f"(attempt {attempt}/{self.max_attempts})"))
        self.sleep(seconds)

    def _rate_limit_wait(self, response: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or ``None`` when ``response`` is not a rate limit."""
        status, now = response.status, self.clock()
        if status not in (403, 429, 503):
            return None
        retry_after = parse_wait(response.header("Retry-After"), now)
        if retry_after is not None:
            return retry_after
        if status == 503:
            return None
        if (response.header("X-RateLimit-Remaining") or "").strip() == "0":
            reset = parse_wait(response.header("X-RateLimit-Reset"), now)
            if reset is not None:
                return reset + 0.5  # the reset is whole seconds: do not come back a moment early
        if status == 429 or b"rate limit" in response.body.lower():
            return self.default_wait * 2 ** (attempt - 1)
        return None

    def _error(self, method: str, url: str, response: Response) -> TrackerError:
        detail = self.redactor(_message(response))
        where = self._where(method, url)
        text = f"{self.service}: {where} -> HTTP {response.status}" + (f": {detail}" if detail else "")
        if response.status == 401:
            return TrackerAuthError(f"{text} (the credentials were refused: check the token)")
        if response.status == 403:
            return TrackerAuthError(f"{text} (the token lacks a permission)")
        if response.status == 404:
            return TrackerError(f"{text} (check the --to target and that the token can see it)")
        return TrackerError(text)


def _message(response: Response) -> str:
    """The service's own error text, one line: GitHub ``message``, Jira ``errorMessages``/``errors``."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    parts: list[str] = []
    if isinstance(doc, dict):
        if isinstance(doc.get("message"), str):
            parts.append(doc["message"])
        parts += [str(m) for m in doc.get("errorMessages") or [] if m]
        errors = doc.get("errors")
        if isinstance(errors, dict):
            parts += [f"{k}: {v}" for k, v in errors.items()]
        elif isinstance(errors, list):
            parts += [str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e) for e in errors]
    elif response.body:
        parts.append(response.body[:200].decode("utf-8", "replace"))
    text = " ".join("; ".join(parts).split())
    return text if len(text) <= 300 else text[:297] + "..."
