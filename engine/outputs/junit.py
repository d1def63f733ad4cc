"""``--format junit``: JUnit XML for CI test reports (Jenkins, GitLab, GitHub test reporters).

One ``testsuite`` per policy, one ``testcase`` per (policy, resource) evaluated: a finding is a
``failure`` (type = severity), a suppressed finding or an undetermined check is ``skipped``
(with the reason), a policy runtime error is an ``error``. Coverage gaps get a suite of their
own whose cases are skipped: what was not collected was not checked, and says so.

Element and attribute names are those of the de-facto schema (Ant's JUnit report, as
formalised by the Jenkins ``junit-4.xsd``): ``testsuites``/``testsuite`` with ``name``,
``tests``, ``failures``, ``errors``, ``skipped``, ``time``, ``timestamp``, ``hostname``;
``testcase`` with ``name``, ``classname``, ``time``; ``failure``/``error`` with ``message`` and
``type``; ``skipped`` with ``message``; ``properties``/``property`` with ``name`` and ``value``.
Characters XML 1.0 cannot carry (control characters in an attacker-chosen resource name)
are replaced, so the document always parses.
"""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cloudwarden.engine.cel import CelBackend, CelEvalError
from cloudwarden.engine.findings import Evaluation, Finding, Undetermined
from cloudwarden.engine.outputs import RunInfo
from cloudwarden.engine.outputs.paths_format import edge_text
from cloudwarden.graph.snapshot import Snapshot

COVERAGE_SUITE = "cloudwarden.coverage"
_ORDER = ("skipped", "error", "failure")  # children of testcase, in junit-4.xsd sequence order
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: Any) -> str:
    """``text`` as a string XML 1.0 can hold (escaping of <, &, quotes is ElementTree's job)."""
    return _NOT_XML.sub("\ufffd", str(text))


def evaluated_resources(snapshot: Snapshot, policies: Iterable[Any], backend: CelBackend) -> dict[str, list[str]]:
    """Per policy, the resources whose assertion was evaluated (kind and cloud apply, ``match`` holds).

    Evaluation records only findings and undetermined checks; JUnit also lists the
    passes, so the applicability rules of ``evaluate`` are applied again here.
    """
    from cloudwarden.engine.evaluate import resource_view

    pols = list(policies)
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for p in pols:
        for kind in p.kinds:
            by_kind[kind].append(p)
    found: dict[str, list[str]] = {p.id: [] for p in pols}
    for node in snapshot.nodes:
        if node.reference:
            continue
        activation = None
        for p in by_kind.get(node.kind, ()):
            if not p.applies_to_cloud(node.cloud):
                continue
            if p.match is not None:
                if activation is None:
                    activation = backend.activation({"resource": resource_view(node)})
                try:
                    holds = p.match.evaluate(activation) is True
                except CelEvalError:
                    holds = False  # reported as undetermined by evaluate
                if not holds:
                    continue
            found[p.id].append(node.id)
    return found


def _timestamp(collected_at: str | None) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC: the schema's timestamp pattern has no zone."""
    moment = None
    if collected_at:
        try:
            moment = datetime.fromisoformat(collected_at)  # 3.11 reads a trailing Z
        except ValueError:
            moment = None
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _failure_text(f: Finding) -> str:
    lines = [f.message, f"resource: {f.resource.kind} {f.resource.name} ({f.resource.id})",
             f"account: {f.resource.account or '-'}  region: {f.resource.region or '-'}"]
    if f.evidence:
        lines.append("evidence: " + json.dumps(f.evidence, sort_keys=True, default=str))
    for hop in f.path:
        lines.append(f"path: {hop.from_} --{edge_text(hop.edge, hop.detail)}--> {hop.to}")
    if f.remediation.get("summary"):
        lines.append(f"remediation: {f.remediation['summary']}")
    refs = [f"{fw} {','.join(ids)}" for fw, ids in sorted(f.compliance.items())]
    if refs:
        lines.append("compliance: " + "; ".join(refs))
    return "\n".join(xml_safe(line) for line in lines)


class _Suite:
    """The cases of one policy, keyed by resource id."""

    def __init__(self, policy: str) -> None:
        self.policy = policy
        self.meta: dict[str, str] = {}
        # resource -> outcomes (tag, attributes, text); none is a pass. A finding whose message
        # failed to render also has a policy error: both are kept, in the schema's order.
        self.cases: dict[str, list[tuple[str, dict[str, str], str]]] = {}

    def add(self, resource: str, tag: str = "", attrs: dict[str, str] | None = None, text: str = "") -> None:
        outcomes = self.cases.setdefault(resource, [])
        if tag:
            outcomes.append((tag, attrs or {}, text))

    def element(self, timestamp: str, hostname: str, index: int) -> ET.Element:
        counts = {"failure": 0, "error": 0, "skipped": 0}
        suite = ET.Element("testsuite")
        if self.meta:
            props = ET.SubElement(suite, "properties")
            for name, value in self.meta.items():
                ET.SubElement(props, "property", name=name, value=xml_safe(value))
        for resource in sorted(self.cases):
            case = ET.SubElement(suite, "testcase", name=xml_safe(resource), classname=xml_safe(self.policy), time="0")
            for tag, attrs, text in sorted(self.cases[resource], key=lambda o: _ORDER.index(o[0])):
                counts[tag] += 1
                outcome = ET.SubElement(case, tag, {k: xml_safe(v) for k, v in attrs.items()})
                outcome.text = text or None
        suite.attrib.update({"name": xml_safe(self.policy), "tests": str(len(self.cases)),
                             "failures": str(counts["failure"]), "errors": str(counts["error"]),
                             "skipped": str(counts["skipped"]), "time": "0", "timestamp": timestamp,
                             "hostname": hostname, "id": str(index), "package": "cloudwarden"})
        return suite


def _suites(evaluation: Evaluation, info: RunInfo) -> dict[str, _Suite]:
    suites: dict[str, _Suite] = {}
    for p in info.policies:
        suites[p.id] = _Suite(p.id)
        suites[p.id].meta = {"severity": p.severity, "title": p.title, "categories": ",".join(p.categories)}
    for policy, resources in (info.evaluated or {}).items():
        suite = suites.setdefault(policy, _Suite(policy))
        for resource in resources:
            suite.add(resource)
    for u in evaluation.undetermined:
        _undetermined(suites.setdefault(u.policy, _Suite(u.policy)), u)
    for f in evaluation.findings:
        suite = suites.setdefault(f.policy, _Suite(f.policy))
        suite.meta.setdefault("severity", f.severity)
        suite.meta.setdefault("title", f.title)
        suite.add(f.resource.id, *_finding_case(f, info))
    return suites


def _undetermined(suite: _Suite, u: Undetermined) -> None:
    if u.error:
        suite.add(u.resource, "error", {"type": "policy-error", "message": u.reason})
    else:
        suite.add(u.resource, "skipped", {"message": f"undetermined: {u.reason}"})


def _finding_case(f: Finding, info: RunInfo) -> tuple[str, dict[str, str], str]:
    if f.suppressed:
        entry = info.suppressions.applied.get(f.id) if info.suppressions is not None else None
        why = f"suppressed until {entry.expires.isoformat()} by {entry.owner}: {entry.reason}" if entry else "suppressed"
        return "skipped", {"message": why}, ""
    return "failure", {"type": f.severity, "message": f.message}, _failure_text(f)


def _coverage_suite(evaluation: Evaluation) -> _Suite | None:
    if not evaluation.coverage:
        return None
    suite = _Suite(COVERAGE_SUITE)
    for i, gap in enumerate(evaluation.coverage):
        where = " ".join(str(x) for x in (gap.get("cloud"), gap.get("account"), gap.get("region") or "global",
                                            gap.get("service"), gap.get("resource") or "") if x)
        suite.add(f"{i + 1:04d} {where}", "skipped", {"message": f"not checked: {gap.get('reason')}: {gap.get('message')}"})
    return suite


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """The JUnit XML document."""
    timestamp, hostname = _timestamp(info.collected_at), xml_safe(socket.gethostname() or "localhost")
    suites = [s for _, s in sorted(_suites(evaluation, info).items())]
    if (coverage := _coverage_suite(evaluation)) is not None:
        suites.append(coverage)
    root = ET.Element("testsuites", name="cloudwarden")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for index, suite in enumerate(suites):
        element = suite.element(timestamp, hostname, index)
        root.append(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
    root.attrib.update({k: str(v) for k, v in totals.items()})
    root.set("time", f"{evaluation.stats.seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
