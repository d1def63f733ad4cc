"""What stops an escalation: explicit denies, permissions boundaries, SCPs, resource scoping; and conditional grants.

Each near-miss is checked against the evaluator first, so the test shows the
permission really is there (or really is refused) and the escalation verdict
follows from it.
"""

from __future__ import annotations

from cloudwarden.graph.aws_iam.evaluator import PermissionEvaluator
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot
from tests.estates.aws_escalation import role, user
from tests.graph.escalation.conftest import EscalationEstate, derive_escalation
from tests.graph.escalation.snapshots import HandBuilt, allow, document


def _escalations(estate: EscalationEstate, principal: str) -> list[Edge]:
    return list(estate.graph.out_edges(principal, "can_escalate"))


def test_explicit_deny_in_its_own_policy_stops_self_escalation(escalation_estate: EscalationEstate) -> None:
    principal = user("esc-pup-cannot")
    decision = PermissionEvaluator(escalation_estate.graph).decide(principal, "iam:PutUserPolicy", principal)
    assert decision.effect == "deny"
    assert _escalations(escalation_estate, principal) == []


def test_explicit_deny_inherited_from_a_group_stops_escalation(escalation_estate: EscalationEstate) -> None:
    assert _escalations(escalation_estate, user("esc-pgp-cannot")) == []


def test_boundary_that_caps_what_is_written_stops_self_escalation(escalation_estate: EscalationEstate) -> None:
    # The boundary allows iam:AttachRolePolicy, so the call succeeds, but whatever
    # is attached stays inside the boundary: no admin.
    principal = role("esc-arp-cannot")
    decision = PermissionEvaluator(escalation_estate.graph).decide(principal, "iam:AttachRolePolicy", principal)
    assert decision.effect == "allow"
    assert _escalations(escalation_estate, principal) == []


def test_boundary_without_a_required_action_stops_passrole(escalation_estate: EscalationEstate) -> None:
    principal = role("esc-pr-smnb-cannot")
    decision = PermissionEvaluator(escalation_estate.graph).decide(
        principal, "sagemaker:CreatePresignedNotebookInstanceUrl", "*")
    assert decision.effect not in ("allow", "conditional")
    assert _escalations(escalation_estate, principal) == []


def test_permission_scoped_to_one_role_escalates_to_that_role_only(escalation_estate: EscalationEstate) -> None:
    assert [e.target for e in _escalations(escalation_estate, user("esc-prp-can"))] == [role("esc-prp-target")]
    assert [e.target for e in _escalations(escalation_estate, user("esc-cak-can"))] == [user("esc-admin-user")]


def test_undecidable_condition_makes_a_conditional_escalation(escalation_estate: EscalationEstate) -> None:
    (edge,) = _escalations(escalation_estate, user("esc-aup-mfa"))
    assert edge.detail["conditional"] is True
    assert "aws:MultiFactorAuthPresent" in repr(edge.detail["conditions"])
    (unconditional,) = _escalations(escalation_estate, user("esc-aup-can"))
    assert unconditional.detail["conditional"] is False


# --- SCPs: a hand-built two-account organization (moto's SCP enforcement is not needed to judge them) ---

ORG = "arn:aws:organizations::999999999999:root/o-esc/r-esc"
FULL_ACCESS = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
DENY_IAM = "arn:aws:organizations::999999999999:policy/o-esc/service_control_policy/p-denyiam"
FENCED, OPEN = "111111111111", "222222222222"


def _organization() -> Snapshot:
    """Two member accounts, each with a user allowed iam:PutUserPolicy on itself; an SCP denies it in one."""
    est = HandBuilt(FENCED, OPEN)
    est.add(Node(id=ORG, cloud="aws", kind="org.unit", name="Root",
                 props={"policy_types": ["SERVICE_CONTROL_POLICY"], "policies": [FULL_ACCESS]}))
    for scp, name, statement in ((FULL_ACCESS, "FullAWSAccess", allow(["*"], ["*"])),
                                 (DENY_IAM, "deny-iam-writes", allow(["iam:PutUserPolicy"], ["*"], "Deny"))):
        est.add(Node(id=scp, cloud="aws", kind="identity.policy", name=name,
                     props={"scp": True, "managed_by": "customer", "document": document(statement)}))
    # As in AWS, FullAWSAccess sits on every level (each level must allow); the fenced account adds a deny.
    for level in (ORG, est.root(FENCED), est.root(OPEN)):
        est.edge(level, FULL_ACCESS, "has_policy", scp=True)
    est.edge(est.root(FENCED), DENY_IAM, "has_policy", scp=True)
    for account in (FENCED, OPEN):
        est.nodes[est.root(account)].props["organization"] = {
            "member": True, "id": "o-esc", "scps_readable": True, "scps_enabled": True}
        est.edge(ORG, est.root(account), "contains")
        user_arn = f"arn:aws:iam::{account}:user/writer"
        est.principal(account, "user", "writer", allow(["iam:PutUserPolicy"], [user_arn]))
    return est.snapshot()


def test_scp_deny_on_the_account_stops_self_escalation() -> None:
    graph = derive_escalation(_organization())
    fenced = f"arn:aws:iam::{FENCED}:user/writer"
    assert PermissionEvaluator(graph).decide(fenced, "iam:PutUserPolicy", fenced).effect == "deny"
    assert list(graph.out_edges(fenced, "can_escalate")) == []


def test_same_user_in_an_account_without_the_scp_escalates() -> None:
    graph = derive_escalation(_organization())
    (edge,) = graph.out_edges(f"arn:aws:iam::{OPEN}:user/writer", "can_escalate")
    assert (edge.target, edge.detail["technique"], edge.detail["to"]) == (
        f"arn:aws:iam::{OPEN}:root", "iam-put-user-policy", "admin")
