"""A tiny JSON HTTP server on 127.0.0.1 that the GitHub, Jira and webhook fakes build on.

Each fake implements ``route(request) -> Reply``. The server records every request (method,
path, query, headers, parsed body) and can be told to answer the next requests with canned
replies first (``inject``), which is how tests stage rate limits and outages.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Request:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any = None
    at: float = 0.0  # time.time() when served

    def header(self, name: str) -> str | None:
        """A header, whatever the case of its name."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Reply:
    """What the fake answers: status, JSON body (or none), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer(ABC):
    """Start with ``with Fake() as fake:``; ``fake.url`` is its base URL."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.injected: list[Reply] = []
        self.faults: list[tuple[Callable[[Request], bool], Reply]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                request = Request(self.command, parts.path, dict(urllib.parse.parse_qsl(parts.query)),
                                  dict(self.headers.items()), raw, body)
                with fake.lock:
                    fake.requests.append(request)
                    fault = next((f for f in fake.faults if f[0](request)), None)
                    if fault is not None:
                        fake.faults.remove(fault)
                        reply = fault[1]
                    else:
                        reply = fake.injected.pop(0) if fake.injected else fake.route(request)
                    request.at = time.time()
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @abstractmethod
    def route(self, request: Request) -> Reply:
        """Answer one request (each fake: GitHub, Jira, webhook receiver)."""

    def fail_when(self, matches: Callable[[Request], bool], reply: Reply) -> None:
        """Answer the first request that ``matches`` with ``reply`` (once)."""
        self.faults.append((matches, reply))

    def inject(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, before routing again."""
        self.injected.extend(replies)

    def writes(self) -> list[Request]:
        """The requests that change something (anything but GET)."""
        return [r for r in self.requests if r.method != "GET" and not r.path.endswith(("/search", "/search/jql"))]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
