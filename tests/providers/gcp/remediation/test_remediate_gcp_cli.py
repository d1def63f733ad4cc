"""``cloudwarden remediate --findings`` on GCP findings, with Application Default Credentials from a key file."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import msgspec
import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.remediation.audit import read_audit_log
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.providers.gcp.remediation.gcp_estate import (
    OPERATOR,
    PUBLIC_BUCKET,
    firewall,
    gcp_finding,
)
from tests.providers.gcp.remediation.stateful_gcp import MINTED_TOKEN, StatefulGcp


@pytest.fixture
def adc(gcp: StatefulGcp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A service-account key file whose token endpoint is the fake, and every API pointed at the fake."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {"type": "service_account", "project_id": "acme-ops", "private_key_id": "k1", "private_key": pem,
            "client_email": OPERATOR, "client_id": "1", "token_uri": f"{gcp.endpoint}/token"}
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("CLOUDWARDEN_GCP_ENDPOINT", gcp.endpoint)


def _findings_file(tmp_path: Path) -> Path:
    findings = [gcp_finding("firewall-no-world-admin-ports", firewall("allow-ssh-world")),
                gcp_finding("storage-not-public-by-policy", PUBLIC_BUCKET)]
    path = tmp_path / "findings.json"
    path.write_bytes(msgspec.json.encode({"schema": "cloudwarden.findings/v1", "findings": findings}))
    return path


def _remediate(tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    code = main(["remediate", "--findings", str(_findings_file(tmp_path)), "--format", "json", "-o", str(out),
                 "--audit-log", str(tmp_path / "audit.jsonl"), *extra])
    return code, json.loads(out.read_text())


def test_the_cli_plans_without_writing(adc: None, gcp: StatefulGcp, tmp_path: Path) -> None:
    code, result = _remediate(tmp_path)
    assert (code, result["mode"], result["summary"]) == (0, "plan", {"planned": 2})
    assert gcp.seen("PATCH") == [] and gcp.seen("PUT") == []
    assert not (tmp_path / "audit.jsonl").exists()


def test_the_cli_applies_as_the_key_files_service_account(adc: None, gcp: StatefulGcp, tmp_path: Path) -> None:
    code, result = _remediate(tmp_path, "--apply")
    assert (code, result["summary"]) == (0, {"applied": 2})
    assert {e["actor"] for e in read_audit_log(tmp_path / "audit.jsonl")} == {OPERATOR}
    assert all(_issuer(r.authorization) == OPERATOR for r in gcp.seen("PATCH") + gcp.seen("PUT"))


def _issuer(authorization: str | None) -> str | None:
    """Who a bearer credential stands for: a token the fake minted for the key, or a self-signed JWT's issuer.

    GAPIC clients sign their own JWTs with a service-account key instead of
    asking the token endpoint; the storage client asks the endpoint.
    """
    token = (authorization or "").removeprefix("Bearer ")
    if token == MINTED_TOKEN:
        return OPERATOR
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("iss") if payload else None
