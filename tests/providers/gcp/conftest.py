"""The GCP fake: a plain-HTTP server on 127.0.0.1 serving fixtures/gcp/api/, and a collector pointed at it.

``gcp_fake`` gives a fake reset to the ``planted`` scenario (org -> folder -> projects acme-prod,
acme-denied, acme-disabled) with ``CLOUDWARDEN_GCP_ENDPOINT`` pointing at it; ``fake.endpoint``
is its URL. ``collect_fake(**scope)`` runs ``collect_gcp`` against it with anonymous credentials
and a fast retry policy. ``gcp_key_file`` is a throwaway service-account key whose token endpoint
is the fake, for command-line runs (``cloudwarden scan gcp --key-file K --project acme-prod``).
``loopback_guard()`` makes resolving any host but the loopback fail (no request leaves 127.0.0.1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cloudwarden.graph.snapshot import Snapshot
from google.api_core import retry as retries
from google.auth.credentials import AnonymousCredentials

from tests.fakes.network import LOOPBACK, loopback_guard  # noqa: F401  (re-exported for tests)
from tests.providers.gcp.fake_gcp import FakeGcp, service_account_key


def fast_retry(timeout: float = 2.0) -> retries.Retry:
    """The collector's retry policy (429/5xx) with millisecond waits, for tests."""
    from cloudwarden.providers.gcp.errors import RETRYABLE

    return retries.Retry(predicate=retries.if_exception_type(*RETRYABLE), initial=0.01, maximum=0.05,
                         multiplier=2.0, timeout=timeout)


@pytest.fixture(scope="session")
def gcp_fake_server() -> Iterator[FakeGcp]:
    """One fake server for the whole session (per xdist worker)."""
    fake = FakeGcp().start()
    yield fake
    fake.stop()


@pytest.fixture
def gcp_fake(gcp_fake_server: FakeGcp, monkeypatch: pytest.MonkeyPatch) -> FakeGcp:
    """The fake, reset to the planted scenario, with ``CLOUDWARDEN_GCP_ENDPOINT`` pointing at it."""
    gcp_fake_server.reset()
    gcp_fake_server.load("planted")
    monkeypatch.setenv("CLOUDWARDEN_GCP_ENDPOINT", gcp_fake_server.endpoint)
    return gcp_fake_server


@pytest.fixture
def collect_fake(gcp_fake: FakeGcp) -> Callable[..., Snapshot]:
    """``collect_fake(projects=[...], ...)``: a snapshot collected from the fake with anonymous credentials."""
    from cloudwarden.providers.gcp.collector import collect_gcp
    from cloudwarden.providers.gcp.scope import GcpScope

    def run(retry: retries.Retry | None = None, **scope: object) -> Snapshot:
        return collect_gcp(GcpScope(endpoint=gcp_fake.endpoint, max_workers=4, **scope),  # type: ignore[arg-type]
                           "test", credentials=AnonymousCredentials(), retry=retry or fast_retry())

    return run


@pytest.fixture
def gcp_key_file(gcp_fake: FakeGcp, tmp_path: Path) -> Path:
    """A service-account key generated now (never stored) whose ``token_uri`` is the fake's ``/token``."""
    path = tmp_path / "scanner-key.json"
    path.write_text(json.dumps(service_account_key(f"{gcp_fake.endpoint}/token")))
    return path
