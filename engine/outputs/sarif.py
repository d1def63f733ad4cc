"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One run: every evaluated policy is a rule, every finding a result. A cloud resource has
no source file, so its identity is a logical location (the resource id); coverage gaps and
policy errors become tool execution notifications, so a partial scan never reads as clean.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any
from urllib.parse import quote

import msgspec

from cloudwarden.engine.findings import Evaluation, Finding, ResourceRef
from cloudwarden.engine.outputs import RunInfo

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "cloudwarden/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub buckets security-severity as critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
COVERAGE_GAP, POLICY_ERROR = 0, 1  # indexes into NOTIFICATIONS
NOTIFICATIONS = (
    {"id": "coverage-gap",
     "shortDescription": {"text": "Part of the estate could not be collected and was not checked."},
     "defaultConfiguration": {"level": "warning"}},
    {"id": "policy-error", "shortDescription": {"text": "A policy failed at run time on a resource."},
     "defaultConfiguration": {"level": "error"}},
)


def _homepage() -> str | None:
    """The project's home page from the installed metadata, if it declares one."""
    try:
        urls = metadata.metadata("cloudwarden").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    found = dict(u.split(", ", 1) for u in urls if ", " in u)
    return found.get("Homepage") or found.get("Repository")


def _rule(rule_id: str, title: str, severity: str, categories: list[str], compliance: dict[str, list[str]],
          remediation: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A reportingDescriptor; the ``security`` tag is what makes GitHub read security-severity."""
    refs = [f"{framework}:{ref}" for framework, ids in sorted(compliance.items()) for ref in ids]
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description.strip() or title},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "tags": list(dict.fromkeys(["security", *categories, *refs])),  # the schema wants unique tags
            "precision": "very-high",  # a policy evaluates collected facts; it does not guess
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }
    if remediation.get("summary"):
        action = f" (remediation action: {remediation['action']})" if remediation.get("action") else ""
        rule["help"] = {"text": f"{remediation['summary']}{action}"}
    return rule


def _logical(resource_id: str, name: str | None = None) -> dict[str, Any]:
    return {"logicalLocations": [{"fullyQualifiedName": resource_id, "kind": "resource", "name": name or resource_id}]}


def _location(resource: ResourceRef) -> dict[str, Any]:
    """The resource as a logical location, plus a pseudo-file GitHub code scanning insists on.

    GitHub rejects results without a physicalLocation, and a cloud resource has no file. The
    pseudo-path cloud/<cloud>/<account>/<region>/<kind> is stable across runs (unlike a
    snapshot file name, which usually carries a timestamp), groups alerts usefully in the UI,
    and never collides with a real file; alert identity comes from partialFingerprints.
    """
    segments = (resource.cloud, resource.account or "unknown", resource.region or "global", resource.kind)
    uri = "cloud/" + "/".join(quote(s, safe="") for s in segments)
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
        **_logical(resource.id, resource.name),
    }


def _result(finding: Finding, rule_index: int, applied: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "resource": msgspec.to_builtins(finding.resource),
        "evidence": finding.evidence,
        "severity": finding.severity,
    }
    if finding.path:
        properties["path"] = msgspec.to_builtins(finding.path)
    result: dict[str, Any] = {
        "ruleId": finding.policy,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding.resource)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": properties,
    }
    if finding.suppressed:
        # Suppressed by cloudwarden's suppressions file, not by a comment in the scanned source.
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        entry = applied.get(finding.id)
        if entry is not None:
            suppression["justification"] = f"{entry.reason} (owner {entry.owner}, expires {entry.expires.isoformat()})"
        result["suppressions"] = [suppression]
    return result


def _gap_text(gap: dict[str, Any]) -> str:
    where = " ".join(str(x) for x in (gap.get("cloud"), gap.get("account"), gap.get("region") or "global",
                                        gap.get("service")) if x)
    return f"not checked: {where}: {gap.get('reason')}: {gap.get('message')}"


def _notifications(evaluation: Evaluation, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for gap in evaluation.coverage:
        note: dict[str, Any] = {
            "descriptor": {"id": NOTIFICATIONS[COVERAGE_GAP]["id"], "index": COVERAGE_GAP},
            "level": "warning",
            "message": {"text": _gap_text(gap)},
            "properties": {k: v for k, v in gap.items() if v is not None},
        }
        if gap.get("resource"):
            note["locations"] = [_logical(str(gap["resource"]))]
        notes.append(note)
    for err in evaluation.errors():
        note = {
            "descriptor": {"id": NOTIFICATIONS[POLICY_ERROR]["id"], "index": POLICY_ERROR},
            "level": "error",
            "message": {"text": f"policy {err.policy} failed on {err.resource}: {err.reason}"},
            "locations": [_logical(err.resource)],
        }
        if err.policy in rule_index:
            note["associatedRule"] = {"id": err.policy, "index": rule_index[err.policy]}
        notes.append(note)
    return notes


def document(evaluation: Evaluation, info: RunInfo) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules = [_rule(p.id, p.title, p.severity, list(p.categories), dict(p.compliance), dict(p.remediation),
                   p.description) for p in info.policies]
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    applied = info.suppressions.applied if info.suppressions is not None else {}
    for f in evaluation.findings:  # a finding from a policy the caller did not list still needs its rule
        if f.policy not in rule_index:
            rule_index[f.policy] = len(rules)
            rules.append(_rule(f.policy, f.title, f.severity, f.categories, f.compliance, f.remediation))
    driver: dict[str, Any] = {"name": "cloudwarden", "version": info.tool_version}
    if homepage := _homepage():
        driver["informationUri"] = homepage
    driver |= {"rules": rules, "notifications": list(NOTIFICATIONS)}
    # Coverage gaps and policy errors do not stop the run: it completed, and says what it missed.
    invocation = {"executionSuccessful": True, "toolExecutionNotifications": _notifications(evaluation, rule_index)}
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": [_result(f, rule_index[f.policy], applied) for f in evaluation.findings],
        "properties": {"snapshot": info.snapshot, "collectedAt": info.collected_at, "summary": evaluation.summary()},
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """Indented SARIF 2.1.0 JSON."""
    return msgspec.json.format(msgspec.json.encode(document(evaluation, info)), indent=2).decode() + "\n"
