"""Cloud KMS keys and key rings, Secret Manager secrets, Cloud SQL instances."""

from __future__ import annotations

from tests.providers.gcp.normalize.conftest import KEY, View

RING = "//cloudkms.googleapis.com/projects/acme-prod/locations/us-central1/keyRings/acme-ring"
SQL = "//cloudsql.googleapis.com/projects/acme-prod/instances/"


def test_a_rotation_period_becomes_rotation_in_days(estate: View) -> None:
    key = estate.props(KEY + "data-key")
    assert key["rotation"] == {"enabled": True, "period_days": 90.0}
    facts = (key["symmetric"], key["state"], key["origin"], key["customer_managed"])
    assert facts == (True, "enabled", "CLOUD_KMS", True)


def test_a_key_without_rotation_is_known_not_to_rotate(estate: View) -> None:
    assert estate.props(KEY + "no-rotate-key")["rotation"] == {"enabled": False, "period_days": None}


def test_an_asymmetric_key_is_not_symmetric(estate: View) -> None:
    key = estate.props(KEY + "sign-key")
    assert (key["symmetric"], key["purpose"]) == (False, "ASYMMETRIC_SIGN")


def test_a_key_ring_is_a_vault_containing_its_keys(estate: View) -> None:
    assert estate.node(RING).kind == "kms.vault"
    assert estate.edge(RING, KEY + "data-key", "contains") is not None
    assert estate.out("//iam.googleapis.com/projects/acme-prod/serviceAccounts/100000000000000000002",
                      "has_policy")[0].detail["bindings"][0]["scope"] == RING


def test_a_secret_without_cmek_or_rotation(estate: View) -> None:
    secret = estate.props("//secretmanager.googleapis.com/projects/123456789012/secrets/api-token")
    assert secret["encryption"]["customer_managed"] is False and secret["rotation"]["enabled"] is False


def test_cloud_sql_open_to_the_world_is_public(estate: View) -> None:
    props = estate.props(SQL + "acme-sql-public")
    assert (props["public"], props["public_ip"], props["authorized_networks"]) == (True, True, ["0.0.0.0/0"])
    assert props["network"]["public_ips"] == ["35.200.1.1"]
    assert (props["ssl_required"], props["encryption"]["in_transit"]) == (False, False)
    assert (props["backup_retention_days"], props["encryption"]["customer_managed"]) == (0, False)


def test_the_private_cloud_sql_twin_is_not_public(estate: View) -> None:
    props = estate.props(SQL + "acme-sql-private")
    assert (props["public"], props["public_ip"], props["ssl_required"]) == (False, False, True)
    assert (props["backup_retention_days"], props["iam_auth"], props["multi_az"]) == (14, True, True)
    assert props["encryption"]["key_id"] == KEY + "data-key"
    assert estate.edge(SQL + "acme-sql-private", "//compute.googleapis.com/projects/acme-prod/global/networks/default",
                       "in_vpc") is not None


def test_a_public_ip_with_narrow_authorized_networks_is_not_public(normalized) -> None:
    view = normalized([{"name": SQL + "x", "asset_type": "sqladmin.googleapis.com/Instance",
                        "resource": {"data": {"name": "x", "settings": {"ipConfiguration": {
                            "ipv4Enabled": True, "requireSsl": True,
                            "authorizedNetworks": [{"value": "203.0.113.0/24"}]}}}}}])
    props = view.props(SQL + "x")
    assert (props["public"], props["public_ip"], props["ssl_required"]) == (False, True, True)
