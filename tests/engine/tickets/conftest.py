"""Fixtures for ``tickets sync``: the fakes on 127.0.0.1, a clean environment, a CLI runner."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cloudwarden.engine.findings import fingerprint
from cloudwarden.engine.tickets.command import add_parser, run

from tests.engine.tickets.fake_github import FakeGitHub
from tests.engine.tickets.fake_http import FakeServer, Reply, Request
from tests.engine.tickets.fake_jira import FakeJira

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "tickets"
FINDINGS = FIXTURES / "findings.json"
RESOLVED = FIXTURES / "findings-resolved.json"  # key-rotation-enabled is fixed
GROWN = FIXTURES / "findings-grown.json"  # a third public bucket
SUPPRESSED = FIXTURES / "findings-suppressed.json"  # alice's missing MFA is suppressed
KEY_ROTATION = fingerprint("key-rotation-enabled",
                           "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
ALICE_MFA = fingerprint("user-console-mfa", "arn:aws:iam::123456789012:user/alice")
PATH_FINDING = fingerprint("internet-path-to-sensitive-data", "arn:aws:s3:::customer-data")
SUPPRESSED_LOGGING = fingerprint("bucket-access-logging", "arn:aws:s3:::customer-data")
GITHUB_TOKEN = "ghp_SECRETtoken_for_tests_4242"
JIRA_TOKEN = "ATATT_SECRET_jira_token_4242"
WEBHOOK_SECRET = "whsec_SECRET_shared_4242"

ENV_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_TOKEN",
            "CLOUDWARDEN_WEBHOOK_SECRET")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credential of the machine running the tests reaches the code under test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@dataclass
class Result:
    """Exit code and the two output streams of one CLI run."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """``cli("--findings", F, "--to", T, ...)`` runs ``tickets sync`` and returns a ``Result``."""

    def invoke(*argv: str | Path) -> Result:
        parser = argparse.ArgumentParser(prog="cloudwarden")
        add_parser(parser.add_subparsers(dest="command"))
        words = [*map(str, argv)]
        if "--write-interval" not in words:  # GitHub's 1 s between writes would make each test take seconds
            words += ["--write-interval", "0"]
        try:
            code = run(parser.parse_args(["tickets", "sync", *words]))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A fake GitHub with the token in ``GITHUB_TOKEN`` and its URL in ``GITHUB_API_URL``."""
    with FakeGitHub(token=GITHUB_TOKEN) as fake:
        monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        yield fake


@pytest.fixture
def jira(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJira]:
    """A fake Jira site (project SEC) with basic-auth credentials in the environment."""
    with FakeJira(email="bot@example.com", api_token=JIRA_TOKEN) as fake:
        monkeypatch.setenv("JIRA_URL", fake.url)
        monkeypatch.setenv("JIRA_EMAIL", "bot@example.com")
        monkeypatch.setenv("JIRA_API_TOKEN", JIRA_TOKEN)
        yield fake


class WebhookReceiver(FakeServer):
    """Accepts every POST (204) and keeps the parsed events."""

    def route(self, request: Request) -> Reply:
        return Reply(204)

    def events(self) -> list[dict]:
        """The events received, in order."""
        return [json.loads(r.raw) for r in self.requests if r.method == "POST"]

    def verified(self, secret: str) -> bool:
        """Every delivery carries a valid signature for ``secret``."""
        return all(hmac.compare_digest(r.header("X-Cloudwarden-Signature-256") or "",
                                       "sha256=" + hmac.new(secret.encode(), r.raw, hashlib.sha256).hexdigest())
                   for r in self.requests)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook endpoint on 127.0.0.1."""
    with WebhookReceiver() as fake:
        yield fake
