"""The snapshot depends neither on the order of a payload's keys nor on the order of the records.

The live client turns protobuf maps (``resource.data`` is a ``Struct``) into dicts
whose key order changes from one process to the next, and gathers records from
parallel tasks; an import reads files in the order given. The same estate must
still give byte-identical snapshots (the demo and scan diffs rely on it).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from cloudwarden.graph.merge import merge_partials
from cloudwarden.providers.gcp.normalize import normalize
from cloudwarden.providers.gcp.normalize.assets import canonical

from tests.providers.gcp.normalize.conftest import NOW, estate_records


def reversed_keys(value: Any) -> Any:
    """``value`` with every map's keys in reverse order (lists keep theirs)."""
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def encoded(records: list[dict[str, Any]]) -> bytes:
    return msgspec.json.encode(merge_partials(normalize(records, now=NOW), "test", collected_at="2026-01-01T00:00:00Z"))


def test_reordering_every_payload_key_gives_the_same_snapshot() -> None:
    records = estate_records()

    assert encoded(reversed_keys(records)) == encoded(records)


def test_the_order_of_the_records_does_not_change_the_snapshot() -> None:
    records = estate_records()

    assert encoded(list(reversed(records))) == encoded(records)
    assert encoded(records[1::2] + records[::2]) == encoded(records)


def test_raw_payloads_and_labels_keep_sorted_keys() -> None:
    records = estate_records()
    bucket = next(r for r in records if r["name"] == "//storage.googleapis.com/acme-data")
    bucket["resource"]["data"]["labels"] = {"team": "data", "cost-center": "42", "env": "prod"}

    snapshot = merge_partials(normalize(records, now=NOW), "test")

    assert list(snapshot.node_index()["//storage.googleapis.com/acme-data"].tags) == ["cost-center", "env", "team"]
    assert all(list(n.raw) == sorted(n.raw) for n in snapshot.nodes if n.raw)


def test_canonical_sorts_maps_and_keeps_list_order() -> None:
    value = {"b": [{"z": 1, "a": 2}, 3], "a": {"y": None, "x": "1"}}

    assert json.dumps(canonical(value)) == '{"a": {"x": "1", "y": null}, "b": [{"a": 2, "z": 1}, 3]}'
