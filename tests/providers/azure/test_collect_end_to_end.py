"""collect_azure on the fake: a snapshot of the planted subscriptions, planted issues and clean twins.

The estate (fixtures/azure/arm/) has a prod subscription with one misconfigured
resource of each kind beside a clean twin, a small dev subscription and an empty
sandbox, under a management-group tree. Policy-level tests build on it.
"""

from __future__ import annotations

import pytest
from cloudwarden.providers.azure.collector import collect_azure

from tests.providers.azure.conftest import (
    DEV,
    PROD,
    SANDBOX,
    TENANT,
    AzureFake,
    StaticTokenCredential,
)

RG_APP = f"/subscriptions/{PROD}/resourcegroups/rg-prod-app/providers"
RG_DATA = f"/subscriptions/{PROD}/resourcegroups/rg-prod-data/providers"


@pytest.fixture(scope="module")
def snapshot(azure_fake_server):
    """One collection of the whole estate, shared by the read-only tests of this module."""
    azure_fake_server.reset()
    fake = AzureFake(azure_fake_server.endpoint, azure_fake_server.ca_path, StaticTokenCredential(), azure_fake_server)
    return collect_azure(fake.scope(), "test", credential=fake.credential)


def node(snapshot, node_id):
    [found] = [n for n in snapshot.nodes if n.id == node_id]
    return found


def edges(snapshot, kind, source=None):
    return {(e.source, e.target) for e in snapshot.edges if e.kind == kind and (source is None or e.source == source)}


def test_every_subscription_is_a_source_without_gaps(snapshot):
    by_account = {s.account: s for s in snapshot.sources}
    assert {PROD, DEV, SANDBOX} <= set(by_account)
    assert all(not s.errors for s in snapshot.sources)
    assert {"resource-graph", "sql", "keyvault", "storage", "monitor", "authorization"} <= set(by_account[PROD].services)
    assert node(snapshot, f"/subscriptions/{PROD}").kind == "account"


def test_management_group_tree_contains_the_subscriptions(snapshot):
    corp = "/providers/microsoft.management/managementgroups/mg-corp"
    root = f"/providers/microsoft.management/managementgroups/{TENANT}"
    contains = edges(snapshot, "contains")
    assert (root, corp) in contains
    assert {(corp, f"/subscriptions/{PROD}"), (corp, f"/subscriptions/{DEV}"), (root, f"/subscriptions/{SANDBOX}")} <= contains


def test_storage_account_without_https_only_and_its_clean_twin(snapshot):
    planted = node(snapshot, f"{RG_DATA}/microsoft.storage/storageaccounts/stprodopen").props
    twin = node(snapshot, f"{RG_DATA}/microsoft.storage/storageaccounts/stprodsecure").props
    assert (planted["tls_only"], planted["encryption"]["min_tls"], planted["public"]) == (False, "1.0", True)
    assert (twin["tls_only"], twin["encryption"]["min_tls"], twin["public"]) == (True, "1.2", False)
    assert (planted["versioning"]["enabled"], twin["versioning"]["enabled"]) == (False, True)  # blob service detail
    assert (planted["encryption"]["customer_managed"], twin["encryption"]["customer_managed"]) == (False, True)


def test_nsg_with_world_ssh_and_its_shadowed_twin(snapshot):
    web = node(snapshot, f"{RG_APP}/microsoft.compute/virtualmachines/vm-web").props
    app = node(snapshot, f"{RG_APP}/microsoft.compute/virtualmachines/vm-app").props
    assert [22, 22] in web["world_open_ports"]
    assert app["world_open_ports"] == []
    rules = node(snapshot, f"{RG_APP}/microsoft.network/networksecuritygroups/nsg-app").props["rules"]
    ssh = [(r["priority"], r["action"]) for r in rules if r["direction"] == "ingress" and [22, 22] in r["ports"]]
    assert ssh == [(100, "deny"), (200, "allow")]


def test_vm_runs_as_its_system_and_user_assigned_identities(snapshot):
    vm_web = f"{RG_APP}/microsoft.compute/virtualmachines/vm-web"
    assert edges(snapshot, "runs_as", vm_web) == {
        (vm_web, "azure:principal:f00dcafe-0000-4000-8000-000000000006"),
        (vm_web, f"{RG_APP}/microsoft.managedidentity/userassignedidentities/id-web"),
    }
    assert not edges(snapshot, "runs_as", f"{RG_APP}/microsoft.compute/virtualmachines/vm-app")


def test_role_assignments_become_has_policy_edges(snapshot):
    definitions = "/providers/microsoft.authorization/roledefinitions"
    has_policy = edges(snapshot, "has_policy")
    assert ("azure:principal:a11ce000-0000-4000-8000-000000000001", f"{definitions}/8e3af657-a8ff-443c-a75c-2fe8c4bcb635") in has_policy
    assert ("azure:principal:f00dcafe-0000-4000-8000-000000000006", f"{definitions}/b24988ac-6180-42a0-ab88-20f7382dd24c") in has_policy
    # Storage Blob Data Reader is not in the Resource Graph rows: the collector fetched it through ARM.
    reader = node(snapshot, f"{definitions}/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
    assert reader.props["role_name"] == "Storage Blob Data Reader" and not reader.reference


def test_key_vault_without_purge_protection_and_its_keys(snapshot):
    assert node(snapshot, f"{RG_DATA}/microsoft.keyvault/vaults/kv-prod-open").props["purge_protection"] is False
    assert node(snapshot, f"{RG_DATA}/microsoft.keyvault/vaults/kv-prod-secure").props["purge_protection"] is True
    key = node(snapshot, f"{RG_DATA}/microsoft.keyvault/vaults/kv-prod-open/keys/key-app")
    assert (key.kind, key.props["expires"]) == ("kms.key", None)
    assert node(snapshot, f"{RG_DATA}/microsoft.keyvault/vaults/kv-prod-secure/keys/key-cmk").props["rotation"]["enabled"] is True


def test_sql_server_with_a_world_firewall_rule_and_its_clean_twin(snapshot):
    planted = node(snapshot, f"{RG_DATA}/microsoft.sql/servers/sql-prod-open").props
    twin = node(snapshot, f"{RG_DATA}/microsoft.sql/servers/sql-prod-secure").props
    assert (planted["firewall_world_open"], planted["public"], planted["encryption"]["at_rest"]) == (True, True, False)
    assert (twin["firewall_world_open"], twin["public"], twin["encryption"]["at_rest"]) == (False, False, True)


def test_openai_account_public_with_keys_and_its_private_twin(snapshot):
    planted = node(snapshot, f"{RG_APP}/microsoft.cognitiveservices/accounts/oai-prod-open")
    twin = node(snapshot, f"{RG_APP}/microsoft.cognitiveservices/accounts/oai-prod-secure")
    assert planted.kind == "ai.service"
    assert (planted.props["public"], planted.props["local_auth_disabled"]) == (True, False)
    assert (twin.props["public"], twin.props["local_auth_disabled"]) == (False, True)


def test_activity_log_export_per_subscription(snapshot):
    assert node(snapshot, f"/subscriptions/{PROD}").props["activity_log"]["exported"] is True
    assert node(snapshot, f"/subscriptions/{DEV}").props["activity_log"]["exported"] is False


def test_denied_detail_call_leaves_the_fact_unknown_and_records_the_gap(azure_fake):
    azure_fake.server.fault("GET", f"/subscriptions/{DEV}/providers/microsoft.insights/diagnosticsettings$", 403,
                            code="AuthorizationFailed", times=None)
    snapshot = collect_azure(azure_fake.scope(), "test", credential=azure_fake.credential)
    assert node(snapshot, f"/subscriptions/{DEV}").props.get("activity_log", {}).get("exported") is None
    [source] = [s for s in snapshot.sources if s.account == DEV]
    assert [(g.service, g.reason, g.resource) for g in source.errors] == [("monitor", "access_denied", f"/subscriptions/{DEV}")]
