"""Snapshot files: one collection run, versioned, validated on load, written atomically.

Format (firm): ``{"schema": "cloudwarden.snapshot/v1", "collected_at", "tool_version",
"sources": [...], "nodes": [...], "edges": [...]}``; gzip when the name ends in ``.gz``.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from cloudwarden.graph.memory import paused_gc
from cloudwarden.graph.model import EDGE_KINDS, Edge, Node, Source

SCHEMA = "cloudwarden.snapshot/v1"


class SnapshotError(Exception):
    """A snapshot file is missing, damaged, foreign or of an unsupported version."""


class Snapshot(msgspec.Struct, kw_only=True):
    """One collection run: where it looked, what it could not see, what it found."""

    schema: str = SCHEMA
    collected_at: str = ""
    tool_version: str = ""
    sources: list[Source] = []
    nodes: list[Node] = []
    edges: list[Edge] = []

    def node_index(self) -> dict[str, Node]:
        """Nodes by id."""
        return {n.id: n for n in self.nodes}

    def coverage_gaps(self) -> list[dict[str, object]]:
        """Every recorded coverage gap, flattened with the account and cloud it belongs to."""
        gaps: list[dict[str, object]] = []
        for src in self.sources:
            for gap in src.errors:
                gaps.append({"cloud": src.cloud, "account": src.account, **msgspec.to_builtins(gap)})
        return gaps


class _Header(msgspec.Struct):
    schema: str = ""


def now_rfc3339() -> str:
    """The current UTC time as an RFC 3339 string (seconds precision)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_snapshot(snapshot: Snapshot, path: str | Path) -> None:
    """Write a snapshot atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    data = msgspec.json.encode(snapshot)
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write_bytes(path, data)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_snapshot(path: str | Path) -> Snapshot:
    """Read and validate a snapshot; any problem is a ``SnapshotError`` naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read snapshot: {exc.strerror or exc}") from exc
    return parse_snapshot(data, str(path))


def parse_snapshot(data: bytes, name: str = "<snapshot>") -> Snapshot:
    """Validate snapshot bytes (gzip detected by magic number) and decode them."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SnapshotError(f"{name}: damaged gzip data: {exc}") from exc
    try:
        header = msgspec.json.decode(data, type=_Header)
    except msgspec.DecodeError as exc:
        raise SnapshotError(f"{name}: not a cloudwarden snapshot (invalid JSON: {exc})") from exc
    if not header.schema:
        raise SnapshotError(f"{name}: not a cloudwarden snapshot (no \"schema\" field)")
    if header.schema != SCHEMA:
        if header.schema.startswith("cloudwarden.snapshot/"):
            raise SnapshotError(
                f"{name}: unsupported snapshot version {header.schema!r}; this cloudwarden reads {SCHEMA!r}"
            )
        raise SnapshotError(f"{name}: not a cloudwarden snapshot (schema {header.schema!r})")
    try:
        with paused_gc():  # a million nodes are a million new objects and no cycles
            snap = msgspec.json.decode(data, type=Snapshot)
    except msgspec.ValidationError as exc:
        raise SnapshotError(f"{name}: invalid snapshot: {exc}") from exc
    validate_references(snap, name)
    return snap


def validate_references(snap: Snapshot, name: str = "<snapshot>") -> None:
    """Check what the type system cannot: unique ids, known edge kinds, edges between known nodes."""
    ids: set[str] = set()
    for i, node in enumerate(snap.nodes):
        if node.id in ids:
            raise SnapshotError(f"{name}: duplicate node id {node.id!r} at $.nodes[{i}]")
        ids.add(node.id)
    for i, edge in enumerate(snap.edges):
        if edge.kind not in EDGE_KINDS:
            raise SnapshotError(f"{name}: unknown edge kind {edge.kind!r} at $.edges[{i}]")
        for end in (edge.source, edge.target):
            if end not in ids:
                raise SnapshotError(f"{name}: edge at $.edges[{i}] refers to unknown node {end!r}")
