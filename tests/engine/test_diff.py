"""``cloudwarden diff``: new, resolved, unchanged and re-rated findings between scans or files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.diff import FindingSet, compare
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

ACCOUNT = "111122223333"


def finding(name: str, severity: str = "high", policy: str = "storage-encrypted-at-rest", **extra: Any) -> dict:
    resource = {"id": f"arn:aws:s3:::{name}", "kind": "storage.bucket", "cloud": "aws", "account": ACCOUNT,
                "name": name}
    return {"id": f"{policy}/{name}", "policy": policy, "severity": severity, "resource": resource,
            "message": f"bucket {name}", **extra}


def side(label: str, *findings: dict, **scope: Any) -> FindingSet:
    return FindingSet(label=label, header={}, findings={f["id"]: f for f in findings}, **scope)


def names(rows: list[dict]) -> list[str]:
    return [r["resource"]["name"] for r in rows]


# --- classification -----------------------------------------------------------------------------


def test_findings_are_classified_by_fingerprint() -> None:
    result = compare(side("old", finding("kept"), finding("fixed")), side("new", finding("kept"), finding("added")))
    assert names(result.added) == ["added"]
    assert names(result.resolved) == ["fixed"]
    assert names(result.unchanged) == ["kept"]
    assert result.summary()["new_by_severity"]["high"] == 1


def test_a_severity_change_is_listed_with_both_severities() -> None:
    result = compare(side("old", finding("b", "medium")), side("new", finding("b", "critical")))
    assert result.severity_changed == [{**result.severity_changed[0], "old_severity": "medium", "severity": "critical"}]
    assert names(result.unchanged) == ["b"] and not result.added


def test_a_finding_whose_policy_was_not_evaluated_is_not_resolved() -> None:
    old = side("old", finding("b", policy="bucket-not-public"))
    result = compare(old, side("new", policies={"storage-encrypted-at-rest"}))
    assert not result.resolved
    assert result.not_checked[0]["reason"] == "policy bucket-not-public was not evaluated"


def test_a_finding_in_an_account_not_scanned_is_not_resolved() -> None:
    result = compare(side("old", finding("b")), side("new", accounts={"999999999999"}))
    assert not result.resolved and result.not_checked[0]["reason"] == f"account {ACCOUNT} was not scanned"


def test_coverage_gaps_in_the_new_scan_are_a_warning() -> None:
    result = compare(side("old", finding("b")), side("scan 2", coverage_gaps=3))
    assert result.warnings() == ["scan 2 has 3 coverage gap(s): a finding that disappeared may not have been checked"]


def test_fail_on_new_counts_new_and_raised_findings_but_not_suppressed_ones() -> None:
    old = side("old", finding("raised", "low"), finding("same", "high"))
    new = side("new", finding("raised", "high"), finding("same", "high"), finding("quiet", "critical", suppressed=True),
               finding("minor", "low"))
    result = compare(old, new)
    assert names(result.failing("high")) == ["raised"]
    assert names(result.failing("low")) == ["minor"]  # "raised" already counted at low before


# --- through the command line ------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def estate(tmp_path: Path, name: str, buckets: dict[str, bool]) -> Path:
    """A snapshot of buckets: name -> encrypted at rest."""
    path = tmp_path / f"{name}.json"
    write_snapshot(Snapshot(sources=[], nodes=[
        Node(id=f"arn:aws:s3:::{b}", cloud="aws", kind="storage.bucket", name=b, account=ACCOUNT,
             props={"encryption": {"at_rest": encrypted}}) for b, encrypted in buckets.items()]), path)
    return path


@pytest.fixture
def two_scans(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path]:
    """Two recorded scans and their findings files: "fixed" got encryption, "added" appeared."""
    files = []
    for name, buckets in (("before", {"kept": False, "fixed": False}), ("after", {"kept": False, "fixed": True,
                                                                                  "added": False})):
        out = tmp_path / f"{name}-findings.json"
        code, _, _ = run(capsys, "scan", "--snapshot", str(estate(tmp_path, name, buckets)), "--format", "json",
                         "-o", str(out), "--policy", "storage-encrypted-at-rest")
        assert code == 0
        files.append(out)
    return files[0], files[1]


def test_diff_of_the_last_two_scans_in_the_store(capsys: pytest.CaptureFixture[str], two_scans: Any) -> None:
    code, out, _ = run(capsys, "diff", "previous", "latest", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "cloudwarden.diff/v1"
    assert (names(doc["new"]), names(doc["resolved"])) == (["added"], ["fixed"])
    assert [u["resource"]["name"] for u in doc["unchanged"]] == ["kept"]
    assert (doc["from"]["scan"]["id"], doc["to"]["scan"]["id"]) == (1, 2)


def test_diff_of_findings_files_and_of_scan_ids_agree(capsys: pytest.CaptureFixture[str],
                                                      two_scans: tuple[Path, Path]) -> None:
    before, after = two_scans
    _, from_files, _ = run(capsys, "diff", str(before), str(after), "--format", "json")
    _, from_ids, _ = run(capsys, "diff", "1", "2", "--format", "json")
    _, mixed, _ = run(capsys, "diff", "1", str(after), "--format", "json")
    summaries = [json.loads(doc)["summary"] for doc in (from_files, from_ids, mixed)]
    assert summaries[0] == summaries[1] == summaries[2]
    assert summaries[0]["new"] == 1 and summaries[0]["resolved"] == 1 and summaries[0]["unchanged"] == 1


def test_fail_on_new_exits_1_only_at_or_above_the_threshold(capsys: pytest.CaptureFixture[str],
                                                            two_scans: Any) -> None:
    assert run(capsys, "diff", "previous", "latest", "--fail-on-new", "high")[0] == 1
    assert run(capsys, "diff", "previous", "latest", "--fail-on-new", "critical")[0] == 0
    assert run(capsys, "diff", "latest", "latest", "--fail-on-new", "info")[0] == 0


def test_table_lists_each_change_section(capsys: pytest.CaptureFixture[str], two_scans: Any) -> None:
    code, out, _ = run(capsys, "diff", "previous", "latest")
    assert code == 0
    assert "scan 1 -> scan 2" in out and "NEW (1)" in out and "RESOLVED (1)" in out
    assert "1 new, 1 resolved, 1 unchanged" in out


def test_first_scheduled_run_diffs_against_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "scan", "--snapshot", str(estate(tmp_path, "only", {"a": False})), "--policy",
        "storage-encrypted-at-rest")
    code, out, err = run(capsys, "diff", "previous", "latest", "--fail-on-new", "high")
    assert code == 1 and "0 resolved" in out and "1 new" in out
    assert "scan 1 is the first recorded scan: every finding is new" in err


@pytest.mark.parametrize(("old", "message"), [
    ("7", "no scan 7 in history store"),
    ("{tmp}/none.json", "{tmp}/none.json: no such findings file"),
    ("{tmp}/before.json", "{tmp}/before.json: not a findings document"),  # a snapshot, not findings
])
def test_unreadable_sides_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, two_scans: Any,
                                               old: str, message: str) -> None:
    code, out, err = run(capsys, "diff", old.replace("{tmp}", str(tmp_path)), "latest")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cloudwarden: error: {message.replace('{tmp}', str(tmp_path))}")


def test_diff_without_any_store_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "diff", "previous", "latest", "--store", str(tmp_path / "nothing.sqlite3"))
    assert code == 2 and "no scan history at" in err
    assert not (tmp_path / "nothing.sqlite3").exists()


def test_resource_names_are_not_read_as_markup(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    hostile = finding("[bold red]x[/]")
    old.write_text(json.dumps({"schema": "cloudwarden.findings/v1", "findings": []}))
    new.write_text(json.dumps({"schema": "cloudwarden.findings/v1", "findings": [hostile]}))
    code, out, _ = run(capsys, "diff", str(old), str(new))
    assert code == 0 and "[bold red]x[/]" in out


def test_scheduled_live_scans_record_and_diff_against_moto(capsys: pytest.CaptureFixture[str], aws: str,
                                                            tmp_path: Path) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="first-bucket")
    live = ["scan", "aws", "--region", "us-east-1", "--service", "s3", "--policy", "storage-versioning-enabled"]
    assert run(capsys, *live, "--save-snapshot", str(tmp_path / "night1.json.gz"))[0] == 0
    s3.create_bucket(Bucket="second-bucket")
    assert run(capsys, *live)[0] == 0
    code, out, _ = run(capsys, "diff", "previous", "latest", "--format", "json", "--fail-on-new", "low")
    doc = json.loads(out)
    assert code == 1
    assert names(doc["new"]) == ["second-bucket"] and [u["resource"]["name"] for u in doc["unchanged"]] == ["first-bucket"]
    assert doc["from"]["scan"]["source"] == "live" and doc["from"]["scan"]["accounts"] == ["123456789012"]
    assert doc["from"]["scan"]["saved_snapshot"] == str(tmp_path / "night1.json.gz")
