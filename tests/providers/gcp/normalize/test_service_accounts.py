"""Service accounts and their keys."""

from __future__ import annotations

import json

from tests.providers.gcp.normalize.conftest import APP_SA, CI_SA, DEFAULT_SA, View


def test_a_user_managed_key_older_than_90_days_has_its_age(estate: View) -> None:
    [key] = estate.props(CI_SA)["keys"]
    assert (key["id"], key["age_days"], key["active"]) == ("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", 517, True)


def test_system_managed_keys_are_counted_not_listed(estate: View) -> None:
    props = estate.props(APP_SA)
    assert [k["age_days"] for k in props["keys"]] == [16]  # nanosecond timestamps parse
    assert (props["user_managed_keys"], props["system_managed_keys"]) == (1, 1)


def test_keys_are_unknown_when_the_input_has_no_key_records(normalized) -> None:
    view = normalized([{"name": "//iam.googleapis.com/projects/p/serviceAccounts/1",
                        "asset_type": "iam.googleapis.com/ServiceAccount",
                        "resource": {"data": {"email": "a@p.iam.gserviceaccount.com", "projectId": "p"}}}])
    assert view.props("//iam.googleapis.com/projects/p/serviceAccounts/1")["keys"] is None


def test_the_compute_default_account_is_marked(estate: View) -> None:
    assert estate.props(DEFAULT_SA)["default"] == "compute"
    assert estate.node(DEFAULT_SA).name == "123456789012-compute@developer.gserviceaccount.com"
    assert estate.props(CI_SA)["default"] is None


def test_who_may_impersonate_an_account_is_a_binding_scoped_to_it(estate: View) -> None:
    edge = estate.edge("user:dev@example.com", "roles/iam.serviceAccountTokenCreator", "has_policy")
    assert edge.detail["bindings"][0]["scope"] == APP_SA


def test_no_key_material_is_kept(normalized) -> None:
    record = {"name": "//iam.googleapis.com/projects/p/serviceAccounts/1/keys/k",
              "asset_type": "iam.googleapis.com/ServiceAccountKey",
              "resource": {"data": {"name": "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k",
                                    "privateKeyData": "PRIVATE-MATERIAL", "keyType": "USER_MANAGED"}}}
    view = normalized([record])
    nodes = view.snapshot.nodes
    assert "PRIVATE-MATERIAL" not in json.dumps([n.raw for n in nodes] + [n.props for n in nodes])
