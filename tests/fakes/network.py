"""Prove a test talks to nothing but 127.0.0.1: resolving any other host fails while the guard is on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@contextmanager
def loopback_guard() -> Iterator[list[str]]:
    """While active, resolving any host but the loopback fails; yields every host name asked for."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        if name not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"this test allows no host but the loopback, not {name}")
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", guarded)
        yield asked
