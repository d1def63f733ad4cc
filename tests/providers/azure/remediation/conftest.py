"""Fixtures for Azure remediation: the stateful ARM fake loaded with the estate, and sessions to it.

``arm`` is the fake, reset and loaded from fixtures/azure/remediation/estate.json
per test; ``session_for`` opens remediation sessions through the engine's
registry, as ``cloudwarden remediate`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from cloudwarden.engine.remediation.command import sessions
from cloudwarden.providers.remediation import Session

from tests.providers.azure.remediation.azure_estate import ESTATE, JwtCredential
from tests.providers.azure.remediation.stateful_arm import StatefulArm


@pytest.fixture(scope="session")
def arm_server() -> Iterator[StatefulArm]:
    """One stateful ARM fake for the session."""
    server = StatefulArm().start()
    yield server
    server.stop()


@pytest.fixture
def arm(arm_server: StatefulArm, monkeypatch: pytest.MonkeyPatch) -> StatefulArm:
    """The fake, reset and loaded with the estate, in an environment with no Azure settings of its own."""
    for var in ("CLOUDWARDEN_AZURE_ENDPOINT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID",
                "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(var, raising=False)
    arm_server.reset()
    for resource in json.loads(ESTATE.read_text())["resources"]:
        arm_server.add(resource)
    return arm_server


@pytest.fixture
def session_for(arm: StatefulArm) -> Callable[[str], Session]:
    """Remediation sessions opened through the registry, pointed at the fake."""
    return sessions({"azure": {"credential": JwtCredential(), "endpoint": arm.endpoint, "ca_bundle": arm.ca_path}})
