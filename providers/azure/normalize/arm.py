"""ARM ids and tolerant field access over Resource Graph rows and ARM payloads.

Records reach the normalizer from Resource Graph (lower-case ``type``, camelCase
fields, facts under ``properties``), from ARM calls serialized by the SDKs, and
from hand-made exports. The accessors here accept camelCase, snake_case and any
letter case for a field, and a ``properties`` wrapper or a flattened object, so
every handler reads one spelling.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T.*)?$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _snake(name: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", name).lower()


@lru_cache(maxsize=4096)
def _folded(name: str) -> str:
    return name.replace("_", "").lower()


def get(obj: Any, *names: str, default: Any = None) -> Any:
    """The first of ``names`` present in ``obj``: exact, snake_case, then any letter case."""
    if not isinstance(obj, dict):
        return default
    for name in names:
        if name in obj:
            return obj[name]
        snake = _snake(name)
        if snake in obj:
            return obj[snake]
    wanted = {_folded(n) for n in names}
    for key, value in obj.items():
        if isinstance(key, str) and _folded(key) in wanted:
            return value
    return default


def path(obj: Any, *steps: str, default: Any = None) -> Any:
    """A nested field (``path(rec, "encryption", "keySource")``), or ``default`` when any step is missing."""
    for step in steps:
        obj = get(obj, step)
        if obj is None:
            return default
    return obj


def props(obj: Any) -> dict[str, Any]:
    """An object's ``properties``; a flattened SDK object is its own properties."""
    if not isinstance(obj, dict):
        return {}
    inner = get(obj, "properties")
    return inner if isinstance(inner, dict) else obj


def items(value: Any) -> list[Any]:
    """A list field as a list (a missing or null field is empty)."""
    return list(value) if isinstance(value, (list, tuple)) else []


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def lower(value: Any) -> str | None:
    """A non-empty string in lower case, or None."""
    out = text(value)
    return out.lower() if out else None


def flag(value: Any) -> bool | None:
    """A boolean from a JSON bool or the strings ARM sometimes uses ("true", "Enabled")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in {"true", "enabled", "on", "yes"}:
            return True
        if folded in {"false", "disabled", "off", "no"}:
            return False
    return None


def lower_id(value: Any) -> str | None:
    """An ARM id lower-cased, without a trailing slash (ARM ids are case-insensitive)."""
    out = text(value)
    return out.rstrip("/").lower() if out else None


def ref_id(value: Any) -> str | None:
    """The id of a reference that is either a string or ``{"id": ...}``."""
    if isinstance(value, dict):
        return lower_id(get(value, "id"))
    return lower_id(value)


def id_segments(resource_id: str) -> dict[str, str]:
    """Key/value segments of an ARM id in lower case: ``subscriptions``, ``resourcegroups`` and type names."""
    parts = [p for p in resource_id.lower().split("/") if p]
    out: dict[str, str] = {}
    index = 0
    while index + 1 < len(parts):
        key = parts[index]
        if key == "providers" and index + 2 < len(parts):
            out["namespace"] = parts[index + 1]
            index += 2
            continue
        out[key] = parts[index + 1]
        index += 2
    return out


def subscription_of(resource_id: str | None) -> str | None:
    """The subscription GUID in an ARM id (lower case), if any."""
    if not resource_id:
        return None
    return id_segments(resource_id).get("subscriptions")


def resource_group_id(resource_id: str | None) -> str | None:
    """``/subscriptions/<s>/resourcegroups/<rg>`` of an ARM id, if it lies in a resource group."""
    seg = id_segments(resource_id or "")
    if "subscriptions" in seg and "resourcegroups" in seg:
        return f"/subscriptions/{seg['subscriptions']}/resourcegroups/{seg['resourcegroups']}"
    return None


def parent_id(resource_id: str) -> str | None:
    """The parent resource of a child resource id (``.../vaults/v/keys/k`` -> ``.../vaults/v``)."""
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return None
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    tail = parts[start + 2 :]  # type, name, subtype, name, ...
    if len(tail) <= 2:
        return None
    return "/".join(parts[: len(parts) - 2])


def last_segment(resource_id: str) -> str:
    """The name at the end of an ARM id."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def scope_prefix(resource_id: str, marker: str) -> str:
    """The part of ``resource_id`` before ``marker`` (case-insensitive), e.g. the scope of an extension resource."""
    index = resource_id.lower().find(marker.lower())
    return resource_id[:index] if index > 0 else ""


def region(value: Any) -> str | None:
    """An ARM location in its short form (``West Europe`` -> ``westeurope``)."""
    out = text(value)
    return out.replace(" ", "").lower() if out else None


def duration_days(value: Any) -> int | None:
    """Days in an ISO 8601 duration as Key Vault rotation policies write them (``P90D``, ``P1Y``, ``P18M``)."""
    match = _DURATION.match(str(value or "").strip())
    if not match or not any(match.groups()[:4]):
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups()[:4])
    return years * 365 + months * 30 + weeks * 7 + days


def epoch_to_iso(value: Any) -> str | None:
    """A Key Vault attribute time (epoch seconds, or an ISO string) as an RFC 3339 string."""
    when = as_datetime(value)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z") if when else None


def as_datetime(value: Any) -> datetime | None:
    """Epoch seconds or an ISO 8601 string as an aware datetime (None when unreadable)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=UTC)
    raw = str(value).strip()
    if raw.isdigit():
        return datetime.fromtimestamp(float(raw), tz=UTC)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tag_map(value: Any) -> dict[str, str]:
    """Tags as a string map (Resource Graph gives an object; null is no tags)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
