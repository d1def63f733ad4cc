"""Offline import: ``cloudwarden collect azure --from-export FILE...``.

Reads what ``az graph query -q ... -o json`` prints for the ``resources``,
``resourcecontainers`` and ``authorizationresources`` tables: an object with a
``data`` array (plus ``count``, ``skip_token``, ``total_records``), or a bare
array. Also accepted: the REST API's table format (``{"data": {"columns",
"rows"}}``), an ARM list (``{"value": [...]}``), and one resource object. Several
files merge; a record that appears twice keeps its last copy.

Bad input is an ``AzureExportError`` naming the file and, where it can, the JSON
path: unreadable or malformed files, a wrong top-level shape, records that are
not objects or lack ``id``/``type``, and inputs with no record cloudwarden
models (a snapshot is never silently empty). Records of types not modeled are
skipped and counted at info level.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloudwarden.graph.merge import merge_partials
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.azure.normalize import modeled, normalize
from cloudwarden.providers.errors import ProviderInputError

SOURCE = "export"


class AzureExportError(ProviderInputError):
    """An export file that cannot be read as Resource Graph output."""


def _load(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AzureExportError(f"{path}: cannot read the export file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")  # PowerShell and Windows tools write a byte order mark
    except UnicodeDecodeError as exc:
        raise AzureExportError(f"{path}: not UTF-8 text (byte {exc.start}); expected the JSON `az graph query -o json` prints") from None
    if not text.strip():
        raise AzureExportError(f"{path}: the file is empty; expected the JSON `az graph query -o json` prints")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AzureExportError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _table_rows(path: Path, table: dict[str, Any]) -> list[Any]:
    """Rows of the REST API's ``resultFormat=table`` answer as objects."""
    columns = table.get("columns")
    rows = table.get("rows")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise AzureExportError(f"{path}: $.data is an object without `columns` and `rows` arrays")
    names = [str(c.get("name")) if isinstance(c, dict) else str(c) for c in columns]
    out = []
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise AzureExportError(f"{path}: $.data.rows[{index}] is not an array")
        out.append(dict(zip(names, row)))
    return out


def _records(path: Path, document: Any) -> tuple[str, list[Any]]:
    """(JSON path of the array, its items) for the accepted top-level shapes."""
    if isinstance(document, list):
        return "$", document
    if not isinstance(document, dict):
        raise AzureExportError(
            f"{path}: the top level is a {type(document).__name__}; expected an object with a `data` array "
            "(`az graph query -o json`) or an array of resources"
        )
    if "data" in document:
        data = document["data"]
        if isinstance(data, list):
            return "$.data", data
        if isinstance(data, dict):
            return "$.data.rows", _table_rows(path, data)
        raise AzureExportError(f"{path}: $.data is a {type(data).__name__}, not an array of resources")
    if isinstance(document.get("value"), list):
        return "$.value", document["value"]
    if "id" in document and "type" in document:
        return "", [document]  # one resource object (`az resource show`)
    keys = ", ".join(sorted(map(str, document))[:6]) or "none"
    raise AzureExportError(
        f"{path}: an object without a `data` array (keys: {keys}); expected `az graph query -o json` output"
    )


def _check(path: Path, where: str, index: int, record: Any) -> dict[str, Any]:
    location = f"{where}[{index}]" if where else "$"
    if not isinstance(record, dict):
        raise AzureExportError(f"{path}: {location} is a {type(record).__name__}, not a resource object")
    for field in ("id", "type"):
        value = record.get(field)
        if not isinstance(value, str) or not value.strip():
            raise AzureExportError(
                f"{path}: {location} has no `{field}`; the query must keep id, type and properties "
                "(do not `project` them away)"
            )
    properties = record.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise AzureExportError(f"{path}: {location}.properties is a {type(properties).__name__}, not an object")
    return record


def read_export(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """Every record of the export files, in order; a record id seen again replaces the earlier copy."""
    if not paths:
        raise AzureExportError("no export file given")
    merged: dict[str, dict[str, Any]] = {}
    for raw_path in paths:
        path = Path(raw_path)
        where, items = _records(path, _load(path))
        for index, item in enumerate(items):
            record = _check(path, where, index, item)
            merged.pop(record["id"].strip().lower(), None)
            merged[record["id"].strip().lower()] = record
    return list(merged.values())


def collect_from_export(paths: Sequence[str | Path], tool_version: str) -> Snapshot:
    """The snapshot of one or more ``az graph query`` exports (every source marked ``export``)."""
    records = read_export(paths)
    names = ", ".join(str(p) for p in paths)
    if not records:
        raise AzureExportError(f"{names}: the export holds no records")
    # Unmodeled types are skipped and counted by the normalizer (one info line); all of them is an error.
    skipped = Counter(str(r["type"]).lower() for r in records if not modeled(str(r["type"])))
    if sum(skipped.values()) == len(records):
        raise AzureExportError(
            f"{names}: none of the {len(records)} record(s) is of a type cloudwarden models "
            f"(types: {', '.join(sorted(skipped)[:5])})"
        )
    snapshot = merge_partials(normalize(records, source=SOURCE), tool_version)
    if not any(not node.reference for node in snapshot.nodes):
        raise AzureExportError(f"{names}: no resource in the export could be normalized (only child records?)")
    return snapshot
