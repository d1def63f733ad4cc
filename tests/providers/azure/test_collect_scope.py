"""Scope and endpoint: where ARM is, which token audience, which subscriptions; bad input is exit 2."""

from __future__ import annotations

import argparse

import pytest
from cloudwarden.providers.azure import command
from cloudwarden.providers.azure.errors import AzureScopeError
from cloudwarden.providers.azure.scope import resolve_endpoint, resolve_targets
from cloudwarden.providers.errors import ProviderInputError

from tests.providers.azure.conftest import DEV, PROD, SANDBOX


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    return parser.parse_args(list(argv))


def test_endpoint_from_the_environment_is_used_for_every_call(azure_fake, monkeypatch):
    monkeypatch.setenv("CLOUDWARDEN_AZURE_ENDPOINT", azure_fake.endpoint)
    scope = command.scope_from_args(parse("--ca-bundle", azure_fake.ca_path, "--subscription", SANDBOX))
    assert scope.endpoint is None
    endpoint = resolve_endpoint(scope.endpoint)
    assert endpoint.base_url == azure_fake.endpoint
    conn = azure_fake.connection(scope)
    targets = resolve_targets(conn, scope)
    assert list(targets.subscriptions) == [SANDBOX]
    assert azure_fake.server.seen("GET", "^/subscriptions$")


@pytest.mark.parametrize(("url", "audience", "authority"), [
    ("https://management.azure.com", "https://management.azure.com/.default", "login.microsoftonline.com"),
    ("https://management.usgovcloudapi.net/", "https://management.core.usgovcloudapi.net/.default", "login.microsoftonline.us"),
    ("https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default", "login.chinacloudapi.cn"),
    ("https://arm.stack.example:8443/x", "https://arm.stack.example:8443/.default", None),
])
def test_endpoint_sets_the_token_audience_of_its_cloud(url, audience, authority):
    endpoint = resolve_endpoint(url)
    assert (endpoint.credential_scope, endpoint.authority) == (audience, authority)


def test_token_scope_overrides_the_audience():
    assert resolve_endpoint("https://arm.example", "https://aud.example/.default").credential_scope == "https://aud.example/.default"


def test_plain_http_endpoint_is_refused():
    with pytest.raises(AzureScopeError, match="https URL"):
        resolve_endpoint("http://127.0.0.1:8080")


def test_default_scope_is_every_enabled_subscription(azure_fake):
    scope = azure_fake.scope()
    assert sorted(resolve_targets(azure_fake.connection(scope), scope).subscriptions) == [PROD, DEV, SANDBOX]


def test_unknown_subscription_is_a_scope_error(azure_fake):
    scope = azure_fake.scope(subscriptions=[PROD, "44444444-4444-4444-8444-444444444444"])
    with pytest.raises(AzureScopeError, match="unknown subscription 44444444-4444-4444-8444-444444444444"):
        resolve_targets(azure_fake.connection(scope), scope)


def test_malformed_subscription_is_a_scope_error(azure_fake):
    scope = azure_fake.scope(subscriptions=["prod"])
    with pytest.raises(ProviderInputError, match="GUID"):
        resolve_targets(azure_fake.connection(scope), scope)


def test_unknown_management_group_is_a_scope_error(azure_fake):
    scope = azure_fake.scope(management_groups=["mg-nope"])
    with pytest.raises(AzureScopeError, match="unknown management group 'mg-nope' \\(not found"):
        resolve_targets(azure_fake.connection(scope), scope)


def test_from_export_cannot_be_combined_with_live_flags():
    args = parse("--from-export", "x.json", "--subscription", PROD)
    with pytest.raises(ProviderInputError, match="--subscription"):
        command.collect_from_args(args, "test")


def test_flags_make_the_scope():
    scope = command.scope_from_args(parse("--subscription", PROD, "--management-group", "mg-corp", "--tenant", "t",
                                          "--managed-identity", "--max-workers", "3", "--endpoint", "https://x"))
    assert (scope.subscriptions, scope.management_groups, scope.tenant) == ([PROD], ["mg-corp"], "t")
    assert (scope.managed_identity, scope.managed_identity_client_id, scope.max_workers, scope.endpoint) == (
        True, None, 3, "https://x")
    with pytest.raises(ProviderInputError):
        command.scope_from_args(parse("--max-workers", "0"))


def test_named_subscriptions_are_taken_as_given_when_the_list_is_denied(azure_fake):
    azure_fake.server.fault("GET", "^/subscriptions$", 403, code="AuthorizationFailed", times=None)
    scope = azure_fake.scope(subscriptions=[DEV])
    assert list(resolve_targets(azure_fake.connection(scope), scope).subscriptions) == [DEV]
    with pytest.raises(AzureScopeError, match="cannot list subscriptions"):
        resolve_targets(azure_fake.connection(azure_fake.scope()), azure_fake.scope())


def test_detail_calls_stay_inside_the_scope():
    from cloudwarden.providers.azure.collector import Gaps, _collected_subscriptions
    from cloudwarden.providers.azure.scope import Targets

    rows = [
        {"id": f"/subscriptions/{DEV}", "type": "microsoft.resources/subscriptions", "subscriptionId": DEV},
        # a custom role created in another subscription, assignable in this one
        {"id": f"/subscriptions/{PROD}/providers/Microsoft.Authorization/roleDefinitions/x",
         "type": "microsoft.authorization/roledefinitions", "subscriptionId": PROD},
    ]
    assert _collected_subscriptions(rows, Targets({DEV: {}}, []), Gaps()) == [DEV]
