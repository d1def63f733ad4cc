"""The Azure remediation session: who acts, where it connects, and how API errors read."""

from __future__ import annotations

import pytest
from cloudwarden.providers.azure.remediation import UNKNOWN_ACTOR, connect
from cloudwarden.providers.remediation import ApiCall, RemediationError

from tests.providers.azure.remediation.azure_estate import (
    ACCOUNT,
    OPERATOR_OID,
    SUBSCRIPTION,
    JwtCredential,
)
from tests.providers.azure.remediation.stateful_arm import StatefulArm

UPDATE = ApiCall("storage", "storage_accounts.update", {"resource_group_name": "prod-rg", "account_name": "proddata",
                                                        "parameters": {"minimum_tls_version": "TLS1_2"}}, ACCOUNT)


class OpaqueTokenCredential:
    """A credential whose tokens are not JWTs, optionally knowing its application's client id."""

    def __init__(self, client_id: str | None = None) -> None:
        self.client_id = client_id

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        return AccessToken("opaque-secret-token", 4102444800)


def test_the_actor_is_the_object_id_in_the_token(arm: StatefulArm) -> None:
    assert connect(JwtCredential(), arm.endpoint, arm.ca_path).actor() == OPERATOR_OID


def test_the_actor_falls_back_to_the_client_id_then_a_placeholder(arm: StatefulArm) -> None:
    assert connect(OpaqueTokenCredential("app-123"), arm.endpoint, arm.ca_path).actor() == "app-123"
    assert connect(OpaqueTokenCredential(), arm.endpoint, arm.ca_path).actor() == UNKNOWN_ACTOR


def test_the_endpoint_and_ca_come_from_the_environment(arm: StatefulArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_AZURE_ENDPOINT", arm.endpoint)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", arm.ca_path)
    account = connect(JwtCredential()).read("storage", "storage_accounts.get_properties", subscription_id=SUBSCRIPTION,
                                            resource_group_name="prod-rg", account_name="proddata")
    assert account["properties"]["minimumTlsVersion"] == "TLS1_0"


def test_the_token_asked_for_is_for_the_endpoint_audience(arm: StatefulArm) -> None:
    credential = JwtCredential()
    connect(credential, arm.endpoint, arm.ca_path).execute(UPDATE)
    assert set(credential.scopes) == {f"{arm.endpoint}/.default"}


def test_a_read_of_something_absent_is_none(arm: StatefulArm) -> None:
    session = connect(JwtCredential(), arm.endpoint, arm.ca_path)
    assert session.read("keyvault", "vaults.get", subscription_id=SUBSCRIPTION, resource_group_name="prod-rg",
                        vault_name="nope") is None


def test_an_api_error_names_the_call_status_and_code_but_never_the_token(arm: StatefulArm) -> None:
    arm.fail("PATCH", "/storageaccounts/proddata$", 403, code="AuthorizationFailed")
    session = connect(OpaqueTokenCredential(), arm.endpoint, arm.ca_path)
    with pytest.raises(RemediationError) as raised:
        session.execute(UPDATE)
    message = str(raised.value)
    assert message.startswith("storage.storage_accounts.update: HTTP 403: AuthorizationFailed: injected 403")
    assert "opaque-secret-token" not in message and "\n" not in message


def test_the_subscription_of_a_call_is_the_one_in_its_resource(arm: StatefulArm) -> None:
    other = "99999999-9999-4999-8999-999999999999"
    call = ApiCall(UPDATE.service, UPDATE.operation, UPDATE.params, ACCOUNT.replace(SUBSCRIPTION, other))
    with pytest.raises(RemediationError, match="HTTP 404"):
        connect(JwtCredential(), arm.endpoint, arm.ca_path).execute(call)
    assert arm.seen("PATCH", f"/subscriptions/{other}/resourcegroups/prod-rg/")


def test_a_plain_http_endpoint_is_refused() -> None:
    from cloudwarden.providers.errors import ProviderInputError

    with pytest.raises(ProviderInputError, match="https"):
        connect(JwtCredential(), "http://127.0.0.1:1")

