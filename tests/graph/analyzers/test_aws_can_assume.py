"""can_assume and trusts edges on hand-built snapshots."""

from __future__ import annotations

from cloudwarden.graph.analyzers import aws_can_assume
from cloudwarden.graph.model import Edge

from tests.graph.aws_iam.iam_estate import ACCT, OTHER, IamEstate, allow, root

ASSUME = "sts:AssumeRole"


def _trust(principal: object, **extra: object) -> list[dict]:
    return [{"Effect": "Allow", "Principal": principal, "Action": ASSUME, **extra}]


def _edges(estate: IamEstate, kind: str) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in aws_can_assume.run(estate.graph()) if e.kind == kind}


def test_same_account_trust_naming_the_principal_suffices_without_an_identity_policy() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    role = estate.role("app", trust=_trust({"AWS": user}))
    assert (user, role) in _edges(estate, "can_assume")


def test_same_account_trust_of_the_account_root_needs_an_identity_policy() -> None:
    estate = IamEstate()
    asker = estate.user("alice", allow(ASSUME))
    bare = estate.user("bob")
    role = estate.role("app", trust=_trust({"AWS": root()}))
    edges = _edges(estate, "can_assume")
    assert (asker, role) in edges and (bare, role) not in edges


def test_cross_account_trust_naming_the_principal_still_needs_its_identity_policy() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    asker = estate.user("alice", allow(ASSUME), account=OTHER)
    bare = estate.user("bob", account=OTHER)
    role = estate.role("app", trust=_trust({"AWS": [asker, bare]}))
    edges = _edges(estate, "can_assume")
    assert (asker, role) in edges and (bare, role) not in edges


def test_a_service_trusted_by_a_role_can_assume_it_as_a_service_node() -> None:
    estate = IamEstate()
    role = estate.role("app", trust=_trust({"Service": "ec2.amazonaws.com"}))
    graph = estate.graph()
    edges = {(e.source, e.target) for e in aws_can_assume.run(graph) if e.kind == "can_assume"}
    assert ("service:ec2.amazonaws.com", role) in edges
    assert graph.node("service:ec2.amazonaws.com").kind == "identity.service_account"


def test_trust_of_an_unknown_account_without_external_id_is_third_party_whole_account() -> None:
    estate = IamEstate()
    role = estate.role("vendor", trust=_trust({"AWS": "arn:aws:iam::333333333333:root"}))
    detail = _edges(estate, "trusts")[(role, root("333333333333"))].detail
    assert (detail["third_party"], detail["whole_account"], detail["external_id"]) == (True, True, False)


def test_trust_requiring_an_external_id_says_so() -> None:
    estate = IamEstate()
    role = estate.role("vendor", trust=_trust({"AWS": "arn:aws:iam::333333333333:root"},
                                              Condition={"StringEquals": {"sts:ExternalId": "abc"}}))
    assert _edges(estate, "trusts")[(role, root("333333333333"))].detail["external_id"] is True


def test_trust_of_an_account_of_the_snapshot_is_not_third_party() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    role = estate.role("shared", trust=_trust({"AWS": root(OTHER)}))
    assert _edges(estate, "trusts")[(role, root(OTHER))].detail["third_party"] is False


def test_a_wildcard_principal_is_flagged() -> None:
    estate = IamEstate()
    role = estate.role("open", trust=_trust("*"))
    detail = _edges(estate, "trusts")[(role, "aws:principal:*")].detail
    assert detail["wildcard"] is True


def test_federated_trust_points_at_the_identity_provider() -> None:
    estate = IamEstate()
    provider = f"arn:aws:iam::{ACCT}:saml-provider/okta"
    role = estate.role("sso", trust=[{"Effect": "Allow", "Principal": {"Federated": provider},
                                      "Action": "sts:AssumeRoleWithSAML"}])
    assert _edges(estate, "trusts")[(role, provider)].detail["federated"] is True


def test_same_account_trust_makes_no_trusts_edge() -> None:
    estate = IamEstate()
    estate.role("app", trust=_trust({"AWS": root()}))
    assert _edges(estate, "trusts") == {}
