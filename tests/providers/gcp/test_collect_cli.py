"""``cloudwarden collect gcp`` against the fake with a service-account key whose token endpoint is the fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.engine.cli import main
from cloudwarden.graph.snapshot import load_snapshot
from tests.providers.gcp.fake_gcp import FakeGcp


def test_collect_gcp_with_a_key_file_writes_a_snapshot(gcp_fake: FakeGcp, gcp_key_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "gcp.json"

    code = main(["-q", "collect", "gcp", "--key-file", str(gcp_key_file), "--endpoint", gcp_fake.endpoint,
                 "--project", "acme-prod", "-o", str(out)])

    assert code == 0
    assert "//storage.googleapis.com/acme-prod-public" in load_snapshot(out).node_index()
    assert gcp_fake.calls(r"^POST /token$")  # the key's JWT grant went to its token endpoint


def test_collect_gcp_with_a_broken_key_exits_2_without_quoting_it(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "bad.json"
    key.write_text(json.dumps({"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com",
                               "token_uri": "https://oauth2.googleapis.com/token",
                               "private_key": "-----BEGIN PRIVATE KEY-----\nNOT-A-KEY-SECRET\n"
                                              "-----END PRIVATE KEY-----\n"}))

    code = main(["-q", "collect", "gcp", "--key-file", str(key), "--project", "acme-prod",
                 "-o", str(tmp_path / "out.json")])

    err = capsys.readouterr().err
    assert code == 2 and "bad.json" in err and "NOT-A-KEY-SECRET" not in err
    assert not (tmp_path / "out.json").exists()
