"""Shared fixtures: the planted-misconfiguration estate (fixtures/gcp/assets/acme-estate.json), normalized once.

The estate is one organization with a folder, a production project full of
planted issues next to clean twins, and a dev project. Its records are camelCase,
as ``gcloud asset list --format=json`` prints them, with RESOURCE and IAM_POLICY
content as separate records of the same name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.graph.merge import merge_partials
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.gcp.normalize import normalize

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures" / "gcp"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
PROJECT = "//cloudresourcemanager.googleapis.com/projects/123456789012"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/222222222222"
ORG = "//cloudresourcemanager.googleapis.com/organizations/111111111111"
COMPUTE = "//compute.googleapis.com/projects/acme-prod"
SA = "//iam.googleapis.com/projects/acme-prod/serviceAccounts/"
DEFAULT_SA, APP_SA, CI_SA = SA + "100000000000000000001", SA + "100000000000000000002", SA + "100000000000000000003"
KEY = "//cloudkms.googleapis.com/projects/acme-prod/locations/us-central1/keyRings/acme-ring/cryptoKeys/"


def estate_records() -> list[dict[str, Any]]:
    """A fresh copy of the estate's records."""
    return json.loads((FIXTURES / "assets" / "acme-estate.json").read_text())


def snapshot_of(records: list[dict[str, Any]]) -> Snapshot:
    """Records normalized and merged, with ages measured at ``NOW``."""
    return merge_partials(normalize(records, now=NOW), "test")


class View:
    """Look-ups over one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.nodes = snapshot.node_index()
        self.edges = {e.key: e for e in snapshot.edges}

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def props(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id].props

    def edge(self, source: str, target: str, kind: str) -> Edge | None:
        return self.edges.get((source, target, kind))

    def out(self, source: str, kind: str) -> list[Edge]:
        return [e for e in self.snapshot.edges if e.source == source and e.kind == kind]

    def gaps(self) -> list[dict[str, object]]:
        return self.snapshot.coverage_gaps()


@pytest.fixture(scope="session")
def estate() -> View:
    """The planted estate, normalized."""
    return View(snapshot_of(estate_records()))


@pytest.fixture()
def normalized() -> Callable[[list[dict[str, Any]]], View]:
    """Normalize ad-hoc records."""
    return lambda records: View(snapshot_of(records))
