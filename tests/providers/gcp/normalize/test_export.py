"""Offline import: gcloud asset export NDJSON (snake_case) and gcloud asset list JSON arrays (camelCase)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import msgspec
import pytest
from cloudwarden.providers.errors import ProviderInputError
from cloudwarden.providers.gcp.export import GcpExportError, collect_from_export, read_export

from tests.providers.gcp.normalize.conftest import FIXTURES, PROJECT, estate_records, snapshot_of

EXPORTS = FIXTURES / "exports"


def _comparable(snapshot) -> tuple:
    return (msgspec.to_builtins(snapshot.nodes), msgspec.to_builtins(snapshot.edges))


def test_ndjson_exports_of_resources_and_policies_merge_into_the_estate() -> None:
    records = read_export([EXPORTS / "acme-resource.ndjson", EXPORTS / "acme-iam-policy.ndjson"])
    assert len(records) == 66  # the blank line is skipped
    assert _comparable(snapshot_of(records)) == _comparable(snapshot_of(estate_records()))


def test_a_camel_case_json_array_is_read() -> None:
    records = read_export([EXPORTS / "acme-list.json"])
    assert {r["assetType"] for r in records} == {"cloudresourcemanager.googleapis.com/Project",
                                                "storage.googleapis.com/Bucket"}


def test_collect_from_export_builds_a_snapshot() -> None:
    snapshot = collect_from_export([str(EXPORTS / "acme-list.json")], "1.2.3")
    index = snapshot.node_index()
    assert snapshot.tool_version == "1.2.3" and index[PROJECT].account == "acme-prod"
    assert index["//storage.googleapis.com/acme-public-assets"].props["public"] is True
    [source] = snapshot.sources
    assert source.account == "acme-prod" and "export" in source.services


def test_a_malformed_line_names_the_file_and_line() -> None:
    with pytest.raises(GcpExportError, match=r"bad-line\.ndjson:2: invalid JSON"):
        read_export([EXPORTS / "bad-line.ndjson"])


def test_export_errors_are_provider_input_errors() -> None:
    assert issubclass(GcpExportError, ProviderInputError)


def test_a_record_without_asset_type_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_text('{"name": "//storage.googleapis.com/a", "asset_type": "storage.googleapis.com/Bucket"}\n'
                    '{"name": "//storage.googleapis.com/b"}\n')
    with pytest.raises(GcpExportError, match=r"x\.ndjson:2: asset //storage.googleapis.com/b has no 'asset_type'"):
        read_export([path])


def test_a_json_array_element_that_is_not_an_asset_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text('[\n  {"name": "//a", "assetType": "t/T"},\n  42\n]\n')
    with pytest.raises(GcpExportError, match=r"list\.json:3: expected a JSON object"):
        read_export([path])


def test_a_truncated_json_array_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text('[\n  {"name": "//a", "assetType": "t/T"},\n')
    with pytest.raises(GcpExportError, match=r"list\.json:\d+: the JSON array is not closed"):
        read_export([path])


def test_an_empty_export_is_an_error_not_an_empty_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_text("\n\n")
    with pytest.raises(GcpExportError, match="no assets"):
        collect_from_export([str(path)], "t")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GcpExportError, match=r"missing\.json: cannot read"):
        read_export([tmp_path / "missing.json"])


def test_a_file_that_is_not_json_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(GcpExportError, match=r"notes\.txt:1: not a Cloud Asset Inventory export"):
        read_export([path])


def test_gzip_files_and_list_assets_responses_are_read(tmp_path: Path) -> None:
    path = tmp_path / "assets.json.gz"
    body = {"assets": [{"name": "//storage.googleapis.com/z", "assetType": "storage.googleapis.com/Bucket"}]}
    path.write_bytes(gzip.compress(json.dumps(body).encode()))
    assert [r["name"] for r in read_export([path])] == ["//storage.googleapis.com/z"]


def test_legacy_asset_type_names_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps([{"name": "//storage.googleapis.com/w", "asset_type": "google.cloud.storage.Bucket",
                                 "iam_policy": {"bindings": [{"role": "roles/storage.objectViewer",
                                                              "members": ["allUsers"]}]}}]))
    node = collect_from_export([str(path)], "t").node_index()["//storage.googleapis.com/w"]
    assert node.kind == "storage.bucket" and node.props["public_members"][0]["member"] == "allUsers"
