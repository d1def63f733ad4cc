"""Azure OpenAI accounts and Machine Learning compute instances."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import View, arm_id

OPEN = arm_id("rg-data", "microsoft.cognitiveservices", "accounts", "oai-open")
CLEAN = arm_id("rg-data", "microsoft.cognitiveservices", "accounts", "oai-clean")
WORKSPACE = arm_id("rg-data", "microsoft.machinelearningservices", "workspaces", "mlw-research")


def test_openai_account_with_public_access_and_local_auth(planted: View) -> None:
    node = planted.node(OPEN)
    assert (node.kind, node.props["service_kind"]) == ("ai.service", "OpenAI")
    assert (node.props["public"], node.props["public_network_access"], node.props["local_auth_disabled"]) == (True, "enabled", False)
    assert node.props["encryption"]["customer_managed"] is False


def test_clean_openai_account_is_private_keyless_and_uses_a_customer_key(planted: View) -> None:
    props = planted.node(CLEAN).props
    assert (props["public"], props["local_auth_disabled"], props["encryption"]["customer_managed"]) == (False, True, True)
    assert props["identity"]["user_assigned"] == [arm_id("rg-app", "microsoft.managedidentity", "userassignedidentities", "id-app")]


def test_compute_instance_with_public_ip_and_ssh_is_a_notebook_with_direct_internet(planted: View) -> None:
    node = planted.node(WORKSPACE + "/computes/ci-public")
    assert node.kind == "ai.notebook"
    assert (node.props["public_ip"], node.props["direct_internet_access"], node.props["ssh_access"]) == (True, True, True)
    assert planted.edges("runs_as", node.id)


def test_private_compute_instance_sits_in_its_subnet(planted: View) -> None:
    node = planted.node(WORKSPACE + "/computes/ci-private")
    assert (node.props["public_ip"], node.props["ssh_access"]) == (False, False)
    assert planted.edges("in_subnet", node.id)


def test_compute_clusters_are_not_notebooks(planted: View) -> None:
    assert WORKSPACE + "/computes/cpu-cluster" not in planted.nodes
