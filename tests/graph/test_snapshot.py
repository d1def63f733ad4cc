"""Snapshots: written atomically, gzip by name, validated on load with clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cloudwarden.graph.model import CoverageGap, Edge, Node, Source
from cloudwarden.graph.snapshot import SCHEMA, Snapshot, SnapshotError, load_snapshot, write_snapshot


def sample() -> Snapshot:
    return Snapshot(
        collected_at="2026-11-25T00:00:00Z",
        tool_version="test",
        sources=[Source(cloud="aws", account="111122223333", regions=["us-east-1"], services=["s3"],
                        errors=[CoverageGap(service="s3", reason="access_denied", message="AccessDenied")])],
        nodes=[
            Node(id="arn:aws:iam::111122223333:root", cloud="aws", kind="account", name="111122223333"),
            Node(id="arn:aws:s3:::b", cloud="aws", kind="storage.bucket", name="b", props={"public": False}),
        ],
        edges=[Edge(source="arn:aws:iam::111122223333:root", target="arn:aws:s3:::b", kind="contains")],
    )


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_snapshot_round_trips(tmp_path: Path, name: str) -> None:
    write_snapshot(sample(), tmp_path / name)
    assert load_snapshot(tmp_path / name) == sample()


def test_gz_name_writes_gzip(tmp_path: Path) -> None:
    write_snapshot(sample(), tmp_path / "snap.json.gz")
    assert json.loads(gzip.decompress((tmp_path / "snap.json.gz").read_bytes()))["schema"] == SCHEMA


def test_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_snapshot(sample(), tmp_path / "snap.json")
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


def test_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    write_snapshot(sample(), target)
    before = target.read_bytes()
    bad = sample()
    bad.nodes[0].props = {"x": object()}  # not encodable
    with pytest.raises(TypeError):
        write_snapshot(bad, target)
    assert target.read_bytes() == before


def test_coverage_gaps_are_listed_with_their_account(tmp_path: Path) -> None:
    gaps = sample().coverage_gaps()
    assert gaps == [{"cloud": "aws", "account": "111122223333", "service": "s3", "reason": "access_denied",
                     "message": "AccessDenied"}]


def _write(tmp_path: Path, content: bytes, name: str = "snap.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_truncated_gzip_is_a_snapshot_error(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps({"schema": SCHEMA}).encode())
    with pytest.raises(SnapshotError, match="damaged gzip"):
        load_snapshot(_write(tmp_path, data[:-8], "snap.json.gz"))


def test_invalid_json_is_a_snapshot_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="invalid JSON"):
        load_snapshot(_write(tmp_path, b'{"schema": "cloudwarden.snapshot/v1", "nodes": ['))


def test_foreign_json_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="not a cloudwarden snapshot"):
        load_snapshot(_write(tmp_path, b'{"Resources": []}'))


def test_newer_schema_version_is_rejected_by_name(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="unsupported snapshot version 'cloudwarden.snapshot/v2'"):
        load_snapshot(_write(tmp_path, b'{"schema": "cloudwarden.snapshot/v2"}'))


def test_wrong_field_type_names_the_json_path(tmp_path: Path) -> None:
    doc = {"schema": SCHEMA, "nodes": [{"id": 5, "cloud": "aws", "kind": "account"}]}
    with pytest.raises(SnapshotError, match=r"\$\.nodes\[0\]\.id"):
        load_snapshot(_write(tmp_path, json.dumps(doc).encode()))


def test_edge_to_unknown_node_is_rejected(tmp_path: Path) -> None:
    doc = {"schema": SCHEMA, "nodes": [], "edges": [{"source": "a", "target": "b", "kind": "contains"}]}
    with pytest.raises(SnapshotError, match="unknown node 'a'"):
        load_snapshot(_write(tmp_path, json.dumps(doc).encode()))


def test_unknown_edge_kind_is_rejected(tmp_path: Path) -> None:
    doc = {"schema": SCHEMA, "nodes": [{"id": "a", "cloud": "aws", "kind": "account"}],
           "edges": [{"source": "a", "target": "a", "kind": "likes"}]}
    with pytest.raises(SnapshotError, match="unknown edge kind 'likes'"):
        load_snapshot(_write(tmp_path, json.dumps(doc).encode()))


def test_missing_file_is_a_snapshot_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        load_snapshot(tmp_path / "absent.json")


def test_merging_snapshots_prefers_collected_nodes_over_references() -> None:
    from cloudwarden.graph.merge import merge_snapshots
    from cloudwarden.graph.model import Edge, Node, Source
    from cloudwarden.graph.snapshot import Snapshot

    a = Snapshot(sources=[Source(cloud="aws", account="1")],
                 nodes=[Node(id="k", cloud="aws", kind="kms.key", reference=True), Node(id="b", cloud="aws", kind="storage.bucket")],
                 edges=[Edge(source="b", target="k", kind="encrypted_by")])
    b = Snapshot(sources=[Source(cloud="azure", account="s")],
                 nodes=[Node(id="k", cloud="aws", kind="kms.key", name="collected")],
                 edges=[Edge(source="b", target="k", kind="encrypted_by")])
    merged = merge_snapshots([a, b], "t")
    assert [(n.id, n.reference, n.name) for n in merged.nodes] == [("b", False, ""), ("k", False, "collected")]
    assert len(merged.edges) == 1 and [s.cloud for s in merged.sources] == ["aws", "azure"]
