"""Fixtures for the Azure normalizer tests: the planted-misconfiguration subscription, normalized once.

``fixtures/azure/rows/planted-subscription.json`` holds Resource Graph rows of
one subscription (``resources``, ``resourcecontainers``, ``authorizationresources``)
plus the child records the collector adds, each misconfiguration beside a
clean twin.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.graph.merge import merge_partials
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.azure.normalize import normalize

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures" / "azure"
SUB = "11111111-1111-4111-8111-111111111111"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load_rows(name: str = "planted-subscription.json") -> list[dict[str, Any]]:
    """A fixture file of records (a bare array)."""
    return json.loads((FIXTURES / "rows" / name).read_text())


def build(records: list[dict[str, Any]], **kwargs: Any) -> Snapshot:
    """Normalize records and merge them as a collection run would."""
    return merge_partials(normalize(records, now=NOW, **kwargs), "test")


def arm_id(group: str, provider: str, *parts: str) -> str:
    """A lower-cased ARM id in the planted subscription."""
    return f"/subscriptions/{SUB}/resourcegroups/{group}/providers/{provider}/{'/'.join(parts)}".lower()


class View:
    """Look-ups over a snapshot for assertions."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.nodes = {n.id: n for n in snapshot.nodes}

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        return self.nodes[node_id]

    def edges(self, kind: str, source: str | None = None, target: str | None = None) -> list[Edge]:
        """Edges of a kind, optionally from or to a node."""
        return [e for e in self.snapshot.edges if e.kind == kind and (source is None or e.source == source)
                and (target is None or e.target == target)]


@pytest.fixture(scope="session")
def planted() -> View:
    """The planted subscription, normalized."""
    return View(build(load_rows()))
