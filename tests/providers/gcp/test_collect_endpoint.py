"""The endpoint override (``--endpoint`` / ``CLOUDWARDEN_GCP_ENDPOINT``) reaches every client."""

from __future__ import annotations

import pytest
from google.auth.credentials import AnonymousCredentials

from cloudwarden.providers.gcp.collector import collect_gcp
from cloudwarden.providers.gcp.credentials import GcpConnection, resolve_endpoint
from cloudwarden.providers.gcp.scope import GcpScope
from tests.providers.gcp.conftest import fast_retry
from tests.providers.gcp.fake_gcp import FakeGcp

DEAD = "http://127.0.0.1:9"  # discard port: nothing listens


def test_environment_endpoint_points_every_api_at_the_fake(gcp_fake: FakeGcp) -> None:
    snapshot = collect_gcp(GcpScope(projects=["acme-prod"]), "test", credentials=AnonymousCredentials(),
                           retry=fast_retry())

    assert "//storage.googleapis.com/acme-prod-public" in snapshot.node_index()
    paths = {r.path for r in gcp_fake.requests}
    assert "/v1/projects/acme-prod/assets" in paths  # Cloud Asset Inventory
    assert "/v3/projects/acme-prod" in paths  # Resource Manager
    assert any(p.startswith("/v1/roles/") for p in paths)  # IAM


def test_endpoint_flag_wins_over_the_environment(gcp_fake: FakeGcp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_GCP_ENDPOINT", DEAD)

    snapshot = collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake.endpoint), "test",
                           credentials=AnonymousCredentials(), retry=fast_retry())

    assert "//storage.googleapis.com/acme-prod-public" in snapshot.node_index()


def test_service_placeholder_gives_each_api_its_own_endpoint() -> None:
    conn = GcpConnection(AnonymousCredentials(), resolve_endpoint("https://{service}-corp.p.googleapis.com/"))

    assert conn.client_options("cloudasset").api_endpoint == "https://cloudasset-corp.p.googleapis.com"
    assert conn.base_url("iam") == "https://iam-corp.p.googleapis.com"


def test_no_override_leaves_the_public_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDWARDEN_GCP_ENDPOINT", raising=False)
    conn = GcpConnection(AnonymousCredentials(), resolve_endpoint(None))

    assert conn.client_options("cloudasset").api_endpoint is None
    assert conn.base_url("iam") == "https://iam.googleapis.com"
