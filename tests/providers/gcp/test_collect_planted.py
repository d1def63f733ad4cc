"""End to end on the fake: the planted project (fixtures/gcp/api/planted) collected through the real
clients, each planted misconfiguration present as a fact, each clean twin clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials

from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.gcp.collector import collect_gcp
from cloudwarden.providers.gcp.scope import GcpScope
from tests.providers.gcp.conftest import fast_retry
from tests.providers.gcp.fake_gcp import FakeGcp

CRM = "//cloudresourcemanager.googleapis.com/"
PROJECT = CRM + "projects/300000000001"
COMPUTE = "//compute.googleapis.com/projects/acme-prod/"
SA = "//iam.googleapis.com/projects/acme-prod/serviceAccounts/"
WEB_SA, DEPLOYER, REPORTING = SA + "110000000000000000001", SA + "110000000000000000002", SA + "110000000000000000004"
KEYS = "//cloudkms.googleapis.com/projects/acme-prod/locations/us-central1/keyRings/prod-ring/cryptoKeys/"
SQL = "//cloudsql.googleapis.com/projects/acme-prod/instances/"
NOTEBOOKS = "//notebooks.googleapis.com/projects/acme-prod/locations/us-central1-a/instances/"


@pytest.fixture(scope="module")
def planted(gcp_fake_server: FakeGcp) -> Iterator[Snapshot]:
    """One collection of the planted project for the whole module (the fake is read-only here)."""
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    gcp_fake_server.max_page_size = 7  # the inventory arrives over several pages
    yield collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake_server.endpoint), "test",
                      credentials=AnonymousCredentials(), retry=fast_retry())
    gcp_fake_server.reset()


def node(snapshot: Snapshot, node_id: str) -> Node:
    return snapshot.node_index()[node_id]


def edge(snapshot: Snapshot, source: str, target: str, kind: str) -> Edge | None:
    return next((e for e in snapshot.edges if (e.source, e.target, e.kind) == (source, target, kind)), None)


def test_the_planted_project_is_collected_without_coverage_gaps(planted: Snapshot) -> None:
    source = next(s for s in planted.sources if s.account == "acme-prod")
    assert {"cloudasset", "cloudresourcemanager"} <= set(source.services)
    assert source.errors == []
    assert node(planted, PROJECT).kind == "account"


def test_bucket_readable_by_all_users_is_public_and_its_private_twin_is_not(planted: Snapshot) -> None:
    public = node(planted, "//storage.googleapis.com/acme-prod-public")
    private = node(planted, "//storage.googleapis.com/acme-prod-private")

    assert public.props["public"] is True
    assert [m["member"] for m in public.props["public_members"]] == ["allUsers"]
    assert private.props["public"] is False
    assert private.props["encryption"]["customer_managed"] is True


def test_bucket_without_uniform_access_is_told_apart(planted: Snapshot) -> None:
    assert node(planted, "//storage.googleapis.com/acme-prod-legacy-acl").props["uniform_access"] is False
    assert node(planted, "//storage.googleapis.com/acme-prod-private").props["uniform_access"] is True


def test_ssh_open_to_the_world_on_a_tag_and_its_disabled_twin(planted: Snapshot) -> None:
    rule = node(planted, COMPUTE + "global/firewalls/allow-ssh-from-anywhere").props
    twin = node(planted, COMPUTE + "global/firewalls/allow-ssh-from-anywhere-disabled").props

    assert rule["disabled"] is False and rule["target_tags"] == ["ssh-bastion"]
    assert {"0.0.0.0/0"} == {s for r in rule["rules"] for s in r["sources"]}
    assert [r["ports"] for r in rule["rules"]] == [[[22, 22]]]
    assert twin["disabled"] is True


def test_instance_with_external_ip_runs_as_a_storage_admin_with_full_scope(planted: Snapshot) -> None:
    web = node(planted, COMPUTE + "zones/us-central1-a/instances/web-1")
    runs_as = edge(planted, web.id, WEB_SA, "runs_as")
    grant = edge(planted, "serviceAccount:web-app@acme-prod.iam.gserviceaccount.com", "roles/storage.admin",
                 "has_policy") or edge(planted, WEB_SA, "roles/storage.admin", "has_policy")

    assert web.props["network"]["public_ips"] == ["34.68.10.20"]
    assert runs_as is not None and runs_as.detail["scopes"] == ["https://www.googleapis.com/auth/cloud-platform"]
    assert grant is not None and [b["scope"] for b in grant.detail["bindings"]] == [PROJECT]


def test_internal_twin_has_no_external_ip_and_narrow_scopes(planted: Snapshot) -> None:
    internal = node(planted, COMPUTE + "zones/us-central1-a/instances/internal-1")

    assert internal.props["network"]["public_ips"] == []
    assert edge(planted, internal.id, REPORTING, "runs_as").detail["scopes"] == [  # type: ignore[union-attr]
        "https://www.googleapis.com/auth/devstorage.read_only", "https://www.googleapis.com/auth/logging.write"]


def test_user_can_mint_tokens_for_a_project_owner_service_account(planted: Snapshot) -> None:
    token_creator = edge(planted, "user:mallory@acme.example", "roles/iam.serviceAccountTokenCreator", "has_policy")
    owner = edge(planted, DEPLOYER, "roles/owner", "has_policy") or edge(
        planted, "serviceAccount:deployer@acme-prod.iam.gserviceaccount.com", "roles/owner", "has_policy")

    assert token_creator is not None and [b["scope"] for b in token_creator.detail["bindings"]] == [DEPLOYER]
    assert owner is not None and [b["scope"] for b in owner.detail["bindings"]] == [PROJECT]


def test_cloud_sql_open_to_the_internet_and_its_private_twin(planted: Snapshot) -> None:
    open_db, private_db = node(planted, SQL + "prod-db").props, node(planted, SQL + "private-db").props

    assert open_db["authorized_networks"] == ["0.0.0.0/0"] and open_db["public"] is True
    assert private_db["public"] is False and private_db["ssl_required"] is True


def test_kms_key_without_rotation_and_its_rotated_twin(planted: Snapshot) -> None:
    assert node(planted, KEYS + "static-key").props["rotation"]["enabled"] is False
    assert node(planted, KEYS + "rotated-key").props["rotation"] == {"enabled": True, "period_days": 90}


def test_old_user_managed_key_on_the_owner_service_account(planted: Snapshot) -> None:
    deployer, web = node(planted, DEPLOYER).props, node(planted, WEB_SA).props

    assert deployer["user_managed_keys"] == 1 and deployer["keys"][0]["age_days"] > 365
    assert web["user_managed_keys"] == 0  # its only key is system-managed


def test_workbench_instance_with_public_ip_and_its_private_twin(planted: Snapshot) -> None:
    assert node(planted, NOTEBOOKS + "research-nb").props["public_ip"] is True
    assert node(planted, NOTEBOOKS + "secure-nb").props["public_ip"] is False
