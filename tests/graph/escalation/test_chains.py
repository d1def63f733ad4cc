"""Multi-hop escalation: chains of can_assume and can_escalate edges to admin, and the findings built on them."""

from __future__ import annotations

from cloudwarden.graph.escalation import escalation_chains, escalation_findings
from tests.estates.aws_escalation import role, user
from tests.graph.escalation.conftest import EscalationEstate

CHAIN_USER = user("esc-chain-user")
HOP = role("esc-chain-hop")
ADMIN_ROLE = role("esc-remote-admin")


def test_user_reaches_admin_by_assuming_a_role_that_can_rewrite_an_admin_trust_policy(
        escalation_estate: EscalationEstate) -> None:
    chains = escalation_chains(escalation_estate.graph, CHAIN_USER)
    assert [[(e.source, e.target, e.kind) for e in chain] for chain in chains] == [
        [(CHAIN_USER, HOP, "can_assume"), (HOP, ADMIN_ROLE, "can_escalate")]]
    assert chains[0][1].detail["technique"] == "iam-update-assume-role-policy"


def test_the_chain_user_has_no_direct_escalation(escalation_estate: EscalationEstate) -> None:
    assert list(escalation_estate.graph.out_edges(CHAIN_USER, "can_escalate")) == []


def test_assuming_a_role_that_cannot_escalate_leads_nowhere(escalation_estate: EscalationEstate) -> None:
    assert escalation_chains(escalation_estate.graph, user("esc-chain-dead-end")) == []


def test_the_hop_limit_cuts_longer_chains(escalation_estate: EscalationEstate) -> None:
    assert escalation_chains(escalation_estate.graph, CHAIN_USER, max_hops=1) == []
    assert len(escalation_chains(escalation_estate.graph, CHAIN_USER, max_hops=2)) == 1


def test_an_admin_principal_has_no_chains(escalation_estate: EscalationEstate) -> None:
    assert escalation_chains(escalation_estate.graph, ADMIN_ROLE) == []


def test_chain_finding_carries_the_technique_and_every_hop(escalation_estate: EscalationEstate) -> None:
    finding = {f["principal"]: f for f in escalation_findings(escalation_estate.graph)}[CHAIN_USER]
    assert finding["technique"] == "iam-update-assume-role-policy"
    assert finding["actions"] == ["iam:UpdateAssumeRolePolicy"]
    assert (finding["target"], finding["admin"], finding["conditional"]) == (ADMIN_ROLE, True, False)
    assert [(h["from"], h["to"], h["edge"]) for h in finding["chain"]] == [
        (CHAIN_USER, HOP, "can_assume"), (HOP, ADMIN_ROLE, "can_escalate")]
    assert all(isinstance(h["detail"], dict) for h in finding["chain"])


def test_every_escalating_principal_is_exactly_one_finding(escalation_estate: EscalationEstate) -> None:
    findings = escalation_findings(escalation_estate.graph)
    principals = [f["principal"] for f in findings]
    assert len(principals) == len(set(principals))
    expected = {c.arn for c in escalation_estate.cases if c.escalates} | {CHAIN_USER, HOP}
    assert set(principals) == expected
