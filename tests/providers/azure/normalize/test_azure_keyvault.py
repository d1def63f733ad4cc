"""Key Vaults, keys and secrets."""

from __future__ import annotations

import json

from tests.providers.azure.normalize.conftest import View, arm_id, build

NOPURGE = arm_id("rg-data", "microsoft.keyvault", "vaults", "kv-nopurge")
CLEAN = arm_id("rg-data", "microsoft.keyvault", "vaults", "kv-clean")


def test_vault_without_purge_protection_and_open_network(planted: View) -> None:
    props = planted.node(NOPURGE).props
    assert (props["soft_delete"], props["purge_protection"], props["rbac_authorization"]) == (True, False, False)
    assert (props["public_network_access"], props["network_default_action"], props["public"]) == ("enabled", "allow", True)


def test_clean_vault_has_purge_protection_rbac_and_no_public_access(planted: View) -> None:
    props = planted.node(CLEAN).props
    assert (props["purge_protection"], props["rbac_authorization"], props["public"]) == (True, True, False)


def test_access_policies_are_facts_of_who_holds_which_permissions(planted: View) -> None:
    policy = planted.node(NOPURGE).props["access_policies"][0]
    assert policy["principal"] == "azure:principal:cccccccc-0000-4000-8000-000000000004"
    assert policy["secrets"] == ["get", "list", "set"]


def test_key_with_a_rotate_action_rotates_on_its_period(planted: View) -> None:
    key = planted.node(CLEAN + "/keys/cmk")
    assert key.kind == "kms.key"
    assert key.props["rotation"] == {"enabled": True, "period_days": 90}
    assert (key.props["customer_managed"], key.props["state"], key.props["expires"]) == (True, "enabled", "2031-01-01T00:00:00Z")


def test_key_with_a_null_rotation_policy_does_not_rotate_and_past_expiry_is_expired(planted: View) -> None:
    key = planted.node(NOPURGE + "/keys/legacy")
    assert key.props["rotation"]["enabled"] is False
    assert key.props["state"] == "expired"
    assert key.props["expiry_days"] < 0


def test_key_record_without_rotation_policy_leaves_rotation_unknown() -> None:
    record = {"id": NOPURGE + "/keys/k", "type": "Microsoft.KeyVault/vaults/keys", "name": "k",
              "properties": {"attributes": {"enabled": True}, "kty": "EC"}}
    assert View(build([record])).node(NOPURGE + "/keys/k").props["rotation"]["enabled"] is None


def test_secret_value_is_never_kept(planted: View) -> None:
    secret = planted.node(NOPURGE + "/secrets/db-password")
    assert secret.kind == "secret"
    assert "hunter2" not in json.dumps([secret.props, secret.raw])
    assert "value" not in secret.raw["properties"]


def test_keys_hang_under_their_vault(planted: View) -> None:
    assert planted.edges("contains", CLEAN, CLEAN + "/keys/cmk")
