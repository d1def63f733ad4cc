"""``--format ocsf``: OCSF 1.3.0 Detection Finding events (class 2004) for every finding.

The required attributes and enumerations below are those of the OCSF schema sources:
events/base_event.json (activity_id, category_uid, class_uid, metadata, severity_id, time,
type_uid required), events/findings/finding.json (finding_info required; status_id 1 New,
3 Suppressed), profiles/cloud.json (cloud required), objects/metadata.json (product, version
required), objects/product.json (name), objects/finding_info.json (uid, title), objects/cloud.json
(provider), objects/_entity (uid or name), objects/evidences.json (at least one artifact).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.engine.conftest import sample_evaluation
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo, ocsf


BASE_REQUIRED = {"activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"}
FINDING_REQUIRED = {"finding_info"}
CLOUD_PROFILE_REQUIRED = {"cloud"}
# Every attribute a Detection Finding (with the Cloud profile) may carry in OCSF 1.3.
ALLOWED = {
    "activity_id", "activity_name", "category_name", "category_uid", "class_name", "class_uid", "count", "duration",
    "end_time", "enrichments", "message", "metadata", "observables", "raw_data", "severity", "severity_id",
    "start_time", "status", "status_code", "status_detail", "status_id", "time", "timezone_offset", "type_name",
    "type_uid", "unmapped", "cloud", "api", "comment", "confidence", "confidence_id", "confidence_score", "device",
    "finding_info", "evidences", "impact", "impact_id", "impact_score", "malware", "remediation", "resources",
    "risk_details", "risk_level", "risk_level_id", "risk_score", "vulnerabilities",
}
SEVERITY_IDS = {0, 1, 2, 3, 4, 5, 6, 99}
STATUS_IDS = {0, 1, 2, 3, 4, 5, 6, 99}
ACCOUNT_TYPE_IDS = set(range(18)) | {99}
EVIDENCE_ARTIFACTS = {"actor", "api", "connection_info", "data", "database", "databucket", "device", "dst_endpoint",
                      "email", "file", "process", "query", "resources", "src_endpoint", "url", "user", "job", "script"}


@pytest.fixture
def evaluation() -> Evaluation:
    """Five findings (the low one suppressed) plus a three-hop attack-path finding."""
    return sample_evaluation(with_path=True)


@pytest.fixture
def events(evaluation: Evaluation) -> list[dict[str, Any]]:
    info = RunInfo(tool_version="0.1.0", snapshot="estate.json.gz", collected_at="2025-03-01T12:00:00Z")
    return json.loads(ocsf.render(evaluation, info))


def by_uid(events: list[dict[str, Any]], uid: str) -> dict[str, Any]:
    return next(e for e in events if e["finding_info"]["uid"] == uid)


def test_one_event_per_finding_keyed_by_fingerprint(events: list[dict[str, Any]], evaluation: Evaluation) -> None:
    assert [e["finding_info"]["uid"] for e in events] == [f.id for f in evaluation.findings]


def test_every_event_has_the_required_attributes_of_a_detection_finding(events: list[dict[str, Any]]) -> None:
    for e in events:
        assert BASE_REQUIRED | FINDING_REQUIRED | CLOUD_PROFILE_REQUIRED <= e.keys()
        assert {"product", "version"} <= e["metadata"].keys() and e["metadata"]["product"]["name"] == "cloudwarden"
        assert {"uid", "title"} <= e["finding_info"].keys()
        assert e["cloud"]["provider"] == "AWS"
        assert all(r.get("uid") or r.get("name") for r in e["resources"])


def test_events_carry_no_attribute_outside_the_class(events: list[dict[str, Any]]) -> None:
    for e in events:
        assert set(e) <= ALLOWED, set(e) - ALLOWED


def test_classification_is_a_detection_finding_create(events: list[dict[str, Any]]) -> None:
    for e in events:
        assert (e["category_uid"], e["class_uid"], e["activity_id"]) == (2, 2004, 1)
        assert e["type_uid"] == e["class_uid"] * 100 + e["activity_id"] == 200401
        assert re.fullmatch(r"1\.\d+\.\d+", e["metadata"]["version"])
        assert "cloud" in e["metadata"]["profiles"]
        assert isinstance(e["time"], int) and e["time"] > 1_600_000_000_000  # epoch milliseconds


@pytest.mark.parametrize(("uid", "severity_id", "caption"), [
    ("40c28e0eedac887b33899299a86fd977", 5, "Critical"), ("d731486985237ecb77c0393199d486e2", 4, "High"),
    ("6c5264b948bea08cf4c3f077e234aa3d", 3, "Medium"), ("afc84f5098bbf166e4ee50b0785f63a5", 2, "Low"),
    ("35d9c977fa5e55f02a7c17923cb04d48", 1, "Informational"),
])
def test_severity_maps_to_severity_id(events: list[dict[str, Any]], uid: str, severity_id: int, caption: str) -> None:
    e = by_uid(events, uid)
    assert (e["severity_id"], e["severity"]) == (severity_id, caption)
    assert e["severity_id"] in SEVERITY_IDS


def test_suppressed_finding_has_status_suppressed_and_others_new(events: list[dict[str, Any]]) -> None:
    statuses = {e["finding_info"]["uid"]: (e["status_id"], e["status"]) for e in events}
    assert statuses.pop("afc84f5098bbf166e4ee50b0785f63a5") == (3, "Suppressed")
    assert set(statuses.values()) == {(1, "New")}
    assert all(e["status_id"] in STATUS_IDS for e in events)


def test_resource_and_cloud_describe_the_affected_resource(events: list[dict[str, Any]]) -> None:
    e = by_uid(events, "6c5264b948bea08cf4c3f077e234aa3d")
    (resource,) = e["resources"]
    assert resource["uid"] == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert (resource["name"], resource["type"], resource["region"]) == ("alias/payments", "kms.key", "us-east-1")
    assert resource["cloud_partition"] == "aws"
    assert e["cloud"]["account"] == {"uid": "123456789012", "type_id": 10, "type": "AWS Account"}
    assert e["cloud"]["account"]["type_id"] in ACCOUNT_TYPE_IDS
    assert e["cloud"]["region"] == "us-east-1"


def test_finding_info_describes_the_policy(events: list[dict[str, Any]]) -> None:
    info = by_uid(events, "40c28e0eedac887b33899299a86fd977")["finding_info"]
    assert info["title"] == "Buckets are not readable by anyone on the internet"
    assert info["desc"] == "bucket customer-data is readable without credentials"
    assert info["types"] == ["exposure", "data-protection"]
    assert info["analytic"]["uid"] == "bucket-not-public" and info["analytic"]["type_id"] == 1
    assert isinstance(info["created_time"], int) and info["last_seen_time"] == 1740830400000


def test_evidence_remediation_and_compliance_are_kept(events: list[dict[str, Any]], evaluation: Evaluation) -> None:
    path_finding = evaluation.findings[-1]
    e = by_uid(events, path_finding.id)
    assert all(set(item) & EVIDENCE_ARTIFACTS for item in e["evidences"])
    assert e["evidences"][0]["data"]["facts"] == path_finding.evidence
    assert [hop["edge"] for hop in e["evidences"][1]["data"]["attack_path"]] == ["reaches", "runs_as", "can_access"]
    assert e["remediation"] == {"desc": "Close the public port or narrow what the instance role can write."}
    assert e["unmapped"]["compliance"] == {"nist-800-53-r5": ["AC-6", "SC-7"]}
    assert e["unmapped"]["policy"] == "exposed-workload-can-write-data"


def test_empty_run_is_an_empty_array() -> None:
    assert json.loads(ocsf.render(Evaluation(), RunInfo(tool_version="0.1.0"))) == []
