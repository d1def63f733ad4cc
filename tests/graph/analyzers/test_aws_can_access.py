"""can_access edges on hand-built snapshots: their shape, admin collapsing, and what singles resources out."""

from __future__ import annotations

from cloudwarden.graph.analyzers import aws_can_access
from cloudwarden.graph.model import Edge

from tests.graph.aws_iam.iam_estate import ACCT, OTHER, IamEstate, allow, deny, root

DATA = "arn:aws:s3:::data"


def _edges(estate: IamEstate) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in aws_can_access.run(estate.graph())}


def test_an_edge_carries_levels_compact_actions_and_granting_statements() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow(["s3:GetObject", "s3:PutObject"], f"{DATA}/*"))
    estate.bucket("data")
    detail = _edges(estate)[(user, DATA)].detail
    assert detail["levels"] == ["read", "write"]
    assert detail["actions"] == ["s3:getobject", "s3:putobject"]
    assert detail["statements"] == [{"policy": f"arn:aws:iam::{ACCT}:policy/alice-inline", "sid": "#0",
                                     "effect": "Allow", "kind": "identity"}]
    assert detail["conditional"] is False and detail["conditions"] == []


def test_every_action_of_a_service_collapses_to_service_star() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("kms:*"))
    key = estate.key("k", {"Effect": "Allow", "Principal": {"AWS": root()}, "Action": "kms:*", "Resource": "*"})
    assert _edges(estate)[(user, key)].detail["actions"] == ["kms:*"]


def test_every_action_of_a_verb_collapses_to_verb_star() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:Get*"))
    estate.bucket("data")
    assert "s3:get*" in _edges(estate)[(user, DATA)].detail["actions"]


def test_an_admin_gets_one_edge_to_its_account_instead_of_one_per_resource() -> None:
    estate = IamEstate()
    admin = estate.role("admin", allow("*"))
    estate.bucket("data")
    estate.secret("db-password")
    edges = _edges(estate)
    assert [target for source, target in edges if source == admin] == [root()]
    detail = edges[(admin, root())].detail
    assert detail["admin"] is True and detail["levels"][0] == "admin"


def test_an_admin_edge_lists_resources_it_cannot_fully_use() -> None:
    estate = IamEstate()
    admin = estate.role("admin", allow("*"))
    other = estate.role("key-user")
    key = estate.key("closed", {"Effect": "Allow", "Principal": {"AWS": other}, "Action": "kms:*", "Resource": "*"})
    assert _edges(estate)[(admin, root())].detail["exceptions"] == {key: []}


def test_a_grant_on_every_resource_reaches_each_resource_of_the_service_in_the_account() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    user = estate.user("alice", allow("s3:GetObject"))
    estate.bucket("one")
    estate.bucket("two")
    estate.bucket("elsewhere", account=OTHER)
    targets = {t for s, t in _edges(estate) if s == user}
    assert targets == {"arn:aws:s3:::one", "arn:aws:s3:::two"}


def test_a_specific_deny_singles_a_resource_out_of_a_wide_grant() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject"), deny("s3:GetObject", "arn:aws:s3:::secret/*"))
    estate.bucket("data")
    estate.bucket("secret")
    targets = {t for s, t in _edges(estate) if s == user}
    assert targets == {DATA}


def test_a_bucket_policy_naming_a_principal_gives_it_an_edge() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    estate.bucket("data", allow("s3:GetObject", f"{DATA}/*", Principal={"AWS": user}))
    edge = _edges(estate)[(user, DATA)]
    assert edge.detail["statements"][0]["kind"] == "resource"


def test_a_bucket_policy_of_another_account_gives_a_cross_account_edge() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    user = estate.user("alice", allow("s3:GetObject"))
    estate.bucket("shared", allow("s3:GetObject", "arn:aws:s3:::shared/*", Principal={"AWS": root(ACCT)}),
                  account=OTHER)
    assert (user, "arn:aws:s3:::shared") in _edges(estate)


def test_users_and_roles_as_targets_count_only_permissions_actions() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow(["iam:GetRole", "iam:PutRolePolicy"]))
    role = estate.role("app")
    detail = _edges(estate)[(user, role)].detail
    assert detail["levels"] == ["permissions"] and detail["actions"] == ["iam:putrolepolicy"]


def test_read_only_access_to_a_role_is_no_edge() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("iam:Get*"))
    role = estate.role("app")
    assert (user, role) not in _edges(estate)


def test_a_conditional_grant_is_kept_and_marked_with_its_conditions() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}))
    estate.bucket("data")
    detail = _edges(estate)[(user, DATA)].detail
    assert detail["conditional"] is True
    assert detail["conditions"][0]["condition"] == {"StringEquals": {"aws:SourceVpc": ["vpc-1"]}}


def test_groups_are_not_principals() -> None:
    estate = IamEstate()
    group = estate.group("readers", allow("s3:GetObject"))
    estate.bucket("data")
    assert all(source != group for source, _ in _edges(estate))


def test_a_resource_tag_condition_is_decided_per_resource() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    estate.bucket("dev-data", tags={"env": "dev"})
    estate.bucket("prod-data", tags={"env": "prod"})
    targets = {t for s, t in _edges(estate) if s == user}
    assert targets == {"arn:aws:s3:::dev-data"}


def test_keys_answered_together_each_cite_their_own_key_policy() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("kms:Decrypt"))
    delegate = {"Effect": "Allow", "Principal": {"AWS": root()}, "Action": "kms:*", "Resource": "*"}
    keys = [estate.key("k1", delegate), estate.key("k2", delegate)]
    edges = _edges(estate)
    for key in keys:
        cited = {s["policy"] for s in edges[(user, key)].detail["statements"] if s["kind"] == "resource"}
        assert cited == {key}


def test_decision_notes_reach_the_edge() -> None:
    estate = IamEstate()
    estate.nodes[root()].props = {"organization": {"member": True, "id": "o-1"}}
    user = estate.user("alice", allow("s3:GetObject"))
    estate.bucket("data")
    assert any("organization tree" in n for n in _edges(estate)[(user, DATA)].detail["notes"])
