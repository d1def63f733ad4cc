"""``tickets sync`` input errors (exit 2, one line) and secrets that must never show."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from tests.engine.tickets.conftest import FINDINGS, FIXTURES, GITHUB_TOKEN, JIRA_TOKEN, RESOLVED
from tests.engine.tickets.fake_github import FakeGitHub
from tests.engine.tickets.fake_http import Reply
from tests.engine.tickets.fake_jira import FakeJira


def one_error_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("cloudwarden: error: ")


@pytest.mark.parametrize("target", ["gitlab:acme/infra", "github:acme", "github:", "github:acme/infra/x", "jira:",
                                    "jira:SE C", "jira:9SEC", "webhook:ftp://example.com/x", "webhook:not-a-url",
                                    "acme/infra"])
def test_a_malformed_to_is_exit_2_with_one_line(cli, target: str) -> None:
    result = cli("--findings", FINDINGS, "--to", target)
    assert result.code == 2 and one_error_line(result.err) and "--to must be" in result.err


def test_an_unreadable_findings_file_is_exit_2(cli, tmp_path: Path) -> None:
    result = cli("--findings", tmp_path / "missing.json", "--to", "github:acme/infra")
    assert result.code == 2 and one_error_line(result.err) and "missing.json" in result.err


def test_a_file_of_another_schema_is_exit_2(cli) -> None:
    result = cli("--findings", FIXTURES / "findings-wrong-schema.json", "--to", "github:acme/infra")
    assert result.code == 2 and one_error_line(result.err) and "cloudwarden.snapshot/v1" in result.err


def test_a_finding_of_the_wrong_shape_is_exit_2_naming_the_place(cli) -> None:
    result = cli("--findings", FIXTURES / "findings-malformed.json", "--to", "github:acme/infra")
    assert result.code == 2 and one_error_line(result.err) and "$.findings[0]" in result.err


def test_a_finding_id_outside_the_fingerprint_alphabet_is_exit_2(cli, tmp_path: Path) -> None:
    doc = json.loads(FINDINGS.read_text())
    doc["findings"][0]["id"] = "x --> <script>"
    (tmp_path / "f.json").write_text(json.dumps(doc))
    result = cli("--findings", tmp_path / "f.json", "--to", "github:acme/infra")
    assert result.code == 2 and "not a fingerprint" in result.err


def test_a_missing_github_token_is_exit_2_before_any_request(cli, github: FakeGitHub, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = cli("--findings", FINDINGS, "--to", "github:acme/infra")
    assert result.code == 2 and one_error_line(result.err) and "GITHUB_TOKEN" in result.err
    assert github.requests == []


def test_credentials_are_refused_over_plain_http_to_a_remote_host(cli, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    result = cli("--findings", FINDINGS, "--to", "github:acme/infra", "--api-url", "http://ghe.example.com/api/v3")
    assert result.code == 2 and "plain http" in result.err


def test_a_label_with_a_comma_is_exit_2(cli, github: FakeGitHub) -> None:
    result = cli("--findings", FINDINGS, "--to", "github:acme/infra", "--label", "a,b")
    assert result.code == 2 and "--label" in result.err and github.requests == []


def test_json_output_lists_each_change(cli, github: FakeGitHub) -> None:
    doc = json.loads(cli("--findings", FINDINGS, "--to", "github:acme/infra", "--format", "json").out)
    assert doc["schema"] == "cloudwarden.tickets-sync/v1" and doc["complete"] is True
    assert [c["action"] for c in doc["changes"]] == ["open"] * 5 and doc["changes"][0]["ref"] == "#1"


# --- secrets ----------------------------------------------------------------------------------


def test_the_github_token_appears_nowhere_through_a_whole_lifecycle(cli, github: FakeGitHub, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    github.inject(FakeGitHub.rate_limited(seconds=0))
    outputs = [cli("--findings", f, "--to", "github:acme/infra") for f in (FINDINGS, RESOLVED, FINDINGS)]
    stored = json.dumps([github.issues, github.comments])
    assert all(r.code == 0 for r in outputs)
    assert GITHUB_TOKEN not in "".join(r.out + r.err for r in outputs) + caplog.text + stored


def test_the_github_token_is_redacted_from_an_error_that_echoes_it(cli, caplog, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeGitHub(token="the-right-token", echo_auth_on_401=True) as github:
        monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
        result = cli("--findings", FINDINGS, "--to", "github:acme/infra", "--api-url", github.url)
    assert result.code == 2 and "Bearer ***" in result.err
    assert GITHUB_TOKEN not in result.out + result.err + caplog.text


def test_jira_basic_credentials_are_redacted_in_every_form(cli, jira: FakeJira, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    encoded = base64.b64encode(f"bot@example.com:{JIRA_TOKEN}".encode()).decode()
    cli("--findings", FINDINGS, "--to", "jira:SEC")
    jira.inject(Reply(400, {"errorMessages": [f"header Basic {encoded} and token {JIRA_TOKEN} refused"]}))
    result = cli("--findings", RESOLVED, "--to", "jira:SEC")
    assert result.code == 2 and "header Basic *** and token *** refused" in result.err
    everything = result.out + result.err + caplog.text + json.dumps([jira.issues, jira.comments])
    assert JIRA_TOKEN not in everything and encoded not in everything
