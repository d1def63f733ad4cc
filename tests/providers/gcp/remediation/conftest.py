"""Fixtures for GCP remediation: the stateful Google API fake loaded with the estate, and sessions to it.

``gcp`` is the fake, reloaded from fixtures/gcp/remediation/estate.json per
test; ``session_for`` opens remediation sessions through the engine's
registry, as ``cloudwarden remediate`` does, with service-account credentials.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from cloudwarden.engine.remediation.command import sessions
from cloudwarden.providers.remediation import Session

from tests.providers.gcp.remediation.gcp_estate import ESTATE, ServiceAccountToken
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp


@pytest.fixture(scope="session")
def gcp_server() -> Iterator[StatefulGcp]:
    """One stateful fake for the session."""
    server = StatefulGcp().start()
    yield server
    server.stop()


@pytest.fixture
def gcp(gcp_server: StatefulGcp, monkeypatch: pytest.MonkeyPatch) -> StatefulGcp:
    """The fake, reloaded with the estate, in an environment with no GCP settings of its own."""
    for var in ("CLOUDWARDEN_GCP_ENDPOINT", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    gcp_server.load(json.loads(ESTATE.read_text()))
    return gcp_server


@pytest.fixture
def session_for(gcp: StatefulGcp) -> Callable[[str], Session]:
    """Remediation sessions opened through the registry, pointed at the fake."""
    return sessions({"gcp": {"credentials": ServiceAccountToken(), "endpoint": gcp.endpoint}})
