"""Record shapes: camelCase or snake_case, flattened SDK objects, lower-cased ids, skipped types."""

from __future__ import annotations

import logging

import pytest
from cloudwarden.providers.azure.normalize import arm

from tests.providers.azure.normalize.conftest import View, build

ACCOUNT = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st1"


def test_snake_case_and_any_letter_case_read_the_same_field() -> None:
    assert arm.get({"supports_https_traffic_only": True}, "supportsHttpsTrafficOnly") is True
    assert arm.get({"KeyVaultProperties": 1}, "keyvaultproperties") == 1


def test_flattened_sdk_object_is_its_own_properties() -> None:
    record = {"id": ACCOUNT.upper(), "type": "Microsoft.Storage/storageAccounts", "name": "st1",
              "supports_https_traffic_only": False, "minimum_tls_version": "TLS1_2"}
    props = View(build([record])).node(ACCOUNT).props
    assert (props["tls_only"], props["encryption"]["min_tls"]) == (False, "1.2")


def test_node_ids_are_lower_cased_and_native_types_canonical() -> None:
    record = {"id": ACCOUNT.replace("storageaccounts", "storageAccounts").replace("/rg/", "/RG/"),
              "type": "microsoft.storage/storageaccounts", "name": "st1", "properties": {}}
    node = View(build([record])).node(ACCOUNT)
    assert node.native_type == "Microsoft.Storage/storageAccounts"
    assert (node.account, node.name) == ("s1", "st1")


def test_every_resource_hangs_under_its_group_and_subscription() -> None:
    view = View(build([{"id": ACCOUNT, "type": "microsoft.storage/storageaccounts", "name": "st1", "properties": {}}]))
    group = "/subscriptions/s1/resourcegroups/rg"
    assert view.edges("contains", group, ACCOUNT)
    assert view.edges("contains", "/subscriptions/s1", group)
    assert view.node(group).reference and view.node("/subscriptions/s1").kind == "account"


def test_unmodeled_types_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    record = {"id": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.foo/bars/b", "type": "microsoft.foo/bars"}
    with caplog.at_level(logging.INFO, logger="cloudwarden.azure.normalize"):
        view = View(build([record]))
    assert record["id"] not in view.nodes
    assert "microsoft.foo/bars (1)" in caplog.text


def test_subscription_hierarchy_comes_from_the_ancestors_chain_alone() -> None:
    record = {"id": "/subscriptions/s1", "type": "microsoft.resources/subscriptions", "subscriptionId": "s1", "name": "prod",
              "properties": {"managementGroupAncestorsChain": [{"name": "Apps"}, {"name": "tenant-root"}]}}
    view = View(build([record]))
    apps = "/providers/microsoft.management/managementgroups/apps"
    assert view.edges("contains", apps, "/subscriptions/s1")
    assert view.edges("contains", "/providers/microsoft.management/managementgroups/tenant-root", apps)
    assert view.node("/subscriptions/s1").name == "prod"


def test_durations_and_epochs_read_as_rotation_policies_write_them() -> None:
    assert [arm.duration_days(v) for v in ("P90D", "P1Y", "P18M", "P2W", "PT1H")] == [90, 365, 540, 14, None]
    assert arm.epoch_to_iso(1704067200) == "2024-01-01T00:00:00Z"


def test_write_only_secrets_never_reach_raw() -> None:
    record = {"id": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1",
              "type": "microsoft.compute/virtualmachines", "name": "vm1",
              "properties": {"osProfile": {"adminPassword": "P@ss-secret"}, "extensionProfile": {
                  "extensions": [{"properties": {"protectedSettings": {"script": "secret"}, "settings": {"a": 1}}}]},
                  "connectionStrings": [{"value": "Server=x;Password=secret"}]}}
    raw = View(build([record])).node(record["id"]).raw
    assert "secret" not in str(raw).lower()
    assert raw["properties"]["extensionProfile"]["extensions"][0]["properties"]["settings"] == {"a": 1}
