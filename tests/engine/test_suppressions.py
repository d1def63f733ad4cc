"""Suppressions: accepted findings with a reason, an owner and an expiry (fixtures/suppressions)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import msgspec
import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.suppressions import (
    SuppressionError,
    apply_suppressions,
    load_suppressions,
)
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EXAMPLE = FIXTURES / "suppressions" / "example.yaml"
TODAY = date(2025, 3, 1)
ACCOUNT = "111122223333"


@pytest.fixture
def evaluation() -> Evaluation:
    """Five findings, one per severity; none suppressed."""
    found = msgspec.json.decode((FIXTURES / "outputs" / "evaluation.json").read_bytes(), type=Evaluation)
    for f in found.findings:
        f.suppressed = False
    return found


def write(tmp_path: Path, text: str, name: str = "suppressions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def entry(**fields: str) -> str:
    """One YAML entry with the required fields filled in."""
    body = dict(fields)
    for key, value in (("reason", "accepted"), ("owner", "owner@example.com"), ("expires", "2099-12-31")):
        body.setdefault(key, value)
    return "suppressions:\n  - " + "\n    ".join(f"{k}: {json.dumps(v) if isinstance(v, str) else v}"
                                              for k, v in body.items()) + "\n"


def suppressed_policies(evaluation: Evaluation) -> list[str]:
    return sorted(f.policy for f in evaluation.findings if f.suppressed)


# --- the file -----------------------------------------------------------------------------------


def test_example_file_loads_with_each_entry_and_its_line() -> None:
    entries = load_suppressions(EXAMPLE)
    assert [(s.policy, s.line) for s in entries] == [("bucket-access-logging", 3), ("user-*", 9),
                                                      ("vpc-not-default", 16)]
    assert entries[1].tags == {"team": "break-glass"} and entries[1].expires == date(2099, 6, 30)


def test_every_problem_of_a_bad_file_is_reported_with_file_and_line() -> None:
    with pytest.raises(SuppressionError) as err:
        load_suppressions(FIXTURES / "suppressions" / "invalid.yaml")
    problems = err.value.problems
    name = str(FIXTURES / "suppressions" / "invalid.yaml")
    assert f"{name}:2: suppression 1: missing required field(s): owner, expires" in problems
    assert f"{name}:4: suppression 2: needs at least one matcher (policy, resource, account, tags)" in problems
    assert f"{name}:10: suppression 3: expires 'next tuesday' is not a date YYYY-MM-DD" in problems
    assert any(p.startswith(f"{name}:12: suppression 4: unknown field 'polcy'") for p in problems)
    assert len(problems) == 4


@pytest.mark.parametrize("field", ["reason", "owner", "expires"])
def test_reason_owner_and_expiry_are_required(tmp_path: Path, field: str) -> None:
    text = "\n".join(line for line in entry(policy="p").splitlines() if not line.strip().startswith(f"{field}:"))
    with pytest.raises(SuppressionError, match=f"missing required field\\(s\\): {field}"):
        load_suppressions(write(tmp_path, text))


def test_an_empty_reason_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SuppressionError, match="reason must be a non-empty string"):
        load_suppressions(write(tmp_path, entry(policy="p", reason="  ")))


def test_a_quoted_date_is_accepted_and_a_datetime_is_not(tmp_path: Path) -> None:
    assert load_suppressions(write(tmp_path, entry(policy="p", expires="2030-01-02")))[0].expires == date(2030, 1, 2)
    with pytest.raises(SuppressionError, match="is not a date YYYY-MM-DD"):
        load_suppressions(write(tmp_path, entry(policy="p").replace('"2099-12-31"', "2099-12-31T10:00:00")))


def test_a_field_given_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SuppressionError, match="field 'policy' given twice"):
        load_suppressions(write(tmp_path, entry(policy="a") + "    policy: b\n"))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "suppressions:\n  - policy: [unclosed\n    reason: x\n")
    with pytest.raises(SuppressionError, match=f"{path}:3: invalid YAML"):
        load_suppressions(path)


def test_a_missing_file_is_a_suppression_error(tmp_path: Path) -> None:
    with pytest.raises(SuppressionError, match="cannot read suppressions file"):
        load_suppressions(tmp_path / "none.yaml")


def test_a_top_level_list_and_an_empty_file_are_accepted(tmp_path: Path) -> None:
    listed = entry(policy="p").replace("suppressions:\n", "")
    assert len(load_suppressions(write(tmp_path, listed))) == 1
    assert load_suppressions(write(tmp_path, "", "empty.yaml")) == []


# --- matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("matchers", "expected"), [
    ({"policy": "bucket-*"}, ["bucket-access-logging", "bucket-not-public"]),
    ({"resource": "arn:aws:kms:*"}, ["key-rotation-enabled"]),
    ({"policy": "bucket-*", "resource": "*:::customer-data"}, ["bucket-access-logging", "bucket-not-public"]),
    ({"account": "9999*"}, []),
    ({"policy": "BUCKET-*"}, []),  # globs are case-sensitive, like the ids they match
])
def test_globs_match_policy_resource_id_and_account(tmp_path: Path, evaluation: Evaluation,
                                                    matchers: dict[str, str], expected: list[str]) -> None:
    entries = load_suppressions(write(tmp_path, entry(**matchers)))
    apply_suppressions(evaluation, entries, "s.yaml", today=TODAY)
    assert suppressed_policies(evaluation) == expected


def test_tags_must_all_be_present_and_match(tmp_path: Path, evaluation: Evaluation) -> None:
    entries = load_suppressions(write(tmp_path, entry(policy="*") + "    tags: {env: 'sand*', team: data}\n"))
    tags = {"arn:aws:s3:::customer-data": {"env": "sandbox", "team": "data"},
            "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1b2c3d": {"env": "sandbox"}}
    apply_suppressions(evaluation, entries, "s.yaml", tags=tags, today=TODAY)
    assert suppressed_policies(evaluation) == ["bucket-access-logging", "bucket-not-public"]


def test_first_matching_entry_in_file_order_is_the_one_applied(tmp_path: Path, evaluation: Evaluation) -> None:
    text = entry(policy="bucket-not-public", reason="first") + \
        entry(policy="bucket-*", reason="second").replace("suppressions:\n", "")
    report = apply_suppressions(evaluation, load_suppressions(write(tmp_path, text)), "s.yaml", today=TODAY)
    assert report.applied["40c28e0eedac887b33899299a86fd977"].reason == "first"


def test_expired_entry_stops_applying_and_is_reported(tmp_path: Path, evaluation: Evaluation) -> None:
    entries = load_suppressions(write(tmp_path, entry(policy="vpc-not-default", expires="2025-02-28")))
    report = apply_suppressions(evaluation, entries, "s.yaml", today=TODAY)
    assert suppressed_policies(evaluation) == []
    assert report.expired == entries
    assert report.to_json()["expired"][0]["matching_findings"] == 1
    assert "suppression expired on 2025-02-28" in report.warnings()[0]


def test_entry_still_applies_on_its_expiry_day(tmp_path: Path, evaluation: Evaluation) -> None:
    entries = load_suppressions(write(tmp_path, entry(policy="vpc-not-default", expires="2025-03-01")))
    report = apply_suppressions(evaluation, entries, "s.yaml", today=TODAY)
    assert suppressed_policies(evaluation) == ["vpc-not-default"] and not report.expired


def test_suppressed_findings_are_not_counted_toward_fail_on(tmp_path: Path, evaluation: Evaluation) -> None:
    entries = load_suppressions(write(tmp_path, entry(policy="bucket-not-public")))
    apply_suppressions(evaluation, entries, "s.yaml", today=TODAY)
    assert [f.policy for f in evaluation.at_or_above("critical")] == []
    assert evaluation.summary()["suppressed"] == 1


# --- through the command line ------------------------------------------------------------------


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "estate.json"
    write_snapshot(Snapshot(nodes=[
        Node(id="arn:aws:s3:::plain", cloud="aws", kind="storage.bucket", name="plain", account=ACCOUNT,
             props={"encryption": {"at_rest": False}}, tags={"env": "sandbox"}),
        Node(id="arn:aws:s3:::prod-data", cloud="aws", kind="storage.bucket", name="prod-data", account=ACCOUNT,
             props={"encryption": {"at_rest": False}}, tags={"env": "prod"}),
    ]), path)
    return path


def scan(capsys: pytest.CaptureFixture[str], snapshot: Path, *extra: str) -> tuple[int, str, str]:
    try:
        code = main(["scan", "--snapshot", str(snapshot), "--policy", "storage-encrypted-at-rest", *extra])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_suppressed_finding_stays_in_json_marked_and_never_triggers_fail_on(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot_file: Path) -> None:
    rules = write(tmp_path, entry(policy="storage-encrypted-at-rest") + "    tags: {env: sandbox}\n")
    code, out, _ = scan(capsys, snapshot_file, "--suppressions", str(rules), "--format", "json", "--fail-on", "high")
    assert code == 1  # prod-data is not suppressed
    findings = {f["resource"]["name"]: f for f in json.loads(out)["findings"]}
    assert findings["plain"]["suppressed"] is True
    assert findings["plain"]["suppression"] == {"reason": "accepted", "owner": "owner@example.com",
                                                "expires": "2099-12-31"}
    assert findings["prod-data"]["suppressed"] is False and "suppression" not in findings["prod-data"]

    everything = write(tmp_path, entry(policy="storage-encrypted-at-rest"), "all.yaml")
    code, out, _ = scan(capsys, snapshot_file, "--suppressions", str(everything), "--format", "json",
                        "--fail-on", "info")
    assert code == 0
    assert [f["suppressed"] for f in json.loads(out)["findings"]] == [True, True]


def test_expired_entry_is_warned_on_stderr_and_listed_in_json(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               snapshot_file: Path) -> None:
    rules = write(tmp_path, entry(resource="arn:aws:s3:::plain", expires="2020-01-31"))
    code, out, err = scan(capsys, snapshot_file, "--suppressions", str(rules), "--format", "json", "--fail-on", "high")
    assert code == 1
    assert f"warning: {rules}:2: suppression expired on 2020-01-31 (owner owner@example.com)" in err
    doc = json.loads(out)
    assert [e["resource"] for e in doc["suppressions"]["expired"]] == ["arn:aws:s3:::plain"]
    assert not any(f["suppressed"] for f in doc["findings"])


def test_suppressions_file_comes_from_the_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      snapshot_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_SUPPRESSIONS", str(write(tmp_path, entry(policy="storage-*"))))
    code, _, _ = scan(capsys, snapshot_file, "--fail-on", "high")
    assert code == 0


def test_table_leaves_suppressed_findings_out_of_its_counts(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            snapshot_file: Path) -> None:
    rules = write(tmp_path, entry(resource="arn:aws:s3:::plain"))
    _, out, _ = scan(capsys, snapshot_file, "--suppressions", str(rules))
    assert "1 finding(s): 1 high" in out and "1 suppressed finding(s) not shown" in out


def test_bad_suppressions_file_exits_2_with_one_line_per_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                 snapshot_file: Path) -> None:
    rules = write(tmp_path, "suppressions:\n  - policy: p\n    reason: r\n    owner: o\n    expires: soon\n")
    code, out, err = scan(capsys, snapshot_file, "--suppressions", str(rules))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [(f"cloudwarden: suppressions error: {rules}:5: suppression 1: "
                                         "expires 'soon' is not a date YYYY-MM-DD")]


def test_sarif_carries_the_suppression_reason_as_its_justification(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot_file: Path) -> None:
    rules = write(tmp_path, entry(resource="arn:aws:s3:::plain"))
    _, out, _ = scan(capsys, snapshot_file, "--suppressions", str(rules), "--format", "sarif")
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r
               for r in json.loads(out)["runs"][0]["results"]}
    assert results["arn:aws:s3:::plain"]["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "accepted (owner owner@example.com, expires 2099-12-31)"}]
    assert "suppressions" not in results["arn:aws:s3:::prod-data"]
