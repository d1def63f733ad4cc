"""The writable side of the ARM fake: resources changed through their REST API, in memory.

``write(fake, method, path, body)`` changes the fake's live ``resources`` rows
(``FakeArm.resource``; the fixture files are never written), so the next ARM GET
and Resource Graph query show the change:

- ``PATCH <resource id>``: a JSON merge of the body into the row (``properties``
  merged key by key, as ARM's PATCH of a storage account or key vault), answering
  the row (200).
- ``DELETE <resource id>/<collection>/<name>``: removes the item of that name from
  the row's ``properties.<collection>`` list (an NSG's ``securityRules``) and answers
  202 with ``Azure-AsyncOperation`` and ``Location`` (``Retry-After: 0``) on this
  server, which report ``Succeeded``, as the network provider answers; an absent
  item is 204; ``default*`` collections (default security rules) cannot be deleted
  from (400). Whole resources cannot be deleted here (405).
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.providers.azure.fake_arm import FakeArm

OPERATION_PATH = re.compile(r"^/providers/fake\.operations/\d+$")
Answer = tuple[int, dict[str, str], Any]


def child(fake: FakeArm, path: str) -> tuple[list[dict[str, Any]], str, dict[str, Any] | None] | None:
    """``<resource id>/<collection>/<name>``: the row's ``properties`` list, its key and the named item (or None)."""
    parent, _, name = path.lower().rstrip("/").rpartition("/")
    parent, _, collection = parent.rpartition("/")
    props = (fake.resource(parent) or {}).get("properties") or {}
    key = next((k for k, v in props.items() if k.lower() == collection and isinstance(v, list)), None)
    if key is None:
        return None
    return props[key], key, next((i for i in props[key] if str(i.get("name", "")).lower() == name), None)


def write(fake: FakeArm, method: str, path: str, body: Any) -> Answer:
    """Status, headers and body of a PATCH or DELETE, the fake's rows changed accordingly."""
    with fake._lock:
        row, item_of = fake.resource(path), child(fake, path)
        if method == "PATCH" and row is not None:
            merge(row, body if isinstance(body, dict) else {})
            return 200, {}, copy.deepcopy(row)
        if method != "DELETE" or item_of is None:
            if row is None:
                return _error(404, "ResourceNotFound", f"the resource {path} was not found")
            return _error(405, "MethodNotAllowed", f"{method} {path} is not supported here")
        items, key, item = item_of
        if key.lower().startswith("default"):
            return _error(400, "CannotDeleteDefaultRule", f"{key} cannot be deleted")
        if item is None:
            return 204, {}, None
        items.remove(item)
        fake.operations += 1
        operation = f"{fake.endpoint}/providers/fake.operations/{fake.operations}?api-version=2024-05-01"
    return 202, {"Azure-AsyncOperation": operation, "Location": operation, "Retry-After": "0"}, None


def merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    """A JSON merge of ``changes`` into ``into`` (nested objects merged, anything else replaced)."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _error(status: int, code: str, message: str) -> Answer:
    return status, {}, {"error": {"code": code, "message": message}}
