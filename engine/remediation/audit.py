"""The remediation audit log: one JSON object per line, appended and flushed to disk before going on.

Each change writes a ``started`` entry before its first call and a final entry
(``applied``, ``failed``, ``unverified``, ``refused``, ``already_compliant``,
``skipped``) after, so a crash midway still leaves a record of what was being
changed. Entries carry who (the cloud identity and the local user), when,
the finding, the exact calls, and the state before and after.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class AuditLogError(Exception):
    """The audit log cannot be written (apply refuses to run without one)."""


class AuditLog:
    """An append-only JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise AuditLogError(f"cannot open audit log {path}: {exc.strerror or exc}") from exc
        self._operator = f"{_local_user()}@{socket.gethostname()}"

    def write(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry and fsync it; returns the entry."""
        entry = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": event,
                 "operator": self._operator, **fields}
        line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
        try:
            os.write(self._fd, line)
            os.fsync(self._fd)
        except OSError as exc:
            raise AuditLogError(f"cannot write audit log {self.path}: {exc.strerror or exc}") from exc
        return entry

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def read_audit_log(path: Path) -> list[dict[str, Any]]:
    """Every entry of an audit log, oldest first."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
