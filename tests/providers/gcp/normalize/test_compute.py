"""Compute Engine instances and disks."""

from __future__ import annotations

import json

from tests.providers.gcp.normalize.conftest import COMPUTE, DEFAULT_SA, KEY, View

WEB = COMPUTE + "/zones/us-central1-a/instances/web-1"
BASTION = COMPUTE + "/zones/us-central1-a/instances/bastion-1"
INTERNAL = COMPUTE + "/zones/us-central1-a/instances/internal-1"


def test_external_ips_come_from_access_configs(estate: View) -> None:
    assert estate.props(WEB)["network"] == {"public_ips": ["34.1.2.3"], "private_ips": ["10.128.0.2"], "ipv6_ips": []}
    assert estate.props(INTERNAL)["network"]["public_ips"] == []


def test_an_instance_running_as_the_default_account_with_full_scope_is_flagged(estate: View) -> None:
    web = estate.props(WEB)
    assert (web["default_service_account"], web["default_service_account_full_access"]) == (True, True)
    assert estate.edge(WEB, DEFAULT_SA, "runs_as").detail == {
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}
    assert estate.props(BASTION)["default_service_account"] is False


def test_os_login_is_the_instance_setting_else_the_project_one(estate: View) -> None:
    assert estate.props(WEB)["os_login"] is False  # enable-oslogin=FALSE on the instance
    assert estate.props(INTERNAL)["os_login"] is True  # from commonInstanceMetadata


def test_shielded_vm_settings_follow_the_api_defaults(estate: View) -> None:
    assert estate.props(WEB)["shielded_vm"] == {"enabled": False, "secure_boot": False, "vtpm": True,
                                               "integrity_monitoring": True}
    assert estate.props(BASTION)["shielded_vm"]["enabled"] is True
    assert estate.props(INTERNAL)["shielded_vm"]["enabled"] is False


def test_instances_sit_in_their_subnetwork_and_network(estate: View) -> None:
    assert estate.edge(WEB, COMPUTE + "/regions/us-central1/subnetworks/default", "in_subnet") is not None
    assert estate.edge(WEB, COMPUTE + "/global/networks/default", "in_vpc") is not None
    assert estate.props(WEB)["network_tags"] == ["web"]


def test_a_disk_with_a_kms_key_is_customer_managed_and_encrypted_by_it(estate: View) -> None:
    disk = estate.props(COMPUTE + "/zones/us-central1-a/disks/data-disk")
    assert disk["encryption"] == {"at_rest": True, "key_id": KEY + "data-key", "customer_managed": True}
    assert estate.edge(COMPUTE + "/zones/us-central1-a/disks/data-disk", KEY + "data-key", "encrypted_by")
    plain = estate.props(COMPUTE + "/zones/us-central1-a/disks/web-1")
    assert plain["encryption"]["customer_managed"] is False and plain["attachments"] == [{"instance": WEB}]


def test_metadata_secrets_never_reach_the_snapshot(estate: View) -> None:
    text = json.dumps([n.raw for n in estate.snapshot.nodes])
    assert "s3cr3t-from-metadata" not in text and "ssh-rsa" not in text
    items = estate.node(WEB).raw["metadata"]["items"]
    assert {"key": "enable-oslogin", "value": "FALSE"} in items and {"key": "startup-script"} in items
