"""The offline import of ``az graph query -o json`` exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cloudwarden.providers.azure.export import (
    AzureExportError,
    collect_from_export,
    read_export,
)
from cloudwarden.providers.errors import ProviderInputError

from tests.providers.azure.normalize.conftest import FIXTURES, SUB, arm_id

EXPORTS = FIXTURES / "exports"
TABLES = [EXPORTS / "resources.json", EXPORTS / "resourcecontainers.json", EXPORTS / "authorizationresources.json"]
ROW = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
       "type": "microsoft.storage/storageaccounts", "name": "st1", "properties": {"supportsHttpsTrafficOnly": True}}


def _write(tmp_path: Path, name: str, content: object | str) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_object_with_a_data_array_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "q.json", {"count": 1, "data": [ROW], "skip_token": None, "total_records": 1})
    assert read_export([path]) == [ROW]


def test_bare_array_is_read(tmp_path: Path) -> None:
    assert read_export([_write(tmp_path, "q.json", [ROW])]) == [ROW]


def test_rest_table_format_is_read_as_objects(tmp_path: Path) -> None:
    table = {"data": {"columns": [{"name": "id", "type": "string"}, {"name": "type"}, {"name": "properties"}],
                      "rows": [[ROW["id"], ROW["type"], ROW["properties"]]]}}
    (record,) = read_export([_write(tmp_path, "q.json", table)])
    assert (record["id"], record["properties"]) == (ROW["id"], ROW["properties"])


def test_byte_order_mark_and_arm_value_lists_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_bytes("\ufeff".encode() + json.dumps({"value": [ROW]}).encode())
    assert read_export([path]) == [ROW]


def test_several_files_merge_and_a_repeated_id_keeps_the_last_copy(tmp_path: Path) -> None:
    newer = dict(ROW, properties={"supportsHttpsTrafficOnly": False})
    first = _write(tmp_path, "a.json", [ROW])
    second = _write(tmp_path, "b.json", {"data": [dict(newer, id=ROW["id"].upper())]})
    (record,) = read_export([first, second])
    assert record["properties"] == {"supportsHttpsTrafficOnly": False}


def test_malformed_json_names_the_file_and_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{"data": [ {"id": "x",, } ]}')
    with pytest.raises(AzureExportError, match=r"broken\.json: not valid JSON at line 1 column"):
        read_export([path])


def test_wrong_top_level_shape_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "odd.json", {"subscriptions": []})
    with pytest.raises(ProviderInputError, match=r"odd\.json: an object without a `data` array"):
        read_export([path])


def test_data_that_is_not_an_array_names_the_json_path(tmp_path: Path) -> None:
    with pytest.raises(AzureExportError, match=r"\$\.data is a str"):
        read_export([_write(tmp_path, "q.json", {"data": "nope"})])


def test_record_without_a_type_names_its_json_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "q.json", {"data": [ROW, {"id": "/subscriptions/s", "name": "x"}]})
    with pytest.raises(AzureExportError, match=r"q\.json: \$\.data\[1\] has no `type`"):
        read_export([path])


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(AzureExportError, match="cannot read the export file"):
        read_export([tmp_path / "absent.json"])


def test_an_export_of_only_unmodeled_types_is_refused_rather_than_empty(tmp_path: Path) -> None:
    row = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/b", "type": "microsoft.foo/bars"}
    with pytest.raises(AzureExportError, match="none of the 1 record"):
        collect_from_export([_write(tmp_path, "q.json", [row])], "test")


def test_empty_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AzureExportError, match="holds no records"):
        collect_from_export([_write(tmp_path, "q.json", {"count": 0, "data": []})], "test")


def test_three_table_export_becomes_a_snapshot_marked_as_an_export() -> None:
    snapshot = collect_from_export(TABLES, "1.2.3")
    source = next(s for s in snapshot.sources if s.account == SUB)
    assert "export" in source.services
    assert snapshot.tool_version == "1.2.3"
    ids = {n.id for n in snapshot.nodes}
    assert arm_id("rg-data", "microsoft.storage", "storageaccounts", "stplainhttp") in ids
    assert f"/subscriptions/{SUB}" in ids


def test_facts_the_tables_lack_are_unknown_and_recorded_as_gaps() -> None:
    snapshot = collect_from_export(TABLES, "test")
    nodes = snapshot.node_index()
    server = nodes[arm_id("rg-data", "microsoft.sql", "servers", "sql-open")]
    assert server.props["public"] is None and server.props["encryption"]["at_rest"] is None
    account = nodes[arm_id("rg-data", "microsoft.storage", "storageaccounts", "stplainhttp")]
    assert account.props["versioning"]["enabled"] is None
    operations = {g["operation"] for g in snapshot.coverage_gaps()}
    assert {"Microsoft.Sql/servers/firewallRules", "Microsoft.Sql/servers/databases/transparentDataEncryption",
            "Microsoft.KeyVault/vaults/keys", "Microsoft.Storage/storageAccounts/blobServices",
            "Microsoft.Insights/diagnosticSettings"} <= operations
    assert all(g["reason"] == "unsupported" for g in snapshot.coverage_gaps())


def test_export_snapshot_still_finds_the_planted_table_facts() -> None:
    nodes = collect_from_export(TABLES, "test").node_index()
    vm = nodes[arm_id("rg-app", "microsoft.compute", "virtualmachines", "vm-web")]
    assert vm.props["world_open_ports"] == [[22, 22]]
    assert nodes[arm_id("rg-data", "microsoft.storage", "storageaccounts", "stplainhttp")].props["tls_only"] is False
