"""The GCP remediation session: who acts, where it connects, and how API errors read."""

from __future__ import annotations

import pytest
from cloudwarden.providers.gcp.remediation import UNKNOWN_ACTOR, connect
from cloudwarden.providers.remediation import ApiCall, RemediationError
from google.auth.credentials import AnonymousCredentials

from tests.providers.gcp.remediation.gcp_estate import (
    OPERATOR,
    ServiceAccountToken,
    firewall,
)
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp

DISABLE = ApiCall("compute.firewalls", "patch", {"project": "acme-prod", "firewall": "allow-ssh-world",
                                                 "firewall_resource": {"disabled": True}}, firewall("allow-ssh-world"))


def test_the_actor_is_the_service_account_email(gcp: StatefulGcp) -> None:
    assert connect(ServiceAccountToken(), gcp.endpoint).actor() == OPERATOR


def test_credentials_without_an_identity_get_a_placeholder_actor(gcp: StatefulGcp) -> None:
    assert connect(AnonymousCredentials(), gcp.endpoint).actor() == UNKNOWN_ACTOR


def test_the_endpoint_comes_from_the_environment(gcp: StatefulGcp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_GCP_ENDPOINT", gcp.endpoint)
    rule = connect(AnonymousCredentials()).read("compute.firewalls", "get", project="acme-prod",
                                                firewall="allow-ssh-world")
    assert rule["sourceRanges"] == ["0.0.0.0/0"] and rule["allowed"] == [{"IPProtocol": "tcp", "ports": ["22"]}]


def test_a_read_of_something_absent_is_none(gcp: StatefulGcp) -> None:
    session = connect(AnonymousCredentials(), gcp.endpoint)
    assert session.read("kms", "get_crypto_key", name="projects/acme-prod/locations/global/keyRings/app/cryptoKeys/x") is None
    assert session.read("gcs", "get_bucket", bucket_or_name="no-such-bucket") is None


def test_an_api_error_names_the_call_and_status_but_never_the_token(gcp: StatefulGcp) -> None:
    gcp.fail("PATCH", "/firewalls/allow-ssh-world$", 403)
    with pytest.raises(RemediationError) as raised:
        connect(ServiceAccountToken(), gcp.endpoint).execute(DISABLE)
    message = str(raised.value)
    assert message.startswith("compute.firewalls.patch: HTTP 403: ") and "injected 403" in message
    assert "static-test-token" not in message and "\n" not in message


def test_writes_are_sent_with_the_credentials_token(gcp: StatefulGcp) -> None:
    connect(ServiceAccountToken(), gcp.endpoint).execute(DISABLE)
    assert [r.authorization for r in gcp.seen("PATCH")] == ["Bearer static-test-token"]


def test_no_application_default_credentials_is_a_remediation_error(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: object) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud login here
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # and no metadata server to ask
    with pytest.raises(RemediationError, match="GCP credentials"):
        connect()
