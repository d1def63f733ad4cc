"""Reading a findings file (``cloudwarden.findings/v1``) back: for diff, tickets and remediation."""

from __future__ import annotations

from pathlib import Path

import msgspec

from cloudwarden.engine.findings import Finding

SCHEMA = "cloudwarden.findings/v1"


class FindingsFileError(Exception):
    """A findings file that cannot be read or is not ``cloudwarden.findings/v1`` (exit 2)."""


class _FindingsFile(msgspec.Struct):
    schema: str
    findings: list[Finding]


def load_findings(path: str | Path) -> list[Finding]:
    """The findings of a file written by ``scan --format json``; every problem is a ``FindingsFileError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FindingsFileError(f"{path}: {exc.strerror or exc}") from exc
    try:
        head = msgspec.json.decode(data, type=dict)
    except msgspec.DecodeError as exc:
        raise FindingsFileError(f"{path}: not JSON ({exc})") from exc
    if head.get("schema") != SCHEMA:
        raise FindingsFileError(f"{path}: not a findings file (schema {head.get('schema')!r}, expected {SCHEMA!r})")
    try:
        return msgspec.json.decode(data, type=_FindingsFile).findings
    except msgspec.ValidationError as exc:
        raise FindingsFileError(f"{path}: {exc}") from exc
