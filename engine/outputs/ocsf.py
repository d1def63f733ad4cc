"""``--format ocsf``: a JSON array of OCSF Detection Finding events (class 2004, schema 1.3.0).

One event per finding, with the Cloud profile. Attribute names follow the OCSF schema
(base event, ``finding`` and ``detection_finding`` classes, ``finding_info``, ``resource_details``,
``cloud``, ``account``, ``metadata``, ``product``, ``remediation``, ``evidences`` objects). The
Detection Finding class has no ``compliance`` attribute (only Compliance Finding, 2003, does),
so the compliance mapping, the policy id and the remediation action go in ``unmapped``, the
schema's place for source data without an attribute of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from cloudwarden.engine.findings import Evaluation, Finding
from cloudwarden.engine.outputs import RunInfo

OCSF_VERSION = "1.3.0"
CLASS_UID, CLASS_NAME = 2004, "Detection Finding"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE  # 200401: type_uid is class_uid * 100 + activity_id
# severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
SEVERITY_IDS = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"),
                "critical": (5, "Critical")}
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
PROVIDERS = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}
# account.type_id: 10 AWS Account, 13 Azure Subscription, 11 GCP Project.
ACCOUNT_TYPES = {"aws": (10, "AWS Account"), "azure": (13, "Azure Subscription"), "gcp": (11, "GCP Project")}
CONFIDENCE_HIGH = (3, "High")  # a policy judges collected facts; it does not infer
ANALYTIC_RULE = (1, "Rule")


def epoch_ms(rfc3339: str | None) -> int | None:
    """An RFC 3339 time as OCSF's ``timestamp_t`` (milliseconds since the epoch)."""
    if not rfc3339:
        return None
    try:
        moment = datetime.fromisoformat(rfc3339)  # 3.11 reads a trailing Z
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _partition(resource_id: str) -> str | None:
    """The AWS partition of an ARN (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    parts = resource_id.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else None


def _resource(finding: Finding) -> dict[str, Any]:
    r = finding.resource
    item: dict[str, Any] = {"uid": r.id, "name": r.name or r.id, "type": r.kind, "data": {"cloud": r.cloud}}
    if r.region:
        item["region"] = r.region
    if r.cloud == "aws" and (partition := _partition(r.id)):
        item["cloud_partition"] = partition
    if r.account:
        item["data"]["account"] = r.account
    return item


def _cloud(finding: Finding) -> dict[str, Any]:
    r = finding.resource
    cloud: dict[str, Any] = {"provider": PROVIDERS.get(r.cloud, r.cloud)}
    if r.account:
        type_id, type_name = ACCOUNT_TYPES.get(r.cloud, (99, "Other"))
        cloud["account"] = {"uid": r.account, "type_id": type_id, "type": type_name}
    if r.region:
        cloud["region"] = r.region
    return cloud


def _evidences(finding: Finding) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"data": {"facts": finding.evidence}}] if finding.evidence else []
    if finding.path:
        found.append({"data": {"attack_path": msgspec.to_builtins(finding.path)}})
    return found


def event(finding: Finding, info: RunInfo, now_ms: int) -> dict[str, Any]:
    """One Detection Finding event."""
    severity_id, severity = SEVERITY_IDS[finding.severity]
    status_id, status = STATUS_SUPPRESSED if finding.suppressed else STATUS_NEW
    finding_info: dict[str, Any] = {
        "uid": finding.id,
        "title": finding.title,
        "desc": finding.message,
        "types": list(finding.categories),
        "created_time": now_ms,
        "analytic": {"uid": finding.policy, "name": finding.policy, "desc": finding.title,
                     "type_id": ANALYTIC_RULE[0], "type": ANALYTIC_RULE[1]},
    }
    if (observed := epoch_ms(info.collected_at)) is not None:
        finding_info["last_seen_time"] = observed  # when the facts were collected
    unmapped: dict[str, Any] = {"policy": finding.policy, "resource_kind": finding.resource.kind}
    if finding.compliance:
        unmapped["compliance"] = finding.compliance
    if finding.remediation.get("action"):
        unmapped["remediation_action"] = finding.remediation["action"]
    doc: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE, "activity_name": "Create",
        "category_uid": CATEGORY_UID, "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID, "class_name": CLASS_NAME,
        "type_uid": TYPE_UID, "type_name": f"{CLASS_NAME}: Create",
        "severity_id": severity_id, "severity": severity,
        "status_id": status_id, "status": status,
        "confidence_id": CONFIDENCE_HIGH[0], "confidence": CONFIDENCE_HIGH[1],
        "time": now_ms,
        "message": finding.message,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "cloudwarden", "vendor_name": "cloudwarden", "version": info.tool_version},
            "profiles": ["cloud"],
            "event_code": finding.policy,
        },
        "finding_info": finding_info,
        "resources": [_resource(finding)],
        "cloud": _cloud(finding),
        "unmapped": unmapped,
    }
    if finding.remediation.get("summary"):
        doc["remediation"] = {"desc": finding.remediation["summary"]}
    if evidences := _evidences(finding):
        doc["evidences"] = evidences
    suppression = info.suppressions.applied.get(finding.id) if info.suppressions is not None else None
    if finding.suppressed and suppression is not None:
        doc["status_detail"] = f"suppressed until {suppression.expires.isoformat()} by {suppression.owner}: " \
                               f"{suppression.reason}"
        unmapped["suppression"] = suppression.details()
    return doc


def document(evaluation: Evaluation, info: RunInfo, now_ms: int | None = None) -> list[dict[str, Any]]:
    """Every finding as an OCSF event (suppressed ones with status Suppressed)."""
    now_ms = now_ms if now_ms is not None else int(datetime.now(UTC).timestamp() * 1000)
    return [event(f, info, now_ms) for f in evaluation.findings]


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """Indented JSON array of events."""
    return msgspec.json.format(msgspec.json.encode(document(evaluation, info)), indent=2).decode() + "\n"
