"""The command line: exit codes and bad input (exit 2, one line on stderr, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.engine.cli import main
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "estate.json.gz"
    write_snapshot(
        Snapshot(nodes=[
            Node(id="arn:aws:s3:::plain", cloud="aws", kind="storage.bucket", name="plain", account="111122223333",
                 props={"encryption": {"at_rest": False}}),
            Node(id="arn:aws:s3:::sealed", cloud="aws", kind="storage.bucket", name="sealed", account="111122223333",
                 props={"encryption": {"at_rest": True}}),
        ]),
        path,
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_unknown_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", "--no-such-flag")
    assert code == 2
    assert "unrecognized arguments: --no-such-flag" in err


def test_scan_needs_exactly_one_source(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, _, err = run(capsys, "scan", "--demo", "--snapshot", str(snapshot_file))
    assert code == 2
    assert "exactly one of" in err


def test_damaged_snapshot_exits_2_without_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    code, _, err = run(capsys, "scan", "--snapshot", str(bad))
    assert code == 2
    assert "damaged gzip" in err and "Traceback" not in err


def test_wrong_snapshot_version_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text('{"schema": "cloudwarden.snapshot/v0"}')
    code, _, err = run(capsys, "scan", "--snapshot", str(old))
    assert code == 2
    assert "unsupported snapshot version" in err


def test_invalid_policy_directory_exits_2_listing_problems(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, _, err = run(capsys, "scan", "--snapshot", str(snapshot_file), "--policies", str(FIXTURES / "invalid-policies"))
    assert code == 2
    assert "cel-syntax-error.yaml:6:45" in err


def test_json_report_lists_the_failing_resource_only(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, out, _ = run(capsys, "scan", "--snapshot", str(snapshot_file), "--format", "json",
                       "--policy", "storage-encrypted-at-rest")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "cloudwarden.findings/v1"
    assert [f["resource"]["name"] for f in doc["findings"]] == ["plain"]


def test_fail_on_exits_1_when_a_finding_reaches_the_threshold(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, _, _ = run(capsys, "scan", "--snapshot", str(snapshot_file), "--fail-on", "high",
                     "--policy", "storage-encrypted-at-rest")
    assert code == 1


def test_fail_on_exits_0_when_findings_are_below_the_threshold(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, _, _ = run(capsys, "scan", "--snapshot", str(snapshot_file), "--fail-on", "critical",
                     "--policy", "storage-encrypted-at-rest")
    assert code == 0


def test_unknown_policy_id_exits_2(capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
    code, _, err = run(capsys, "scan", "--snapshot", str(snapshot_file), "--policy", "no-such-policy")
    assert code == 2
    assert "unknown policy id(s): no-such-policy" in err


def test_report_written_to_file_atomically(capsys: pytest.CaptureFixture[str], snapshot_file: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "report.csv"
    code, out, _ = run(capsys, "scan", "--snapshot", str(snapshot_file), "--format", "csv", "-o", str(out_file))
    assert code == 0 and out == ""
    assert out_file.read_text().startswith("id,policy,severity")


def test_missing_aws_credentials_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, _, err = run(capsys, "collect", "aws", "--region", "us-east-1", "-o", str(tmp_path / "s.json"))
    assert code == 2
    assert "AWS credentials" in err


def test_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code, _, err = run(capsys, "collect", "aws", "--profile", "nope", "-o", str(tmp_path / "s.json"))
    assert code == 2
    assert "nope" in err


def test_unknown_service_exits_2(capsys: pytest.CaptureFixture[str], aws: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "collect", "aws", "--region", "us-east-1", "--service", "s4", "-o", str(tmp_path / "s.json"))
    assert code == 2
    assert "unknown AWS service(s): s4" in err
