"""``cloudwarden policies test``: policies tested like code, as ``opa test`` does.

A test file names a policy and lists cases, each a resource (a node, with
defaults filled in) and the expected outcome: ``fail`` (a finding), ``pass``,
``skip`` (the ``match`` prefilter excludes it) or ``undetermined``. A path
policy's case adds a ``graph`` (further ``nodes`` and derived ``edges``) and may
name the edge kinds its finding's ``path`` must follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import yaml

from cloudwarden.engine.cel import CelBackend
from cloudwarden.engine.evaluate import evaluate, resource_view
from cloudwarden.engine.policy import Policy
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot, SnapshotError, validate_references

OUTCOMES = ("pass", "fail", "skip", "undetermined")


class PolicyTestError(Exception):
    """A test file that cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case."""

    policy: str
    case: str
    expected: str
    actual: str
    path: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def default_tests_dir() -> Path:
    """The pack's own tests (``fixtures/policies`` of the checkout)."""
    import cloudwarden.policies

    return Path(cloudwarden.policies.__file__).resolve().parent.parent / "fixtures" / "policies"


def load_cases(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The policy id and the cases of one test file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyTestError(f"{path}: cannot read policy test: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("policy"), str) or not isinstance(data.get("cases"), list):
        raise PolicyTestError(f"{path}: a policy test needs 'policy: ID' and a list of 'cases'")
    for i, case in enumerate(data["cases"]):
        if not isinstance(case, dict) or case.get("expect") not in OUTCOMES or not isinstance(case.get("resource"), dict):
            raise PolicyTestError(f"{path}: case {i + 1} needs 'expect' ({'|'.join(OUTCOMES)}) and a 'resource' mapping")
    return data["policy"], data["cases"]


def case_node(policy: Policy, case: dict[str, Any], index: int) -> Node:
    """The node a case describes, with defaults from the policy (first kind, aws)."""
    resource = dict(case["resource"])
    resource.setdefault("kind", policy.kinds[0])
    resource.setdefault("cloud", policy.clouds[0] if policy.clouds else "aws")
    resource.setdefault("id", f"test:{policy.id}:{index}")
    resource.setdefault("name", case.get("name", resource["id"]))
    try:
        return msgspec.convert(resource, type=Node)
    except msgspec.ValidationError as exc:
        raise PolicyTestError(f"{policy.id}: case {case.get('name', index)!r}: invalid resource: {exc}") from exc


def case_graph(policy: Policy, node: Node, case: dict[str, Any]) -> tuple[Snapshot, EstateGraph]:
    """The case's resource plus the nodes and (derived) edges its ``graph`` section lists.

    Path policies are tested on the edges given, without running the analyzers,
    so a case states exactly the attack path it is about.
    """
    extra = case.get("graph") or {}
    try:
        nodes = [node] + [msgspec.convert(n, type=Node) for n in extra.get("nodes") or []]
        edges = [msgspec.convert(e, type=Edge) for e in extra.get("edges") or []]
        snapshot = Snapshot(nodes=nodes, edges=edges)
        validate_references(snapshot, f"{policy.id}: case {case.get('name')!r}")
    except (msgspec.ValidationError, SnapshotError) as exc:
        raise PolicyTestError(f"{policy.id}: case {case.get('name')!r}: invalid graph: {exc}") from exc
    return snapshot, EstateGraph(snapshot)


def run_case(policy: Policy, node: Node, backend: CelBackend, case: dict[str, Any] | None = None) -> tuple[str, str]:
    """(outcome, detail) of one policy on one node, through the same evaluator a scan uses."""
    if node.kind not in policy.kinds or not policy.applies_to_cloud(node.cloud):
        return "skip", "the policy does not apply to this kind or cloud"
    snapshot, graph = case_graph(policy, node, case or {})
    result = evaluate(snapshot, [policy], backend, graph)
    if result.findings:
        finding = result.findings[0]
        want = (case or {}).get("path")
        got = [hop.edge for hop in finding.path]
        if want is not None and want != got:
            return f"fail with path {got}", f"expected path {want}"
        return "fail", finding.message
    if result.undetermined:
        entry = result.undetermined[0]
        return ("error" if entry.error else "undetermined"), entry.reason
    if policy.match is not None and policy.match.evaluate(backend.activation({"resource": resource_view(node)})) is False:
        return "skip", "excluded by match"
    return "pass", ""


def run_policy_tests(policies: list[Policy], tests_dirs: list[Path], backend: CelBackend) -> tuple[list[CaseResult], list[str]]:
    """Run every case; the second list names problems such as policies without a passing and a failing case."""
    by_id = {p.id: p for p in policies}
    results: list[CaseResult] = []
    problems: list[str] = []
    covered: dict[str, set[str]] = {}
    files = sorted(p for d in tests_dirs if d.is_dir() for p in d.rglob("*.yaml"))
    for path in files:
        policy_id, cases = load_cases(path)
        policy = by_id.get(policy_id)
        if policy is None:
            problems.append(f"{path}: tests unknown policy {policy_id!r}")
            continue
        for i, case in enumerate(cases):
            node = case_node(policy, case, i)
            actual, detail = run_case(policy, node, backend, case)
            results.append(CaseResult(policy_id, str(case.get("name", f"case {i + 1}")), case["expect"], actual, str(path), detail))
            covered.setdefault(policy_id, set()).add(case["expect"])
    for policy in policies:
        have = covered.get(policy.id, set())
        missing = [o for o in ("pass", "fail") if o not in have]
        if missing:
            problems.append(f"{policy.path}: policy {policy.id!r} has no {' or '.join(missing)} case")
    return results, problems
