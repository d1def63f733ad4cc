"""Offline import of Cloud Asset Inventory exports (``cloudwarden collect gcp --from-export FILE...``).

Reads what the tools write:

- ``gcloud asset export --content-type=resource|iam-policy|org-policy --output-path=gs://...``:
  newline-delimited JSON, one ``Asset`` per line (proto field names: ``asset_type``, ``iam_policy``);
- ``gcloud asset list --format=json``: one JSON array of assets (camelCase: ``assetType``, ``iamPolicy``);
- a ``ListAssets`` response body (``{"assets": [...]}``) or a single asset object.

Several files merge (one per content type is the usual case); blank lines are
skipped; gzip files are read transparently. Anything malformed is a
``GcpExportError`` naming the file and line, never a traceback and never a
silently empty snapshot. The records go through the same normalizer as a live
collection.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cloudwarden.graph.merge import merge_partials
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.errors import ProviderInputError
from cloudwarden.providers.gcp.normalize import normalize

_DECODER = json.JSONDecoder()


class GcpExportError(ProviderInputError):
    """An export file that cannot be read or is not a Cloud Asset Inventory export."""


def _text(path: Path) -> str:
    """The file's text (gzip detected by its magic number), or a GcpExportError saying why not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GcpExportError(f"{path}: cannot read the export file ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise GcpExportError(f"{path}: damaged gzip file ({exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GcpExportError(f"{path}:{line}: not UTF-8 text") from None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _check(record: Any, path: Path, line: int) -> dict[str, Any]:
    """A record must be an object naming a resource and its asset type."""
    if not isinstance(record, dict):
        raise GcpExportError(f"{path}:{line}: expected a JSON object (one asset), found {type(record).__name__}")
    if not isinstance(record.get("name"), str) or not record["name"]:
        raise GcpExportError(f"{path}:{line}: asset has no 'name'")
    kind = record.get("asset_type", record.get("assetType"))
    if not isinstance(kind, str) or not kind:
        raise GcpExportError(f"{path}:{line}: asset {record['name']} has no 'asset_type' / 'assetType'")
    return record


def _array(text: str, start: int, path: Path) -> list[dict[str, Any]]:
    """A JSON array of assets, element by element so that an error names its line."""
    records: list[dict[str, Any]] = []
    index = start + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text):
            raise GcpExportError(f"{path}:{_line_of(text, index)}: the JSON array is not closed")
        if text[index] == "]":
            break
        try:
            record, end = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise GcpExportError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        records.append(_check(record, path, _line_of(text, index)))
        index = end
    rest = text[index + 1:]
    if rest.strip():
        offset = index + 1 + len(rest) - len(rest.lstrip())
        raise GcpExportError(f"{path}:{_line_of(text, offset)}: unexpected content after the JSON array")
    return records


def _lines(text: str, path: Path) -> list[dict[str, Any]]:
    """Newline-delimited JSON: one asset per non-blank line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GcpExportError(f"{path}:{number}: invalid JSON ({exc.msg}, column {exc.colno})") from None
        records.append(_check(record, path, number))
    return records


def read_file(path: str | Path) -> list[dict[str, Any]]:
    """The asset records of one export file (NDJSON, JSON array, ``{"assets": [...]}`` or one asset)."""
    path = Path(path)
    text = _text(path)
    stripped = text.lstrip()
    if not stripped:
        return []
    start = len(text) - len(stripped)
    if stripped[0] == "[":
        return _array(text, start, path)
    if stripped[0] == "{":
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            return _lines(text, path)  # several objects: NDJSON
        if isinstance(whole, dict) and isinstance(whole.get("assets"), list) and "name" not in whole:
            return [_check(r, path, _line_of(text, start)) for r in whole["assets"]]
        return [_check(whole, path, _line_of(text, start))]
    raise GcpExportError(f"{path}:{_line_of(text, start)}: not a Cloud Asset Inventory export "
                         "(expected newline-delimited JSON or a JSON array of assets)")


def read_export(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Every asset record of every file, in order; a GcpExportError when none holds any asset."""
    paths = list(paths)
    if not paths:
        raise GcpExportError("no export file given")
    records: list[dict[str, Any]] = []
    for path in paths:
        records.extend(read_file(path))
    if not records:
        names = ", ".join(str(p) for p in paths)
        raise GcpExportError(f"{names}: no assets in the export (empty file?)")
    return records


def collect_from_export(paths: Iterable[str | Path], tool_version: str) -> Snapshot:
    """A snapshot from Cloud Asset Inventory export files, normalized like a live collection."""
    return merge_partials(normalize(read_export(paths), source="export"), tool_version)
