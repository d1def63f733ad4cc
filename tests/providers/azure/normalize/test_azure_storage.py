"""Storage accounts as ``storage.bucket``: the planted account against its clean twin."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import View, arm_id, build

PLAIN = arm_id("rg-data", "microsoft.storage", "storageaccounts", "stplainhttp")
CLEAN = arm_id("rg-data", "microsoft.storage", "storageaccounts", "stclean")


def _account(**properties: object) -> dict:
    return {"id": PLAIN, "name": "stplainhttp", "type": "microsoft.storage/storageaccounts",
            "subscriptionId": "11111111-1111-4111-8111-111111111111", "properties": properties}


def test_account_without_https_only_is_not_tls_only(planted: View) -> None:
    props = planted.node(PLAIN).props
    assert props["tls_only"] is False
    assert props["encryption"]["in_transit"] is False
    assert props["encryption"]["min_tls"] == "1.0"


def test_clean_twin_is_tls_only_with_tls_1_2(planted: View) -> None:
    props = planted.node(CLEAN).props
    assert props["tls_only"] is True
    assert props["encryption"]["min_tls"] == "1.2"


def test_public_container_in_an_account_that_allows_it_is_public_by_acl(planted: View) -> None:
    props = planted.node(PLAIN).props
    assert props["public_by_acl"] is True
    assert props["public"] is True
    assert props["public_access_block"]["ignore_public_acls"] is False


def test_disallowing_blob_public_access_blocks_public_acls(planted: View) -> None:
    props = planted.node(CLEAN).props
    assert props["allow_blob_public_access"] is False
    assert props["public_by_acl"] is False
    assert props["public_access_block"]["block_public_acls"] is True


def test_allowed_public_access_without_container_records_leaves_public_unknown() -> None:
    view = View(build([_account(allowBlobPublicAccess=True)]))
    assert view.node(PLAIN).props["public_by_acl"] is None


def test_unset_allow_blob_public_access_means_allowed() -> None:
    view = View(build([_account()]))
    assert view.node(PLAIN).props["allow_blob_public_access"] is True


def test_key_vault_key_source_is_customer_managed_and_linked_to_the_key(planted: View) -> None:
    props = planted.node(CLEAN).props
    key = arm_id("rg-data", "microsoft.keyvault", "vaults", "kv-clean", "keys", "cmk")
    assert props["encryption"]["customer_managed"] is True
    assert props["encryption"]["key_id"] == key
    assert planted.edges("encrypted_by", CLEAN, key)


def test_microsoft_managed_keys_are_not_customer_managed_but_encrypt_at_rest(planted: View) -> None:
    encryption = planted.node(PLAIN).props["encryption"]
    assert encryption["at_rest"] is True
    assert encryption["customer_managed"] is False


def test_versioning_comes_from_the_blob_service_record(planted: View) -> None:
    assert planted.node(PLAIN).props["versioning"]["enabled"] is False
    assert planted.node(CLEAN).props["versioning"]["enabled"] is True


def test_versioning_is_unknown_without_a_blob_service_record() -> None:
    view = View(build([_account(supportsHttpsTrafficOnly=True)]))
    assert view.node(PLAIN).props["versioning"]["enabled"] is None


def test_network_settings_are_exposed_as_facets(planted: View) -> None:
    plain, clean = planted.node(PLAIN).props, planted.node(CLEAN).props
    assert (plain["public_network_access"], plain["network_default_action"]) == ("enabled", "allow")
    assert (clean["public_network_access"], clean["network_default_action"]) == ("disabled", "deny")
    assert clean["network_rules"]["ip_rules"] == ["203.0.113.10"]
    assert plain["shared_key_access"] is True and clean["shared_key_access"] is False
