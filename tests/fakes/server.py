"""A threaded HTTP(S) server on 127.0.0.1 for the fakes, and the JSON request reading they all share.

HTTPS uses a throwaway ``trustme`` CA written to a temporary folder (azure-core
refuses bearer tokens over plain http); clients trust ``ca_path``.
"""

from __future__ import annotations

import json
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class LocalServer:
    """``start(handler)`` serves on a free port in a daemon thread; ``stop()`` shuts down and cleans up."""

    def __init__(self, name: str, tls: bool = False) -> None:
        self.name = name
        self.tls = tls
        self._dir = tempfile.TemporaryDirectory(prefix=f"{name}-") if tls else None
        self.ca_path = str(Path(self._dir.name) / "ca.pem") if self._dir else None
        self._server: ThreadingHTTPServer | None = None

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Bind 127.0.0.1 on a free port and serve in the background."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        if self.tls:
            import trustme

            ca = trustme.CA()
            ca.cert_pem.write_to_path(self.ca_path)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, name=self.name, daemon=True).start()

    def stop(self) -> None:
        """Stop serving and remove the CA file."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._dir:
            self._dir.cleanup()

    @property
    def endpoint(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        assert self._server is not None, "start() first"
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._server.server_address[1]}"


def read_json_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, Any]:
    """The request body as bytes and as JSON (None when empty or not JSON)."""
    length = int(handler.headers.get("content-length") or 0)
    raw = handler.rfile.read(length) if length else b""
    try:
        return raw, json.loads(raw) if raw else None
    except ValueError:
        return raw, None


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None,
              always_body: bool = False) -> None:
    """Answer with a JSON body (none for a None payload unless ``always_body``) and the given headers."""
    data = b"" if payload is None and not always_body else json.dumps(payload).encode()
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if data:
        handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
