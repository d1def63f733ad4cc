"""``--format junit``: JUnit XML that CI test reporters read (one suite per policy).

Allowed names are those of the de-facto schema (Ant JUnit report as formalised by Jenkins'
junit-4.xsd): testsuites, testsuite, properties/property, testcase, failure, error, skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import msgspec
import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo, junit
from cloudwarden.engine.policy import Policy
from cloudwarden.engine.suppressions import Suppression, SuppressionReport
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

BUCKET = "arn:aws:s3:::customer-data"
SCHEMA_ATTRIBUTES = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors", "skipped"},
    "testsuite": {"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id",
                  "package"},
    "properties": set(), "property": {"name", "value"},
    "testcase": {"name", "assertions", "time", "classname", "status"},
    "failure": {"message", "type"}, "error": {"message", "type"}, "skipped": {"message"},
}


@pytest.fixture
def info(policies: tuple[Policy, ...]) -> RunInfo:
    evaluated = {"bucket-not-public": [BUCKET, "arn:aws:s3:::audit-logs", "arn:aws:s3:::public-site-ok"]}
    return RunInfo(tool_version="0.1.0", collected_at="2025-03-01T12:00:00Z", policies=policies, evaluated=evaluated)


def parse(evaluation: Evaluation, info: RunInfo) -> ET.Element:
    return ET.fromstring(junit.render(evaluation, info).encode())


def suite(root: ET.Element, name: str) -> ET.Element:
    return next(s for s in root.iter("testsuite") if s.get("name") == name)


def case(root: ET.Element, policy: str, resource: str) -> ET.Element:
    return next(c for c in suite(root, policy).iter("testcase") if c.get("name") == resource)


def test_one_suite_per_policy_plus_coverage(evaluation: Evaluation, info: RunInfo, policies: tuple[Policy, ...]) -> None:
    root = parse(evaluation, info)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root] == sorted(p.id for p in policies) + ["cloudwarden.coverage"]


def test_only_names_of_the_junit_schema_are_used(evaluation: Evaluation, info: RunInfo) -> None:
    for element in parse(evaluation, info).iter():
        assert element.tag in SCHEMA_ATTRIBUTES
        assert set(element.attrib) <= SCHEMA_ATTRIBUTES[element.tag], element.tag
    for s in parse(evaluation, info).iter("testsuite"):
        assert {"name", "tests", "failures", "errors", "time", "timestamp", "hostname"} <= s.attrib.keys()
        assert s.get("timestamp") == "2025-03-01T12:00:00"  # the schema's pattern has no zone


def test_finding_is_a_failure_typed_by_severity_with_the_details(evaluation: Evaluation, info: RunInfo) -> None:
    failure = case(parse(evaluation, info), "bucket-not-public", BUCKET).find("failure")
    assert failure is not None
    assert failure.get("type") == "critical"
    assert failure.get("message") == "bucket customer-data is readable without credentials"
    assert "path: internet --can_access(read; s3:GetObject)--> arn:aws:s3:::customer-data" in failure.text
    assert "remediation: Turn on the public access block" in failure.text


def test_evaluated_resources_without_findings_pass(evaluation: Evaluation, info: RunInfo) -> None:
    passing = case(parse(evaluation, info), "bucket-not-public", "arn:aws:s3:::public-site-ok")
    assert list(passing) == []


def test_suppressed_and_undetermined_are_skipped_with_the_reason(evaluation: Evaluation, policies: tuple) -> None:
    low = next(f for f in evaluation.findings if f.severity == "low")
    entry = Suppression(reason="logged by CloudTrail", owner="data@example.com", expires=date(2099, 1, 1),
                        policy=low.policy)
    info = RunInfo(tool_version="0.1.0", policies=policies,
                   suppressions=SuppressionReport(file="s.yaml", entries=[entry], applied={low.id: entry}))
    root = parse(evaluation, info)
    skipped = case(root, "bucket-access-logging", BUCKET).find("skipped")
    assert skipped.get("message") == "suppressed until 2099-01-01 by data@example.com: logged by CloudTrail"
    unknown = case(root, "bucket-access-logging", "arn:aws:s3:::audit-logs").find("skipped")
    assert unknown.get("message") == "undetermined: props.logging.enabled is unknown"


def test_policy_runtime_error_is_an_error_beside_the_finding_it_concerns(evaluation: Evaluation, info: RunInfo) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    outcomes = case(parse(evaluation, info), "key-rotation-enabled", key)
    assert [child.tag for child in outcomes] == ["error", "failure"]  # the schema's order
    assert outcomes.find("error").get("type") == "policy-error"


def test_coverage_gaps_are_skipped_cases_saying_not_checked(evaluation: Evaluation, info: RunInfo) -> None:
    gaps = suite(parse(evaluation, info), "cloudwarden.coverage")
    messages = [c.find("skipped").get("message") for c in gaps.iter("testcase")]
    assert messages[0].startswith("not checked: access_denied: AccessDenied")
    assert gaps.get("skipped") == "2"


def test_counts_add_up_per_suite_and_overall(evaluation: Evaluation, info: RunInfo) -> None:
    root = parse(evaluation, info)
    for s in root.iter("testsuite"):
        cases = list(s.iter("testcase"))
        assert int(s.get("tests")) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(s.get(attr)) == sum(1 for c in cases if c.find(tag) is not None)
    for attr in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(attr)) == sum(int(s.get(attr)) for s in root.iter("testsuite"))
    assert root.get("failures") == "4"  # five findings, one of them suppressed


def test_markup_quotes_and_control_characters_in_names_stay_well_formed(evaluation: Evaluation, info: RunInfo) -> None:
    f = next(f for f in evaluation.findings if f.policy == "user-console-mfa")
    hostile = "<script>alert(\"x\")</script> & 'quotes' \x00\x1b[31m]]>"
    f.resource = msgspec.structs.replace(f.resource, id=hostile, name=hostile)
    f.message = hostile
    text = junit.render(evaluation, info)
    assert "<script>" not in text
    failure = case(ET.fromstring(text.encode()), "user-console-mfa", junit.xml_safe(hostile)).find("failure")
    assert failure.get("message") == "<script>alert(\"x\")</script> & 'quotes' \ufffd\ufffd[31m]]>"


# --- through the command line ------------------------------------------------------------------


def test_scan_lists_every_matched_resource_as_a_test_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "prod-buckets-encrypted.yaml").write_text(
        "id: prod-buckets-encrypted\ntitle: Production buckets are encrypted\nseverity: high\n"
        "categories: [encryption]\nresource: [storage.bucket]\n"
        "match: '\"env\" in resource.tags && resource.tags.env == \"prod\"'\n"
        "assert: resource.props.encryption.at_rest\n")
    snapshot = tmp_path / "estate.json"
    write_snapshot(Snapshot(nodes=[
        Node(id=f"arn:aws:s3:::{name}", cloud="aws", kind="storage.bucket", name=name, tags=tags,
             props={"encryption": {"at_rest": encrypted}})
        for name, tags, encrypted in (("prod-open", {"env": "prod"}, False), ("prod-sealed", {"env": "prod"}, True),
                                      ("dev", {"env": "dev"}, False))]), snapshot)
    code = main(["scan", "--snapshot", str(snapshot), "--policies", str(tmp_path / "pack"), "--format", "junit"])
    root = ET.fromstring(capsys.readouterr().out.encode())
    assert code == 0
    cases = {c.get("name"): [child.tag for child in c] for c in root.iter("testcase")}
    assert cases == {"arn:aws:s3:::prod-open": ["failure"], "arn:aws:s3:::prod-sealed": []}
