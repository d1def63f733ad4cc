"""Output formats: what each one promises its readers, on one sample scan (fixtures/outputs)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import msgspec
import pytest

from cloudwarden.engine.findings import Evaluation, Finding, fingerprint
from cloudwarden.engine.outputs import FORMATS, RunInfo, renderer
from cloudwarden.engine.outputs import csv_format, json_format, sarif, table
from cloudwarden.engine.policy import Policy

ACCOUNT = "123456789012"
BUCKET = "arn:aws:s3:::customer-data"


@pytest.fixture
def info(policies: tuple[Policy, ...]) -> RunInfo:
    return RunInfo(tool_version="0.1.0", snapshot="estate.json.gz", collected_at="2025-03-01T12:00:00Z",
                   policies=policies)


def finding(evaluation: Evaluation, policy: str) -> Finding:
    return next(f for f in evaluation.findings if f.policy == policy)


def renamed(evaluation: Evaluation, policy: str, name: str) -> Evaluation:
    """The evaluation with one finding's resource renamed (names are attacker-controlled)."""
    f = finding(evaluation, policy)
    f.resource = msgspec.structs.replace(f.resource, name=name)
    return evaluation


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_registered_format_renders_the_sample(name: str, evaluation: Evaluation, info: RunInfo) -> None:
    assert renderer(name)(evaluation, info).strip()


# --- json -------------------------------------------------------------------------------------

FINDING_KEYS = {"id", "policy", "title", "severity", "categories", "resource", "message", "evidence", "path",
                "compliance", "remediation"}


def test_json_document_has_the_firm_top_level_keys(evaluation: Evaluation, info: RunInfo) -> None:
    doc = json.loads(json_format.render(evaluation, info))
    assert doc["schema"] == "cloudwarden.findings/v1"
    assert {"summary", "coverage", "findings"} <= doc.keys()
    assert doc["summary"] == evaluation.summary()
    assert doc["coverage"] == evaluation.coverage


def test_json_findings_carry_the_firm_keys_and_resource_shape(evaluation: Evaluation, info: RunInfo) -> None:
    doc = json.loads(json_format.render(evaluation, info))
    assert len(doc["findings"]) == len(evaluation.findings)
    for f in doc["findings"]:
        assert FINDING_KEYS <= f.keys()
        assert set(f["resource"]) == {"id", "kind", "cloud", "account", "region", "name"}
        assert f["id"] == fingerprint(f["policy"], f["resource"]["id"])


def test_json_attack_path_hops_use_from_to_edge_detail(evaluation: Evaluation, info: RunInfo) -> None:
    doc = json.loads(json_format.render(evaluation, info))
    [hop] = next(f for f in doc["findings"] if f["policy"] == "bucket-not-public")["path"]
    assert hop == {"from": "internet", "to": BUCKET, "edge": "can_access",
                   "detail": {"access": "read", "actions": ["s3:GetObject"]}}


# --- csv --------------------------------------------------------------------------------------


def csv_rows(evaluation: Evaluation, info: RunInfo) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_format.render(evaluation, info), newline="")))


def test_csv_has_the_header_and_one_row_per_finding(evaluation: Evaluation, info: RunInfo) -> None:
    text = csv_format.render(evaluation, info)
    assert text.splitlines()[0] == ",".join(csv_format.COLUMNS)
    rows = csv_rows(evaluation, info)
    assert [r["id"] for r in rows] == [f.id for f in evaluation.findings]
    bucket = next(r for r in rows if r["policy"] == "bucket-not-public")
    assert bucket["compliance"] == "cis-aws-3.0:2.1.4; nist-800-53-r5:AC-3,SC-7"
    assert bucket["categories"] == "exposure;data-protection"
    assert [r["suppressed"] for r in rows].count("true") == 1


def test_csv_neutralizes_a_resource_named_like_a_formula(evaluation: Evaluation, info: RunInfo) -> None:
    row = next(r for r in csv_rows(evaluation, info) if r["policy"] == "user-console-mfa")
    assert row["resource_name"] == "'=cmd"
    assert row["resource_id"] == f"arn:aws:iam::{ACCOUNT}:user/=cmd"  # not formula-looking: left alone


@pytest.mark.parametrize("name", ["+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_neutralizes_every_formula_prefix(name: str, evaluation: Evaluation, info: RunInfo) -> None:
    rows = csv_rows(renamed(evaluation, "vpc-not-default", name), info)
    assert next(r for r in rows if r["policy"] == "vpc-not-default")["resource_name"] == "'" + name


def test_csv_line_breaks_inside_a_cell_do_not_split_the_row(evaluation: Evaluation, info: RunInfo) -> None:
    rows = csv_rows(renamed(evaluation, "vpc-not-default", "a\rb\nc"), info)
    assert len(rows) == len(evaluation.findings)
    assert next(r for r in rows if r["policy"] == "vpc-not-default")["resource_name"] == "a\rb\nc"


# --- table ------------------------------------------------------------------------------------


def test_table_groups_unsuppressed_findings_by_severity_most_severe_first(evaluation: Evaluation,
                                                                          info: RunInfo) -> None:
    text = table.render(evaluation, info)
    headings = [line.strip() for line in text.splitlines()
                if line.strip().endswith("(1)") and line.strip().split()[0] in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")]
    assert headings == ["CRITICAL (1)", "HIGH (1)", "MEDIUM (1)", "INFO (1)"]
    assert "LOW" not in text and "bucket-access-logging" not in text
    assert "1 suppressed finding(s) not shown" in text


def test_table_prints_each_attack_path_hop_with_its_evidence(evaluation: Evaluation, info: RunInfo) -> None:
    text = table.render(evaluation, info)
    assert "ATTACK PATHS (1)" in text
    with_path = next(f for f in evaluation.findings if f.path)
    assert all(f"--{hop.edge}" in text for hop in with_path.path)


def test_table_lists_coverage_gaps_as_not_checked(evaluation: Evaluation, info: RunInfo) -> None:
    text = table.render(evaluation, info)
    assert "2 coverage gap(s): these were NOT checked" in text
    assert f"{ACCOUNT} global s3: access_denied:" in text and "[arn:aws:s3:::audit-logs]" in text
    assert f"{ACCOUNT} ap-south-1 sagemaker: not_enabled:" in text


def test_table_reports_policy_errors(evaluation: Evaluation, info: RunInfo) -> None:
    text = table.render(evaluation, info)
    assert "1 policy evaluation error(s):" in text
    assert "key-rotation-enabled on arn:aws:kms:us-east-1" in text


def test_table_prints_markup_in_resource_names_literally(evaluation: Evaluation, info: RunInfo) -> None:
    text = table.render(renamed(evaluation, "bucket-not-public", "[/]x[white on white]y :warning:"), info)
    assert "[/]x[white on white]y :warning:" in text


# --- sarif ------------------------------------------------------------------------------------


def sarif_run(evaluation: Evaluation, info: RunInfo) -> dict[str, Any]:
    log = json.loads(sarif.render(evaluation, info))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    return run


def test_sarif_has_one_rule_per_evaluated_policy(evaluation: Evaluation, info: RunInfo) -> None:
    driver = sarif_run(evaluation, info)["tool"]["driver"]
    assert driver["name"] == "cloudwarden" and driver["version"] == "0.1.0"
    assert [r["id"] for r in driver["rules"]] == [p.id for p in info.policies]


@pytest.mark.parametrize(("policy", "level", "score"), [
    ("bucket-not-public", "error", "9.5"), ("user-console-mfa", "error", "8.0"),
    ("key-rotation-enabled", "warning", "5.5"), ("bucket-access-logging", "note", "3.0"),
    ("vpc-not-default", "note", "0.0"),
])
def test_sarif_rule_level_and_security_severity_follow_the_policy_severity(
        policy: str, level: str, score: str, evaluation: Evaluation, info: RunInfo) -> None:
    rule = next(r for r in sarif_run(evaluation, info)["tool"]["driver"]["rules"] if r["id"] == policy)
    assert rule["defaultConfiguration"]["level"] == level
    assert rule["properties"]["security-severity"] == score
    assert float(score) >= 0  # GitHub parses it as a number


def test_sarif_rule_describes_the_policy_and_its_remediation(evaluation: Evaluation, info: RunInfo) -> None:
    rule = next(r for r in sarif_run(evaluation, info)["tool"]["driver"]["rules"] if r["id"] == "bucket-not-public")
    assert rule["name"] == "BucketNotPublic"
    assert rule["shortDescription"]["text"] == "Buckets are not readable by anyone on the internet"
    assert rule["fullDescription"]["text"].startswith("A bucket whose own settings")
    assert rule["help"]["text"].startswith("Turn on the public access block and remove the public grants.")
    # "security" is what makes GitHub read security-severity; then categories and compliance refs.
    assert rule["properties"]["tags"] == ["security", "exposure", "data-protection", "cis-aws-3.0:2.1.4",
                                          "nist-800-53-r5:AC-3", "nist-800-53-r5:SC-7"]


def test_sarif_result_points_at_its_rule_and_resource(evaluation: Evaluation, info: RunInfo) -> None:
    run = sarif_run(evaluation, info)
    source = finding(evaluation, "bucket-not-public")
    result = next(r for r in run["results"] if r["ruleId"] == "bucket-not-public")
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "bucket-not-public"
    assert result["level"] == "error"
    assert result["message"]["text"] == source.message
    assert result["partialFingerprints"] == {"cloudwarden/v1": source.id}
    [location] = result["locations"]
    assert location["logicalLocations"] == [{"fullyQualifiedName": BUCKET, "kind": "resource", "name": "customer-data"}]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": f"cloud/aws/{ACCOUNT}/us-east-1/storage.bucket"}, "region": {"startLine": 1}}


def test_sarif_result_of_a_global_resource_has_a_global_pseudo_path(evaluation: Evaluation, info: RunInfo) -> None:
    result = next(r for r in sarif_run(evaluation, info)["results"] if r["ruleId"] == "user-console-mfa")
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"cloud/aws/{ACCOUNT}/global/identity.user"


def test_sarif_result_properties_carry_resource_evidence_severity_and_path(evaluation: Evaluation,
                                                                           info: RunInfo) -> None:
    result = next(r for r in sarif_run(evaluation, info)["results"] if r["ruleId"] == "bucket-not-public")
    props = result["properties"]
    assert props["resource"] == msgspec.to_builtins(finding(evaluation, "bucket-not-public").resource)
    assert props["evidence"] == {"public": True, "public_by_policy": True}
    assert props["severity"] == "critical"
    assert props["path"][0]["from"] == "internet"


def test_sarif_marks_only_suppressed_findings_as_suppressed(evaluation: Evaluation, info: RunInfo) -> None:
    results = sarif_run(evaluation, info)["results"]
    assert len(results) == len(evaluation.findings)  # suppressed ones stay, marked, as SARIF intends
    suppressed = {r["ruleId"]: r.get("suppressions") for r in results}
    assert suppressed.pop("bucket-access-logging") == [{"kind": "external", "status": "accepted"}]
    assert set(suppressed.values()) == {None}


def test_sarif_reports_coverage_gaps_and_policy_errors_as_notifications(evaluation: Evaluation,
                                                                          info: RunInfo) -> None:
    run = sarif_run(evaluation, info)
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    gaps = [n for n in notes if n["descriptor"]["id"] == "coverage-gap"]
    assert [n["level"] for n in gaps] == ["warning", "warning"]
    assert "access_denied" in gaps[0]["message"]["text"]
    assert gaps[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "arn:aws:s3:::audit-logs"
    [error] = [n for n in notes if n["descriptor"]["id"] == "policy-error"]
    assert error["level"] == "error"
    rules = run["tool"]["driver"]["rules"]
    assert rules[error["associatedRule"]["index"]]["id"] == error["associatedRule"]["id"] == "key-rotation-enabled"
    assert run["properties"]["summary"]["coverage_gaps"] == 2


def test_sarif_makes_a_rule_for_a_finding_whose_policy_was_not_listed(evaluation: Evaluation) -> None:
    run = sarif_run(evaluation, RunInfo(tool_version="0.1.0"))
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted(f.policy for f in evaluation.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
