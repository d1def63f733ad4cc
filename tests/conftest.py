"""Shared test fixtures: a moto server on 127.0.0.1 and a clean AWS environment.

No test reaches a real cloud: every AWS call goes to the moto server through
``AWS_ENDPOINT_URL`` with throwaway credentials.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Loading AWS managed policies costs moto seconds per account and reset, so only
# tests marked ``aws_managed_policies`` get them (see the ``aws`` fixture).
MANAGED_POLICIES_MARK = "aws_managed_policies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MANAGED_POLICIES_MARK}: moto loads the AWS managed IAM policies")


_REAL_GETADDRINFO = socket.getaddrinfo


def resolve_account_prefixed_loopback(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Resolve ``<account>.127.0.0.1`` to 127.0.0.1.

    botocore sends s3control calls to ``<account-id>.<endpoint host>`` (host-prefix
    injection); against a local moto server that name does not resolve. Test-only
    glue: production code talks to real AWS hosts and needs nothing of this.
    """
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = "127.0.0.1"
    return _REAL_GETADDRINFO(host, *args, **kwargs)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server for the whole session (one per xdist worker)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[str]:
    """A reset moto server and an environment whose boto3 calls all go to it.

    The server runs in this process, so moto reads the environment set here when
    it lazily builds each account's IAM backend after the reset.
    """
    import urllib.request

    monkeypatch.setattr(socket, "getaddrinfo", resolve_account_prefixed_loopback)
    managed = request.node.get_closest_marker(MANAGED_POLICIES_MARK) is not None
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true" if managed else "false")
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield moto_endpoint


@pytest.fixture(autouse=True)
def isolated_history_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test records scans in a store of its own, never in the user's data folder.

    The folder is not the test's ``tmp_path``, so tests that list their own files see none of it;
    a suppressions file from the developer's environment is ignored the same way.
    """
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    monkeypatch.setenv("CLOUDWARDEN_STORE", str(path))
    monkeypatch.delenv("CLOUDWARDEN_SUPPRESSIONS", raising=False)
    return path
