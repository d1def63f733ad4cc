"""Credentials: flags build the right credential, failures are exit-2 errors with one line and no secret."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError
from cloudwarden.providers.azure.collector import collect_azure
from cloudwarden.providers.azure.credentials import (
    CredentialOptions,
    TenantCredential,
    build_credential,
)
from cloudwarden.providers.azure.errors import AzureCredentialsError
from cloudwarden.providers.errors import ProviderInputError

SECRET = "s3cr3t-Value-never-shown"


class FailingCredential:
    """A credential whose token request fails the way azure-identity's do."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def get_token(self, *scopes, **kwargs):
        raise self.exc


def test_client_id_without_a_secret_is_a_credentials_error(azure_fake, monkeypatch):
    with pytest.raises(AzureCredentialsError) as err:
        collect_azure(azure_fake.scope(client_id="00000000-0000-4000-8000-00000000c1d0", tenant="t"), "test")
    assert isinstance(err.value, ProviderInputError)  # the CLI's exit 2
    assert "AZURE_CLIENT_SECRET" in str(err.value) and "\n" not in str(err.value)
    assert not azure_fake.server.requests


def test_rejected_credential_is_one_line_without_the_secret(azure_fake, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    rejected = ClientAuthenticationError(
        message=f"ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret {SECRET} provided.\n"
        "Trace ID: 1234\nCorrelation ID: 5678")
    with pytest.raises(AzureCredentialsError) as err:
        collect_azure(azure_fake.scope(), "test", credential=FailingCredential(rejected))
    message = str(err.value)
    assert "AADSTS7000215" in message and SECRET not in message and "\n" not in message
    assert not azure_fake.server.requests


def test_unavailable_credential_is_a_credentials_error_with_a_hint(azure_fake):
    unavailable = CredentialUnavailableError(message="DefaultAzureCredential failed to retrieve a token.\n"
                                             "Attempted credentials:\n\tEnvironmentCredential: not configured")
    with pytest.raises(AzureCredentialsError, match="az login"):
        collect_azure(azure_fake.scope(), "test", credential=FailingCredential(unavailable))


def test_arm_rejecting_the_token_is_a_credentials_error(azure_fake):
    azure_fake.server.fault("GET", "^/subscriptions$", 401, code="InvalidAuthenticationToken", times=None)
    with pytest.raises(AzureCredentialsError, match="InvalidAuthenticationToken"):
        collect_azure(azure_fake.scope(), "test", credential=azure_fake.credential)


def test_token_is_asked_for_the_endpoint_audience(azure_fake):
    from cloudwarden.providers.azure.scope import resolve_targets

    scope = azure_fake.scope()
    conn = azure_fake.connection(scope)
    resolve_targets(conn, scope)
    assert set(azure_fake.credential.scopes) == {f"{azure_fake.endpoint}/.default"}
    assert azure_fake.server.requests[0].headers["authorization"] == "Bearer fake-arm-token"


def test_service_principal_secret_comes_from_the_environment(monkeypatch):
    from azure.identity import ClientSecretCredential

    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    cred = build_credential(CredentialOptions(tenant="00000000-0000-4000-8000-0000000000aa", client_id="app"))
    assert isinstance(cred, ClientSecretCredential)


def test_missing_certificate_file_is_a_credentials_error(tmp_path):
    with pytest.raises(AzureCredentialsError, match="certificate file not found"):
        build_credential(CredentialOptions(tenant="t", client_id="app", certificate=str(tmp_path / "none.pem")))


def test_managed_identity_takes_its_client_id(monkeypatch):
    from azure.identity import ManagedIdentityCredential

    cred = build_credential(CredentialOptions(managed_identity=True, managed_identity_client_id="c1"))
    assert isinstance(cred, ManagedIdentityCredential)
    with pytest.raises(AzureCredentialsError, match="cannot be combined"):
        build_credential(CredentialOptions(managed_identity=True, client_id="app"))


def test_tenant_with_the_default_chain_asks_tokens_of_that_tenant():
    asked = {}

    class Recorder:
        def get_token(self, *scopes, **kwargs):
            asked.update(kwargs)

    TenantCredential(Recorder(), "tenant-1").get_token("https://management.azure.com/.default")
    assert asked["tenant_id"] == "tenant-1"
    assert isinstance(build_credential(CredentialOptions(tenant="tenant-1")), TenantCredential)
