"""`cloudwarden scan azure` signs in as a service principal for real, at the fake's authority.

The fake plays Entra too (OpenID configuration and the client-credentials token
endpoint), so the run is the user's: azure-identity and msal fetch a token over
HTTPS, the collector calls ARM with it. Nothing may leave 127.0.0.1 (a private
authority host must not trigger msal's instance discovery at login.microsoftonline.com),
and the secret must never be printed, logged or stored.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from cloudwarden.engine import cli
from cloudwarden.engine.cli import main
from cloudwarden.providers.azure.credentials import (
    CredentialOptions,
    known_authority,
    resolve_authority,
)
from cloudwarden.providers.azure.errors import AzureCredentialsError

from tests.providers.azure.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROD,
    TENANT,
    sign_in_args,
)

OPENID = "/v2.0/.well-known/openid-configuration$"
TOKEN = "/oauth2/v2.0/token$"


@pytest.fixture
def signed_in(azure_fake, monkeypatch):
    """The fake knows the service principal; its secret is in the environment."""
    azure_fake.server.register_client(CLIENT_ID, CLIENT_SECRET)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CLIENT_SECRET)
    return azure_fake


def scan(fake, tmp_path: Path, *extra: str, flags: list[str] | None = None) -> int:
    return main(["-q", "scan", "azure", *(sign_in_args(fake.server) if flags is None else flags), "--subscription", PROD,
                 "--format", "json", "-o", str(tmp_path / "findings.json"), "--no-store",
                 "--save-snapshot", str(tmp_path / "snapshot.json"), *extra])


def test_scan_signs_in_at_the_authority_and_collects_with_its_token(signed_in, tmp_path, loopback_only):
    assert scan(signed_in, tmp_path) == 0
    server = signed_in.server
    assert [r.path for r in server.seen("GET", OPENID)] == [f"/{TENANT}/v2.0/.well-known/openid-configuration"]
    [grant] = server.seen("POST", TOKEN)
    assert (grant.body["grant_type"], grant.body["client_id"]) == ("client_credentials", CLIENT_ID)
    assert grant.body["scope"].split() == [f"{signed_in.endpoint}/.default"]
    arm = [r for r in server.requests if r not in server.seen("GET", OPENID) + server.seen("POST", TOKEN)]
    assert arm and {r.headers["authorization"] for r in arm} == {f"Bearer {server.issued[0]}"}
    doc = json.loads((tmp_path / "findings.json").read_text())
    assert doc["schema"] == "cloudwarden.findings/v1" and doc["findings"]


def test_no_request_leaves_the_loopback(signed_in, tmp_path, loopback_only):
    assert scan(signed_in, tmp_path) == 0
    assert set(loopback_only) == {"127.0.0.1"}


def test_the_secret_is_never_printed_logged_or_stored(signed_in, tmp_path, capsys, caplog, monkeypatch):
    # Every logger at DEBUG, azure-core and msal included (the CLI would quiet them).
    monkeypatch.setattr(cli, "_configure_logging", lambda verbose: None)
    for name in (None, "cloudwarden", "azure", "msal", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    assert scan(signed_in, tmp_path) == 0
    out, err = capsys.readouterr()
    written = [(tmp_path / name).read_text() for name in ("findings.json", "snapshot.json")]
    assert "oauth2/v2.0/token" in caplog.text, "the sign-in itself was logged at debug level"
    for text in (out, err, caplog.text, *written):
        assert CLIENT_SECRET not in text


def test_a_wrong_secret_is_exit_2_in_one_line_without_the_secret(signed_in, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "Wrong~Secret-value_123")
    assert scan(signed_in, tmp_path) == 2
    err = capsys.readouterr().err
    assert "AADSTS7000215" in err and "Wrong~Secret-value_123" not in err
    assert len(err.strip().splitlines()) == 1
    assert not signed_in.server.seen("GET", "^/subscriptions")
    assert not (tmp_path / "findings.json").exists()


def test_the_authority_host_comes_from_the_environment_when_no_flag_names_it(signed_in, tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", signed_in.endpoint)
    flags = ["--tenant", TENANT, "--client-id", CLIENT_ID, "--endpoint", signed_in.endpoint,
             "--ca-bundle", signed_in.ca_path]
    assert scan(signed_in, tmp_path, flags=flags) == 0
    assert signed_in.server.seen("POST", TOKEN)


def test_a_plain_http_authority_host_is_exit_2(signed_in, tmp_path, capsys):
    flags = [*sign_in_args(signed_in.server)]
    flags[flags.index("--authority-host") + 1] = signed_in.endpoint.replace("https://", "http://")
    assert scan(signed_in, tmp_path, flags=flags) == 2
    assert "authority host must be an https URL" in capsys.readouterr().err
    assert not signed_in.server.requests


def test_the_authority_flag_wins_over_the_environment_and_the_endpoint_cloud(monkeypatch):
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us")
    assert resolve_authority(CredentialOptions(authority_host="adfs.contoso.local/"), "login.chinacloudapi.cn") == \
        "https://adfs.contoso.local"
    assert resolve_authority(CredentialOptions(), "login.chinacloudapi.cn") == "https://login.microsoftonline.us"
    monkeypatch.delenv("AZURE_AUTHORITY_HOST")
    assert resolve_authority(CredentialOptions(), "login.chinacloudapi.cn") == "https://login.chinacloudapi.cn"
    assert resolve_authority(CredentialOptions(), None) is None


def test_only_hosts_microsoft_lists_keep_instance_discovery():
    assert known_authority(None) and known_authority("https://login.microsoftonline.us")
    assert not known_authority("https://127.0.0.1:8443")
    assert not known_authority("https://adfs.azurestack.local")
    with pytest.raises(AzureCredentialsError):
        resolve_authority(CredentialOptions(authority_host="https://login.example/with/path"))


def test_from_export_refuses_the_authority_flag(tmp_path, capsys):
    code = main(["-q", "collect", "azure", "--from-export", str(tmp_path / "x.json"),
                 "--authority-host", "https://login.microsoftonline.us", "-o", str(tmp_path / "s.json")])
    assert code == 2 and "--authority-host" in capsys.readouterr().err
