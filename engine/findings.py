"""Findings and the result of one evaluation run."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

SEVERITY_ORDER = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


def fingerprint(policy_id: str, resource_id: str) -> str:
    """A stable identity for "this policy on this resource", the same in every run."""
    return hashlib.sha256(f"{policy_id}\x00{resource_id}".encode()).hexdigest()[:32]


class ResourceRef(msgspec.Struct, kw_only=True):
    """The resource a finding is about, as findings consumers need it."""

    id: str
    kind: str
    cloud: str
    account: str | None = None
    region: str | None = None
    name: str = ""


class PathHop(msgspec.Struct, kw_only=True):
    """One hop of an attack path, with the evidence that makes it true."""

    to: str
    edge: str
    detail: dict[str, Any] = {}
    from_: str = msgspec.field(name="from")


class Finding(msgspec.Struct, kw_only=True):
    """A resource for which a policy's assertion is false."""

    id: str
    policy: str
    title: str
    severity: str
    categories: list[str]
    resource: ResourceRef
    message: str
    evidence: dict[str, Any] = {}
    path: list[PathHop] = []
    compliance: dict[str, list[str]] = {}
    remediation: dict[str, Any] = {}
    suppressed: bool = False


class Undetermined(msgspec.Struct, kw_only=True):
    """A policy that could not decide on a resource: a fact it needs is unknown, or it failed."""

    policy: str
    resource: str
    reason: str
    error: bool = False


class EvaluationStats(msgspec.Struct, kw_only=True):
    """How much work a run did."""

    policies: int = 0
    resources: int = 0
    evaluations: int = 0
    seconds: float = 0.0


class Evaluation(msgspec.Struct, kw_only=True):
    """Everything one run produced: findings, what stayed undetermined, errors, coverage gaps."""

    findings: list[Finding] = []
    undetermined: list[Undetermined] = []
    coverage: list[dict[str, Any]] = []
    stats: EvaluationStats = msgspec.field(default_factory=EvaluationStats)

    def errors(self) -> list[Undetermined]:
        """Runtime errors of policies (bugs or data the policy did not expect)."""
        return [u for u in self.undetermined if u.error]

    def at_or_above(self, severity: str) -> list[Finding]:
        """Unsuppressed findings at or above ``severity`` (what ``--fail-on`` counts)."""
        floor = SEVERITY_ORDER[severity]
        return [f for f in self.findings if not f.suppressed and SEVERITY_ORDER[f.severity] >= floor]

    def summary(self) -> dict[str, Any]:
        """Counts by severity plus run statistics."""
        by_severity = {s: 0 for s in SEVERITY_ORDER}
        for f in self.findings:
            if not f.suppressed:
                by_severity[f.severity] += 1
        return {
            "findings": sum(by_severity.values()),
            "by_severity": by_severity,
            "suppressed": sum(1 for f in self.findings if f.suppressed),
            "undetermined": sum(1 for u in self.undetermined if not u.error),
            "errors": len(self.errors()),
            "coverage_gaps": len(self.coverage),
            "policies": self.stats.policies,
            "resources": self.stats.resources,
            "evaluations": self.stats.evaluations,
        }
