"""Evaluating compiled policies over a snapshot: each resource converted once, each policy compiled once."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cloudwarden.engine.cel import CelBackend, CelEvalError
from cloudwarden.engine.findings import (
    Evaluation,
    EvaluationStats,
    Finding,
    ResourceRef,
    Undetermined,
    fingerprint,
)
from cloudwarden.engine.graph_functions import use_graph
from cloudwarden.engine.path_explainers import EXPLAINERS
from cloudwarden.engine.policy import Policy
from cloudwarden.graph.analyzers import analyze
from cloudwarden.graph.memory import paused_gc
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.kinds import facet_defaults
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot

_DEFAULTS_CACHE: dict[str, dict[str, Any]] = {}


def resource_view(node: Node) -> dict[str, Any]:
    """The ``resource`` variable policies see: node fields with every declared facet present."""
    defaults = _DEFAULTS_CACHE.get(node.kind)
    if defaults is None:
        defaults = _DEFAULTS_CACHE[node.kind] = facet_defaults(node.kind)
    props = dict(defaults)
    for key, value in node.props.items():
        if value is None and isinstance(defaults.get(key), dict):
            continue  # keep the map of nulls so nested reads stay null, not errors
        if isinstance(value, dict) and isinstance(defaults.get(key), dict):
            value = {**defaults[key], **value}
        props[key] = value
    return {
        "id": node.id,
        "cloud": node.cloud,
        "kind": node.kind,
        "native_type": node.native_type,
        "account": node.account,
        "region": node.region,
        "name": node.name,
        "tags": node.tags,
        "props": props,
    }


def _outcome(policy: Policy, expr_name: str, value: Any) -> tuple[bool | None, str | None, bool]:
    """(verdict, reason, is_error) for an expression result."""
    if value is True or value is False:
        return value, None, False
    if value is None:
        return None, f"{expr_name} is null: a fact it needs is unknown", False
    kind = getattr(value, "type_name", type(value).__name__)
    return None, f"{expr_name} returned {kind}, not bool", True


def unknown_facts(policy: Policy, view: dict[str, Any]) -> list[str]:
    """The facts a policy reads that are unknown (null) on this resource."""
    props = view["props"]
    unknown = []
    for facet, sub in policy.fact_paths:
        value = props.get(facet)
        if value is None or (sub is not None and isinstance(value, dict) and value.get(sub) is None):
            unknown.append(facet if sub is None or value is None else f"{facet}.{sub}")
    return unknown


def _run(
    policy: Policy, expr: Any, expr_name: str, activation: Any, view: dict[str, Any]
) -> tuple[bool | None, str | None, bool]:
    """Evaluate one expression: (verdict, reason, is_error).

    A runtime error on a resource where a fact the policy reads is unknown is
    "undetermined" (CEL has no three-valued logic: ``!null`` or a macro over a
    null list is an error); the same error with every fact known is a policy
    error, reported as such.
    """
    try:
        return _outcome(policy, expr_name, expr.evaluate(activation))
    except CelEvalError as exc:
        missing = unknown_facts(policy, view)
        if missing:
            return None, f"{expr_name}: unknown fact(s): {', '.join(missing)}", False
        return None, f"{expr_name}: {exc}", True


def evaluate(
    snapshot: Snapshot, policies: Iterable[Policy], backend: CelBackend, graph: EstateGraph | None = None
) -> Evaluation:
    """Evaluate every policy on every collected node of the kinds it names (see ``_evaluate``)."""
    with paused_gc():
        return _evaluate(snapshot, policies, backend, graph)


def _evaluate(
    snapshot: Snapshot, policies: Iterable[Policy], backend: CelBackend, graph: EstateGraph | None
) -> Evaluation:
    """Evaluate every policy on every collected node of the kinds it names.

    Path policies (graph functions, ``path:``) answer from ``graph``; when none
    is given and a policy needs one, the snapshot is analyzed here.
    """
    started = time.perf_counter()
    by_kind: dict[str, list[Policy]] = defaultdict(list)
    pols = list(policies)
    if graph is None and any(p.uses_graph for p in pols):
        graph = analyze(snapshot)
    queries = use_graph(graph)
    for policy in pols:
        for kind in policy.kinds:
            by_kind[kind].append(policy)
    findings: list[Finding] = []
    undetermined: list[Undetermined] = []
    for_cloud: dict[tuple[str, str], list[Policy]] = {}
    evaluations = resources = 0
    for node in snapshot.nodes:
        applicable = by_kind.get(node.kind)
        if not applicable or node.reference:
            continue
        key = (node.kind, node.cloud)
        applicable = for_cloud.get(key)
        if applicable is None:
            applicable = for_cloud[key] = [p for p in by_kind[node.kind] if p.applies_to_cloud(node.cloud)]
        if not applicable:
            continue
        resources += 1
        view = resource_view(node)
        activation = backend.activation({"resource": view})
        for policy in applicable:
            evaluations += 1
            if policy.match is not None:
                verdict, reason, error = _run(policy, policy.match, "match", activation, view)
                if verdict is None:
                    undetermined.append(Undetermined(policy=policy.id, resource=node.id, reason=reason or "", error=error))
                    continue
                if not verdict:
                    continue
            try:  # the common case inline: this runs once per policy and resource
                verdict = policy.assertion.evaluate(activation)
            except CelEvalError:
                verdict = None
            if verdict is not True and verdict is not False:
                verdict, reason, error = _run(policy, policy.assertion, "assert", activation, view)
            if verdict is None:
                undetermined.append(Undetermined(policy=policy.id, resource=node.id, reason=reason or "", error=error))
            elif verdict is False:
                finding, problem = make_finding(policy, node, view, activation)
                if policy.explainer is not None:
                    hops, facts = EXPLAINERS[policy.explainer](queries, node)
                    finding.path = hops
                    finding.evidence.update(facts)
                findings.append(finding)
                if problem:
                    undetermined.append(Undetermined(policy=policy.id, resource=node.id, reason=problem, error=True))
    return Evaluation(
        findings=findings,
        undetermined=undetermined,
        coverage=snapshot.coverage_gaps(),
        stats=EvaluationStats(
            policies=len(pols), resources=resources, evaluations=evaluations, seconds=time.perf_counter() - started
        ),
    )


def make_finding(policy: Policy, node: Node, view: dict[str, Any], activation: Any) -> tuple[Finding, str | None]:
    """A finding for ``node`` with the policy's message and the facts it read as evidence.

    A message expression that fails falls back to the title (the finding stands)
    and the failure is returned so that it is reported, not swallowed.
    """
    message = policy.title
    problem = None
    if policy.message is not None:
        try:
            text = policy.message.evaluate(activation)
            if isinstance(text, str) and text:
                message = text
            else:
                problem = f"message returned {type(text).__name__}, not a non-empty string"
        except CelEvalError as exc:
            problem = f"message: {exc}"
    evidence = {facet: view["props"].get(facet) for facet in policy.facets}
    return Finding(
        id=fingerprint(policy.id, node.id),
        policy=policy.id,
        title=policy.title,
        severity=policy.severity,
        categories=list(policy.categories),
        resource=ResourceRef(
            id=node.id, kind=node.kind, cloud=node.cloud, account=node.account, region=node.region, name=node.name
        ),
        message=message,
        evidence=evidence,
        compliance=policy.compliance,
        remediation=policy.remediation_for(node.cloud),
    ), problem
