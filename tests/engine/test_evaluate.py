"""Evaluation: false is a finding, unknown is undetermined, a broken expression is an error."""

from __future__ import annotations

import pytest

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.findings import fingerprint
from cloudwarden.engine.policy import load_policy_text
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot

BACKENDS = ["cel-expr-python", "cel-python"]


def policy(backend: str, assertion: str, kinds: str = "[storage.bucket]", extra: str = ""):
    text = (f"id: p\ntitle: t\nseverity: high\ncategories: [encryption]\nresource: {kinds}\n"
            f"assert: '{assertion}'\n{extra}")
    loaded, problems = load_policy_text(text, "p.yaml", get_backend(backend))
    assert problems == [] and loaded is not None
    return loaded


def bucket(name: str, **props) -> Node:
    return Node(id=f"arn:aws:s3:::{name}", cloud="aws", kind="storage.bucket", name=name, props=props)


@pytest.mark.parametrize("backend", BACKENDS)
def test_false_assertion_is_a_finding_with_a_stable_fingerprint(backend: str) -> None:
    result = evaluate(Snapshot(nodes=[bucket("a", encryption={"at_rest": False})]),
                      [policy(backend, "resource.props.encryption.at_rest")], get_backend(backend))
    [finding] = result.findings
    assert finding.id == fingerprint("p", "arn:aws:s3:::a")
    assert finding.evidence == {"encryption": {"at_rest": False, "key_id": None, "customer_managed": None,
                                               "in_transit": None, "min_tls": None}}


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_fact_is_undetermined_not_a_finding(backend: str) -> None:
    result = evaluate(Snapshot(nodes=[bucket("a")]), [policy(backend, "resource.props.encryption.at_rest")],
                      get_backend(backend))
    assert result.findings == []
    [entry] = result.undetermined
    assert not entry.error


@pytest.mark.parametrize("backend", BACKENDS)
def test_null_compared_with_a_number_is_undetermined(backend: str) -> None:
    result = evaluate(Snapshot(nodes=[bucket("a")]), [policy(backend, "resource.props.public_access_block.x > 3")],
                      get_backend(backend))
    assert result.findings == [] and len(result.undetermined) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_runtime_error_is_reported_per_policy_and_resource(backend: str) -> None:
    result = evaluate(Snapshot(nodes=[bucket("a")]), [policy(backend, "resource.tags.env == \"prod\"")],
                      get_backend(backend))
    [entry] = result.errors()
    assert (entry.policy, entry.resource) == ("p", "arn:aws:s3:::a")


@pytest.mark.parametrize("backend", BACKENDS)
def test_match_prefilter_skips_resources(backend: str) -> None:
    pol = policy(backend, "resource.props.encryption.at_rest", extra="match: '\"env\" in resource.tags'\n")
    result = evaluate(Snapshot(nodes=[bucket("a", encryption={"at_rest": False})]), [pol], get_backend(backend))
    assert result.findings == [] and result.undetermined == []


def test_reference_nodes_are_not_judged() -> None:
    node = bucket("a", encryption={"at_rest": False})
    node.reference = True
    result = evaluate(Snapshot(nodes=[node]), [policy("cel-expr-python", "resource.props.encryption.at_rest")],
                      get_backend())
    assert result.findings == [] and result.stats.resources == 0


def test_clouds_narrowing_is_respected() -> None:
    pol = policy("cel-expr-python", "resource.props.encryption.at_rest", extra="clouds: [gcp]\n")
    result = evaluate(Snapshot(nodes=[bucket("a", encryption={"at_rest": False})]), [pol], get_backend())
    assert result.findings == []
