"""PermissionEvaluator on hand-built snapshots: AWS's evaluation rules, one behaviour per test."""

from __future__ import annotations

from cloudwarden.graph.aws_iam import PermissionEvaluator

from tests.graph.aws_iam.iam_estate import ACCT, OTHER, IamEstate, allow, deny, root

DATA = "arn:aws:s3:::data"
OBJECT = "arn:aws:s3:::data/report.csv"


def _decide(estate: IamEstate, principal: str, action: str, resource: str, context: dict | None = None):
    return PermissionEvaluator(estate.graph()).decide(principal, action, resource, context)


def test_an_explicit_deny_wins_over_an_allow() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:*"), deny("s3:GetObject", f"{DATA}/*"))
    decision = _decide(estate, user, "s3:GetObject", OBJECT)
    assert decision.effect == "deny"
    assert decision.statements[0]["effect"] == "Deny"


def test_not_action_allows_every_action_but_the_listed_ones() -> None:
    estate = IamEstate()
    user = estate.user("alice", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"
    assert _decide(estate, user, "iam:CreateUser", "*").effect == "implicit_deny"


def test_not_resource_allows_every_resource_but_the_listed_ones() -> None:
    estate = IamEstate()
    user = estate.user("alice", {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"
    assert _decide(estate, user, "s3:GetObject", "arn:aws:s3:::secret/key").effect == "implicit_deny"


def test_action_wildcards_match_regardless_of_case() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("S3:get*"))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"


def test_resource_arns_match_case_sensitively() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", "arn:aws:s3:::Data/*"))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_the_username_variable_limits_a_user_to_its_own_prefix() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", f"{DATA}/home/${{aws:username}}/*"))
    assert _decide(estate, user, "s3:GetObject", f"{DATA}/home/alice/notes.txt").effect == "allow"
    assert _decide(estate, user, "s3:GetObject", f"{DATA}/home/bob/notes.txt").effect == "implicit_deny"


def test_an_unknown_variable_makes_the_grant_conditional() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", f"{DATA}/${{aws:SourceVpc}}/*"))
    decision = _decide(estate, user, "s3:GetObject", f"{DATA}/vpc-1/x")
    assert decision.effect == "conditional"
    assert decision.conditions[0]["variables"] == ["${aws:SourceVpc}"]


def test_group_policies_reach_their_members() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    estate.group("readers", allow("s3:GetObject"), members=(user,))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"


def test_an_scp_deny_blocks_an_identity_allow() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:*"))
    estate.organization([allow("*")], [allow("*"), deny("s3:GetObject")], [])
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "deny"


def test_an_scp_level_without_an_allow_blocks_everything_it_does_not_allow() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:*"))
    estate.organization([allow("*")], [allow("ec2:*")], [])
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_an_unknown_organization_tree_leaves_scps_out_and_says_so() -> None:
    estate = IamEstate()
    estate.nodes[root()].props = {"organization": {"member": True, "id": "o-1"}}
    user = estate.user("alice", allow("s3:*"))
    decision = _decide(estate, user, "s3:GetObject", OBJECT)
    assert decision.effect == "allow"
    assert any("organization tree" in note for note in decision.notes)


def test_a_permissions_boundary_limits_what_identity_policies_grant() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow(["s3:*", "iam:*"]))
    estate.boundary(user, allow("s3:*"))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"
    assert _decide(estate, user, "iam:CreateUser", "*").effect == "implicit_deny"


def test_a_bucket_policy_grants_in_its_account_without_an_identity_policy() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    estate.bucket("data", allow("s3:GetObject", f"{DATA}/*", Principal={"AWS": user}))
    decision = _decide(estate, user, "s3:GetObject", OBJECT)
    assert decision.effect == "allow"
    assert decision.statements[0]["kind"] == "resource"


def test_cross_account_access_needs_both_the_bucket_policy_and_an_identity_policy() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    granted = estate.user("granted", allow("s3:GetObject"), account=OTHER)
    bare = estate.user("bare", account=OTHER)
    estate.bucket("data", allow("s3:GetObject", f"{DATA}/*", Principal={"AWS": root(OTHER)}))
    assert _decide(estate, granted, "s3:GetObject", OBJECT).effect == "allow"
    assert _decide(estate, bare, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_cross_account_identity_policy_alone_grants_nothing() -> None:
    estate = IamEstate(accounts=(ACCT, OTHER))
    user = estate.user("outsider", allow("s3:*"), account=OTHER)
    estate.bucket("data")
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_a_kms_key_policy_must_let_the_account_in_for_iam_policies_to_count() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("kms:*"))
    admin = estate.role("key-admin")
    closed = estate.key("closed", {"Effect": "Allow", "Principal": {"AWS": admin}, "Action": "kms:*", "Resource": "*"})
    delegated = estate.key("open", {"Effect": "Allow", "Principal": {"AWS": root()}, "Action": "kms:*", "Resource": "*"})
    assert _decide(estate, user, "kms:Decrypt", closed).effect == "implicit_deny"
    assert _decide(estate, user, "kms:Decrypt", delegated).effect == "allow"


def test_a_key_policy_naming_the_principal_grants_without_an_identity_policy() -> None:
    estate = IamEstate()
    role = estate.role("app")
    key = estate.key("k", {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "kms:Decrypt", "Resource": "*"})
    assert _decide(estate, role, "kms:Decrypt", key).effect == "allow"


def test_a_condition_on_the_principal_account_is_decided_from_the_snapshot() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    estate.bucket("data", allow("s3:GetObject", f"{DATA}/*", Principal="*",
                                Condition={"StringEquals": {"aws:PrincipalAccount": ACCT}}))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"


def test_a_condition_on_the_principal_account_can_be_decided_false() -> None:
    estate = IamEstate()
    user = estate.user("alice")
    estate.bucket("data", allow("s3:GetObject", f"{DATA}/*", Principal="*",
                                Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}}))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_a_condition_on_the_source_ip_leaves_the_decision_conditional_with_the_condition() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    decision = _decide(estate, user, "s3:GetObject", OBJECT)
    assert decision.effect == "conditional"
    assert decision.conditions[0]["condition"] == {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}


def test_a_context_value_decides_a_condition() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert _decide(estate, user, "s3:GetObject", OBJECT, {"aws:SourceIp": "10.1.2.3"}).effect == "allow"
    assert _decide(estate, user, "s3:GetObject", OBJECT, {"aws:SourceIp": "8.8.8.8"}).effect == "implicit_deny"


def test_an_undecided_deny_makes_an_allow_conditional_rather_than_silently_granted() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:*"),
                       deny("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    decision = _decide(estate, user, "s3:GetObject", OBJECT)
    assert decision.effect == "conditional"
    assert decision.conditions[0]["effect"] == "Deny"


def test_a_tls_only_bucket_policy_does_not_block_sdk_callers() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject"))
    estate.bucket("data", deny("s3:*", [DATA, f"{DATA}/*"], Principal="*",
                               Condition={"Bool": {"aws:SecureTransport": "false"}}))
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"


def test_a_principal_tag_condition_is_decided_from_the_principal_tags() -> None:
    estate = IamEstate()
    tagged = estate.user("alice", allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}}),
                         tags={"team": "data"})
    untagged = estate.user("bob", allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}}))
    assert _decide(estate, tagged, "s3:GetObject", OBJECT).effect == "allow"
    assert _decide(estate, untagged, "s3:GetObject", OBJECT).effect == "implicit_deny"


def test_an_allow_on_a_prefix_grants_some_object_of_the_bucket() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject", f"{DATA}/reports/*"))
    assert _decide(estate, user, "s3:GetObject", f"{DATA}/*").effect == "allow"


def test_a_deny_on_a_prefix_does_not_refuse_every_object_of_the_bucket() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:GetObject"), deny("s3:GetObject", f"{DATA}/secret/*"))
    assert _decide(estate, user, "s3:GetObject", f"{DATA}/*").effect == "allow"
    assert _decide(estate, user, "s3:GetObject", f"{DATA}/secret/x").effect == "deny"


def test_a_role_trust_policy_must_allow_assuming_it() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("sts:AssumeRole"))
    role = estate.role("closed", trust=[{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                         "Action": "sts:AssumeRole"}])
    assert _decide(estate, user, "sts:AssumeRole", role).effect == "implicit_deny"


def test_a_principal_with_star_on_star_is_admin() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("*"))
    assert PermissionEvaluator(estate.graph()).is_admin(user) is True


def test_a_principal_denied_iam_policy_changes_is_not_admin() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("*"), deny("iam:*"))
    assert PermissionEvaluator(estate.graph()).is_admin(user) is False


def test_a_boundary_makes_an_admin_policy_not_admin() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("*"))
    estate.boundary(user, allow("s3:*"))
    assert PermissionEvaluator(estate.graph()).is_admin(user) is False


def test_allowed_actions_lists_only_what_is_allowed_on_the_resource() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow(["s3:GetObject", "s3:ListBucket", "ec2:*"]))
    bucket = estate.bucket("data")
    actions = PermissionEvaluator(estate.graph()).allowed_actions(user, bucket)
    assert sorted(actions) == ["s3:getobject", "s3:listbucket"]


def test_scps_never_restrict_the_management_account() -> None:
    estate = IamEstate()
    user = estate.user("alice", allow("s3:*"))
    estate.organization([allow("*")], [deny("s3:*")], [])
    estate.nodes[root()].props["organization"]["master_account"] = ACCT
    assert _decide(estate, user, "s3:GetObject", OBJECT).effect == "allow"


def test_scps_do_not_apply_to_service_linked_roles() -> None:
    estate = IamEstate()
    role = estate.role("AWSServiceRoleForSupport", allow("s3:*"), service_linked=True)
    estate.organization([allow("*")], [deny("s3:*")], [])
    assert _decide(estate, role, "s3:GetObject", OBJECT).effect == "allow"
