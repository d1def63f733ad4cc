"""Every technique is detected on its moto scenario and silent on its near-miss twin.

The estate (tests/estates/aws_escalation.py) holds one principal that can and
one that cannot per technique; the twin's case says why it cannot.
"""

from __future__ import annotations

import pytest

from cloudwarden.graph.escalation import escalation_findings, escalation_techniques
from cloudwarden.graph.model import Edge
from tests.estates.aws_escalation import ACCOUNT, Case, role, user
from tests.graph.escalation.conftest import EscalationEstate

TECHNIQUES = escalation_techniques()
IDS = [t.id for t in TECHNIQUES]
ACCOUNT_NODE = f"arn:aws:iam::{ACCOUNT}:root"


def _cases(estate: EscalationEstate, technique_id: str, escalates: bool) -> list[Case]:
    found = [c for c in estate.cases if c.technique == technique_id and c.escalates == escalates]
    assert found, f"no {'escalating' if escalates else 'near-miss'} scenario for {technique_id}"
    return found


def _using(estate: EscalationEstate, principal: str, technique_id: str) -> list[Edge]:
    """can_escalate edges of ``principal`` that list ``technique_id`` among their techniques."""
    return [e for e in estate.graph.out_edges(principal, "can_escalate")
            if technique_id in {t["technique"] for t in e.detail["techniques"]}]


def _findings(estate: EscalationEstate) -> dict[str, dict]:
    return {f["principal"]: f for f in escalation_findings(estate.graph)}


@pytest.mark.parametrize("technique_id", [i for i in IDS if i != "sts-assume-role"])
def test_technique_is_detected_on_its_scenario(escalation_estate: EscalationEstate, technique_id: str) -> None:
    for case in _cases(escalation_estate, technique_id, True):
        edges = _using(escalation_estate, case.arn, technique_id)
        expected = ACCOUNT_NODE if case.target == "admin" else case.target
        assert [e.target for e in edges] == [expected], case.principal


@pytest.mark.parametrize("technique_id", IDS)
def test_near_miss_twin_cannot_escalate(escalation_estate: EscalationEstate, technique_id: str) -> None:
    for case in _cases(escalation_estate, technique_id, False):
        principal = case.arn
        assert list(escalation_estate.graph.out_edges(principal, "can_escalate")) == [], case.why
        assert principal not in _findings(escalation_estate), case.why


def test_assuming_an_admin_role_is_a_finding_through_the_can_assume_edge(escalation_estate: EscalationEstate) -> None:
    (case,) = _cases(escalation_estate, "sts-assume-role", True)
    finding = _findings(escalation_estate)[case.arn]
    assert (finding["technique"], finding["target"], finding["admin"]) == ("sts-assume-role", case.target, True)
    assert [hop["edge"] for hop in finding["chain"]] == ["can_assume"]


@pytest.mark.parametrize("technique_id", [i for i in IDS if i != "sts-assume-role"])
def test_escalating_principal_becomes_an_admin_finding_naming_the_technique(
        escalation_estate: EscalationEstate, technique_id: str) -> None:
    findings = _findings(escalation_estate)
    for case in _cases(escalation_estate, technique_id, True):
        finding = findings[case.arn]
        assert finding["admin"] is True
        first = finding["chain"][0]["detail"]
        assert technique_id in {t["technique"] for t in first["techniques"]}


def test_edge_detail_names_the_technique_its_actions_and_their_evidence(escalation_estate: EscalationEstate) -> None:
    (edge,) = _using(escalation_estate, user("esc-pr-ec2-can"), "passrole-ec2-run-instances")
    assert edge.detail["technique"] == "passrole-ec2-run-instances"
    assert edge.detail["actions"] == ["iam:PassRole", "ec2:RunInstances"]
    assert edge.detail["via"] == role("esc-ec2-admin")
    assert edge.detail["conditional"] is False
    assert edge.detail["service"] == "ec2.amazonaws.com"
    evidence = edge.detail["techniques"][0]["evidence"]
    assert {"iam:PassRole", "ec2:RunInstances"} <= {e["action"] for e in evidence}
    assert all(e["decision"] == "allow" for e in evidence)


def test_granting_itself_admin_points_at_its_account_with_to_admin(escalation_estate: EscalationEstate) -> None:
    (edge,) = _using(escalation_estate, user("esc-pup-can"), "iam-put-user-policy")
    assert (edge.target, edge.detail["to"], edge.detail["via"]) == (ACCOUNT_NODE, "admin", user("esc-pup-can"))


def test_rewriting_a_role_it_can_assume_escalates_to_that_role_as_admin(escalation_estate: EscalationEstate) -> None:
    (edge,) = _using(escalation_estate, user("esc-prp-can"), "iam-put-role-policy")
    assert (edge.target, edge.detail["to"]) == (role("esc-prp-target"), "admin")
    assert "sts:AssumeRole" in {e["action"] for e in edge.detail["techniques"][0]["evidence"]}


def test_one_edge_per_target_lists_every_technique_that_reaches_it(escalation_estate: EscalationEstate) -> None:
    edges = list(escalation_estate.graph.out_edges(user("esc-pr-smnb-can"), "can_escalate"))
    assert [e.target for e in edges] == [role("esc-sagemaker-admin")]
    assert {t["technique"] for t in edges[0].detail["techniques"]} == {
        "passrole-sagemaker-notebook", "sagemaker-notebook-presigned-url"}


def test_admin_principals_have_nothing_to_escalate_to(escalation_estate: EscalationEstate) -> None:
    for admin in (user("esc-admin-user"), role("esc-ec2-admin"), role("esc-remote-admin")):
        assert list(escalation_estate.graph.out_edges(admin, "can_escalate")) == []
        assert admin not in _findings(escalation_estate)


def test_escalation_edges_are_derived(escalation_estate: EscalationEstate) -> None:
    edges = list(escalation_estate.graph.edges("can_escalate"))
    assert edges and all(e.derived for e in edges)
