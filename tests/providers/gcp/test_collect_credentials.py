"""Credentials: missing or broken ones stop the run with a one-line error that quotes no secret."""

from __future__ import annotations

import json
from pathlib import Path

import google.oauth2.credentials
import pytest

from cloudwarden.providers.errors import ProviderInputError
from cloudwarden.providers.gcp.collector import collect_gcp
from cloudwarden.providers.gcp.credentials import impersonate, load_credentials
from cloudwarden.providers.gcp.errors import GcpCredentialsError
from cloudwarden.providers.gcp.scope import GcpScope
from tests.providers.gcp.conftest import fast_retry
from tests.providers.gcp.fake_gcp import IMPERSONATED_TOKEN, FakeGcp

SECRET = "TOP-SECRET-KEY-MATERIAL-0123456789"


@pytest.fixture
def no_adc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No gcloud configuration and an ADC variable naming a file that does not exist (no metadata probe)."""
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))


def broken_key(tmp_path: Path) -> Path:
    key = {"type": "service_account", "project_id": "acme-prod", "private_key_id": "0123abcd",
           "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n",
           "client_email": "scanner@acme-prod.iam.gserviceaccount.com", "client_id": "1",
           "token_uri": "https://oauth2.googleapis.com/token"}
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    return path


def test_missing_application_default_credentials_is_a_provider_input_error(no_adc: None, gcp_fake: FakeGcp) -> None:
    with pytest.raises(ProviderInputError) as caught:
        collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake.endpoint), "test")

    assert isinstance(caught.value, GcpCredentialsError)
    message = str(caught.value)
    assert "Application Default Credentials" in message and "\n" not in message
    assert not gcp_fake.requests  # nothing was called without credentials


def test_unreadable_private_key_error_does_not_quote_the_key(tmp_path: Path) -> None:
    with pytest.raises(GcpCredentialsError) as caught:
        load_credentials(key_file=str(broken_key(tmp_path)))

    assert SECRET not in str(caught.value)
    assert "key.json" in str(caught.value)


def test_adc_variable_naming_a_broken_key_does_not_quote_the_key(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(broken_key(tmp_path)))

    with pytest.raises(GcpCredentialsError) as caught:
        load_credentials()

    assert SECRET not in str(caught.value)


def test_missing_key_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(GcpCredentialsError, match="cannot read key file .*nope.json"):
        load_credentials(key_file=str(tmp_path / "nope.json"))


def test_key_file_missing_fields_names_them(tmp_path: Path) -> None:
    path = tmp_path / "partial.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": "x@y.iam.gserviceaccount.com"}))

    with pytest.raises(GcpCredentialsError, match="missing private_key, token_uri"):
        load_credentials(key_file=str(path))


def test_impersonation_needs_a_service_account_email() -> None:
    source = google.oauth2.credentials.Credentials(token="source-token")

    with pytest.raises(GcpCredentialsError, match="service-account email"):
        impersonate(source, "not-an-email")


def test_impersonated_credentials_call_the_apis_with_the_minted_token(gcp_fake: FakeGcp) -> None:
    source = google.oauth2.credentials.Credentials(token="source-token")
    creds = impersonate(source, "auditor@acme-prod.iam.gserviceaccount.com", gcp_fake.endpoint)

    collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake.endpoint), "test", credentials=creds,
                retry=fast_retry())

    minted = gcp_fake.calls(r"^POST /v1/projects/-/serviceAccounts/auditor@acme-prod.iam.gserviceaccount.com"
                            r":generateAccessToken$")
    assert len(minted) == 1 and minted[0].headers["authorization"] == "Bearer source-token"
    assert minted[0].body["scope"] == ["https://www.googleapis.com/auth/cloud-platform"]
    api_calls = [r for r in gcp_fake.requests if r not in minted]
    assert api_calls and {r.headers.get("authorization") for r in api_calls} == {f"Bearer {IMPERSONATED_TOKEN}"}


def test_credentials_rejected_by_the_apis_are_a_provider_input_error(gcp_fake: FakeGcp) -> None:
    from google.auth.credentials import AnonymousCredentials

    gcp_fake.fail(r"^GET /v3/projects/acme-prod$", 401, "unauthenticated")

    with pytest.raises(GcpCredentialsError, match="credentials rejected"):
        collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake.endpoint), "test",
                    credentials=AnonymousCredentials(), retry=fast_retry())
