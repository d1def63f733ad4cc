"""Fixtures for Azure tests: the local HTTPS fake of ARM and Resource Graph, and a token credential.

``azure_fake`` gives ``(endpoint, ca_path, credential)`` (and ``.server`` for faults
and request logs); the server runs once per session and is reset per test.
``service_principal(server)`` registers a service principal with the fake's
authority and puts its secret in ``AZURE_CLIENT_SECRET``, yielding the sign-in
flags of ``cloudwarden scan azure``; ``loopback_only`` makes resolving any host
but the loopback fail, so a test proves no request left 127.0.0.1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from tests.fakes.network import LOOPBACK, loopback_guard  # noqa: F401  (re-exported for tests)
from tests.providers.azure.fake_arm import ARM_FIXTURES, FakeArm

ROOT_FIXTURES = ARM_FIXTURES.parents[1]

PROD = "11111111-1111-4111-8111-111111111111"
DEV = "22222222-2222-4222-8222-222222222222"
SANDBOX = "33333333-3333-4333-8333-333333333333"
TENANT = "aaaaaaaa-0000-4000-8000-000000000000"
CLIENT_ID = "c1e00000-0000-4000-8000-0000000000c1"
CLIENT_SECRET = "Fake~Client.Secret-for_tests-0nly"
AZURE_VARS = ("CLOUDWARDEN_AZURE_ENDPOINT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID",
              "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST",
              "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


@dataclass
class StaticTokenCredential:
    """A token credential for the fake: any scope gets a fixed bearer token (no SDK client involved)."""

    token: str = "fake-arm-token"
    scopes: list[str] = field(default_factory=list)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token valid for an hour; remembers which scopes were asked for."""
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


@dataclass
class AzureFake:
    """What a test needs to point the collector at the fake."""

    endpoint: str
    ca_path: str
    credential: StaticTokenCredential
    server: FakeArm

    def __iter__(self) -> Iterator[Any]:
        return iter((self.endpoint, self.ca_path, self.credential))

    def scope(self, **kwargs: Any) -> Any:
        """An ``AzureScope`` aimed at the fake, without retries unless asked."""
        from cloudwarden.providers.azure.scope import AzureScope

        kwargs.setdefault("retry_total", 0)
        kwargs.setdefault("max_workers", 4)
        return AzureScope(endpoint=self.endpoint, ca_bundle=self.ca_path, **kwargs)

    def connection(self, scope: Any, retry_policy: Any = None) -> Any:
        """An ``ArmConnection`` to the fake with this test's credential."""
        from cloudwarden.providers.azure.collector import default_retry_policy
        from cloudwarden.providers.azure.scope import ArmConnection, resolve_endpoint

        policy = retry_policy or default_retry_policy(scope)
        return ArmConnection(self.credential, resolve_endpoint(scope.endpoint), policy, scope.ca_bundle, "cloudwarden/test")

    def collect_records(self, **kwargs: Any) -> Any:
        """The records and gaps a run over the fake gathers, before normalization."""
        from cloudwarden.providers.azure.collector import collect_records
        from cloudwarden.providers.azure.scope import resolve_targets

        scope = self.scope(**kwargs)
        conn = self.connection(scope)
        try:
            return collect_records(conn, scope, resolve_targets(conn, scope))
        finally:
            conn.close()


@pytest.fixture(scope="session")
def azure_fake_server() -> Iterator[FakeArm]:
    """The fake ARM server for the whole session."""
    server = FakeArm().start()
    yield server
    server.stop()


@pytest.fixture
def azure_fake(azure_fake_server: FakeArm, monkeypatch: pytest.MonkeyPatch) -> AzureFake:
    """A reset fake, a clean Azure environment and a static token credential."""
    azure_fake_server.reset()
    for var in AZURE_VARS:
        monkeypatch.delenv(var, raising=False)
    return AzureFake(azure_fake_server.endpoint, azure_fake_server.ca_path, StaticTokenCredential(), azure_fake_server)


def sign_in_args(server: FakeArm) -> list[str]:
    """Flags of ``scan azure``/``collect azure`` that sign in at the fake as the test service principal."""
    return ["--tenant", TENANT, "--client-id", CLIENT_ID, "--authority-host", server.endpoint,
            "--endpoint", server.endpoint, "--ca-bundle", server.ca_path]


@contextmanager
def service_principal(server: FakeArm) -> Iterator[list[str]]:
    """A clean Azure environment with the service principal's secret set and registered; yields the sign-in flags."""
    with pytest.MonkeyPatch.context() as patch:
        for var in AZURE_VARS:
            patch.delenv(var, raising=False)
        patch.setenv("AZURE_CLIENT_SECRET", CLIENT_SECRET)
        server.register_client(CLIENT_ID, CLIENT_SECRET)
        yield sign_in_args(server)


@pytest.fixture
def loopback_only() -> Iterator[list[str]]:
    """No request may leave 127.0.0.1 during the test; gives the host names resolved."""
    with loopback_guard() as asked:
        yield asked
