"""A target is worth having only if it grants something the principal lacks (hand-built, exact accesses).

Becoming a role that can read a bucket the principal cannot read is an
escalation (not to admin); becoming one that grants nothing new is not.
"""

from __future__ import annotations

from cloudwarden.graph.escalation import escalation_findings
from cloudwarden.graph.estate import EstateGraph
from tests.graph.escalation.conftest import derive_escalation
from tests.graph.escalation.snapshots import HandBuilt, allow, service_trust

ACCT = "333333333333"
LAMBDA_NEEDS = allow(["lambda:CreateFunction", "lambda:InvokeFunction"], ["*"])


def _estate() -> tuple[EstateGraph, dict[str, str]]:
    est = HandBuilt(ACCT)
    data = est.bucket(ACCT, "training-data")
    reader = est.principal(ACCT, "role", "data-reader", allow(["s3:GetObject"], [f"{data}/*"]),
                           trust=service_trust("lambda.amazonaws.com"))
    ids = {
        "reader": reader,
        "passer": est.principal(ACCT, "user", "passer", allow(["iam:PassRole"], [reader]), LAMBDA_NEEDS),
        "peer": est.principal(ACCT, "user", "peer", allow(["iam:PassRole"], [reader]), LAMBDA_NEEDS,
                              allow(["s3:GetObject"], [f"{data}/*"])),
    }
    proxy = est.principal(ACCT, "user", "analyst")
    ids["analysts"] = est.group(ACCT, "analysts", allow(["s3:GetObject"], [f"{data}/*"]), members=(proxy,))
    idle = est.principal(ACCT, "user", "idler")
    ids["idle"] = est.group(ACCT, "idle", allow(["s3:ListAllMyBuckets"], ["*"]), members=(idle,))
    ids["joiner"] = est.principal(ACCT, "user", "joiner", allow(["iam:AddUserToGroup"], [ids["analysts"]]))
    ids["idle-joiner"] = est.principal(ACCT, "user", "idle-joiner", allow(["iam:AddUserToGroup"], [ids["idle"]]))
    return derive_escalation(est.snapshot()), ids


def test_passing_a_role_that_reads_data_the_principal_cannot_is_an_escalation() -> None:
    graph, ids = _estate()
    (edge,) = graph.out_edges(ids["passer"], "can_escalate")
    assert (edge.target, edge.detail["technique"]) == (ids["reader"], "passrole-lambda-create-function")
    assert "to" not in edge.detail


def test_passing_a_role_that_grants_nothing_new_is_not() -> None:
    graph, ids = _estate()
    assert list(graph.out_edges(ids["peer"], "can_escalate")) == []


def test_escalation_short_of_admin_is_a_finding_marked_not_admin() -> None:
    graph, ids = _estate()
    finding = {f["principal"]: f for f in escalation_findings(graph)}[ids["passer"]]
    assert (finding["admin"], finding["target"], len(finding["chain"])) == (False, ids["reader"], 1)


def test_joining_a_group_that_grants_data_access_is_an_escalation_to_that_group() -> None:
    graph, ids = _estate()
    (edge,) = graph.out_edges(ids["joiner"], "can_escalate")
    assert (edge.target, edge.detail["technique"]) == (ids["analysts"], "iam-add-user-to-group")


def test_joining_a_group_that_grants_nothing_new_is_not() -> None:
    graph, ids = _estate()
    assert list(graph.out_edges(ids["idle-joiner"], "can_escalate")) == []
