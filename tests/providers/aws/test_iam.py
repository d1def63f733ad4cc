"""IAM collection through boto3 against moto, and the credential-age arithmetic."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope
from cloudwarden.providers.aws.services.iam import access_key_facts, days_since, password_policy_facets

ACCOUNT = "arn:aws:iam::123456789012:root"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _doc(action: str | list[str], resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


def _scan() -> Snapshot:
    return collect_aws(AwsScope(regions=["us-east-1"], services=["iam"]), "test")


def _node(snapshot: Snapshot, kind: str, name: str):
    return next(n for n in snapshot.nodes if n.kind == kind and n.name == name)


def _edges(snapshot: Snapshot, kind: str) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in snapshot.edges if e.kind == kind}


@pytest.fixture
def iam(aws: str):
    return boto3.client("iam", region_name="us-east-1")


# --- users and credentials ---------------------------------------------------------


def test_console_user_without_mfa_has_console_access_and_no_mfa(iam) -> None:
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Str0ng!Passw0rd")
    user = _node(_scan(), "identity.user", "alice")
    assert user.props["console_access"] is True
    assert user.props["mfa"] is False


def test_user_without_login_profile_has_no_console_access(iam) -> None:
    iam.create_user(UserName="robot")
    assert _node(_scan(), "identity.user", "robot").props["console_access"] is False


def test_user_with_an_enabled_mfa_device_has_mfa(iam) -> None:
    iam.create_user(UserName="bob")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert _node(_scan(), "identity.user", "bob").props["mfa"] is True


def test_access_keys_are_listed_with_status_and_age_but_no_secret(iam) -> None:
    iam.create_user(UserName="ci")
    first = iam.create_access_key(UserName="ci")["AccessKey"]
    second = iam.create_access_key(UserName="ci")["AccessKey"]
    iam.update_access_key(UserName="ci", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    snapshot = _scan()
    keys = {k["id"]: k for k in _node(snapshot, "identity.user", "ci").props["access_keys"]}
    assert keys[first["AccessKeyId"]] == {"id": first["AccessKeyId"], "active": True, "age_days": 0,
                                          "last_used_days": None, "used": False}
    assert keys[second["AccessKeyId"]]["active"] is False
    assert first["SecretAccessKey"] not in str(snapshot)


def test_access_key_age_and_last_use_are_whole_days_before_now() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
    meta = {"AccessKeyId": "AKIAEXAMPLE", "Status": "Active", "CreateDate": now - timedelta(days=120, hours=5)}
    facts = access_key_facts(meta, {"LastUsedDate": now - timedelta(days=46, hours=23)}, now)
    assert facts == {"id": "AKIAEXAMPLE", "active": True, "age_days": 120, "last_used_days": 46, "used": True}


def test_a_key_whose_last_use_could_not_be_read_has_unknown_use() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    facts = access_key_facts({"AccessKeyId": "AKIA1", "Status": "Inactive", "CreateDate": now}, None, now)
    assert facts["used"] is None and facts["last_used_days"] is None and facts["active"] is False


def test_days_since_reads_iso_strings_and_naive_times_as_utc() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert days_since("2026-05-01T00:00:00Z", now) == 31
    assert days_since(datetime(2026, 5, 31), now) == 1
    assert days_since(None, now) is None


def test_days_since_a_future_time_is_zero() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert days_since(now + timedelta(hours=3), now) == 0


# --- groups ----------------------------------------------------------------------------


def test_group_members_get_member_of_edges_and_the_group_counts_them(iam) -> None:
    group = iam.create_group(GroupName="devs")["Group"]
    for name in ("dev1", "dev2"):
        user = iam.create_user(UserName=name)["User"]
        iam.add_user_to_group(GroupName="devs", UserName=name)
    snapshot = _scan()
    assert (user["Arn"], group["Arn"]) in _edges(snapshot, "member_of")
    assert _node(snapshot, "identity.group", "devs").props["member_count"] == 2


# --- roles -----------------------------------------------------------------------------


def test_role_trust_is_normalized_with_the_external_id_flag(iam) -> None:
    trust = {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "vendor-42"}}}}
    iam.create_role(RoleName="vendor", AssumeRolePolicyDocument=json.dumps(trust))
    role = _node(_scan(), "identity.role", "vendor")
    [stmt] = role.props["trust"]
    assert stmt["principals"]["AWS"] == ["arn:aws:iam::111122223333:root"]
    assert stmt["actions"] == ["sts:AssumeRole"]
    assert stmt["external_id"] is True
    assert role.raw["AssumeRolePolicyDocument"]["Statement"]["Condition"]  # the document as AWS returned it


def test_role_records_its_instance_profiles(iam) -> None:
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    profile = iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
    assert _node(_scan(), "identity.role", "web").props["instance_profiles"] == [profile["Arn"]]


def test_service_linked_roles_are_marked(iam) -> None:
    iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    roles = {n.name: n for n in _scan().nodes if n.kind == "identity.role"}
    assert [r.props["service_linked"] for r in roles.values() if r.name != "app"] == [True]
    assert roles["app"].props["service_linked"] is False


@pytest.mark.aws_managed_policies
def test_administrator_access_on_a_role_is_an_admin_equivalent_attachment(iam) -> None:
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.attach_role_policy(RoleName="ops", PolicyArn=ADMIN)
    snapshot = _scan()
    [attached] = _node(snapshot, "identity.role", "ops").props["attached_policies"]
    assert attached["id"] == ADMIN and attached["admin_equivalent"] is True and attached["inline"] is False
    assert snapshot.node_index()[ADMIN].props["managed_by"] == "aws"


@pytest.mark.aws_managed_policies
def test_unattached_aws_managed_policies_are_not_collected(iam) -> None:
    iam.create_user(UserName="nobody")
    ids = {n.id for n in _scan().nodes}
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" not in ids


def test_a_permissions_boundary_is_an_edge_but_not_an_attached_policy(iam) -> None:
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=_doc("s3:*"))["Policy"]["Arn"]
    role = iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
                           PermissionsBoundary=boundary)["Role"]
    snapshot = _scan()
    node = _node(snapshot, "identity.role", "bounded")
    assert node.props["permissions_boundary"] == boundary
    assert node.props["attached_policies"] == []
    [edge] = [e for e in snapshot.edges if e.kind == "has_policy" and e.source == role["Arn"]]
    assert edge.target == boundary and edge.detail["boundary"] is True and edge.detail["attached"] is False


# --- policies -------------------------------------------------------------------------------


def test_a_customer_policy_granting_everything_is_admin_equivalent(iam) -> None:
    arn = iam.create_policy(PolicyName="too-broad", PolicyDocument=_doc("*"))["Policy"]["Arn"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    snapshot = _scan()
    policy = snapshot.node_index()[arn]
    assert (policy.props["managed_by"], policy.props["admin_equivalent"], policy.props["attachment_count"]) == (
        "customer", True, 1)
    assert _node(snapshot, "identity.role", "app").props["attached_policies"][0]["admin_equivalent"] is True


def test_an_unattached_customer_policy_is_collected_with_its_default_version(iam) -> None:
    arn = iam.create_policy(PolicyName="spare", PolicyDocument=_doc("s3:GetObject"))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc("iam:*"), SetAsDefault=False)
    policy = _scan().node_index()[arn]
    assert policy.props["attachment_count"] == 0
    assert policy.props["document"]["Statement"][0]["Action"] == ["s3:GetObject"]
    assert policy.props["wildcard_services"] == []
    assert len(policy.raw["PolicyVersionList"]) == 2


def test_inline_policies_get_nodes_and_has_policy_edges(iam) -> None:
    user = iam.create_user(UserName="direct")["User"]
    iam.put_user_policy(UserName="direct", PolicyName="s3-all", PolicyDocument=_doc("s3:*"))
    snapshot = _scan()
    inline_id = f"{user['Arn']}/inline-policy/s3-all"
    policy = snapshot.node_index()[inline_id]
    assert (policy.native_type, policy.props["managed_by"], policy.props["wildcard_services"]) == (
        "AWS::IAM::Policy", "inline", ["s3"])
    [edge] = [e for e in snapshot.edges if e.kind == "has_policy" and e.source == user["Arn"]]
    assert edge.target == inline_id and edge.detail["inline"] is True
    node = _node(snapshot, "identity.user", "direct")
    assert node.props["inline_policy_count"] == 1
    assert node.props["attached_policies"][0]["inline"] is True


def test_group_inline_policies_are_attached_to_the_group_not_its_members(iam) -> None:
    iam.create_group(GroupName="admins")
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="admins", UserName="member")
    iam.put_group_policy(GroupName="admins", PolicyName="all", PolicyDocument=_doc("*"))
    snapshot = _scan()
    assert _node(snapshot, "identity.group", "admins").props["attached_policies"][0]["admin_equivalent"] is True
    assert _node(snapshot, "identity.user", "member").props["attached_policies"] == []


def test_every_iam_node_is_contained_by_the_account(iam) -> None:
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=_doc("s3:GetObject"))
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    managed = iam.create_policy(PolicyName="m", PolicyDocument=_doc("s3:GetObject"))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r", PolicyArn=managed)
    snapshot = _scan()
    contained = {t for s, t in _edges(snapshot, "contains") if s == ACCOUNT}
    iam_nodes = {n.id for n in snapshot.nodes if n.kind.startswith("identity.")}
    assert iam_nodes and iam_nodes <= contained


# --- account facets ----------------------------------------------------------------------------


def test_a_strong_password_policy_is_reported_on_the_account(iam) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=16, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       MaxPasswordAge=90, PasswordReusePrevention=24)
    policy = _scan().node_index()[ACCOUNT].props["password_policy"]
    assert policy == {"present": True, "min_length": 16, "require_symbols": True, "require_numbers": True,
                      "require_uppercase": True, "require_lowercase": True, "max_age_days": 90,
                      "reuse_prevention": 24, "expire_passwords": True}


def test_no_password_policy_is_reported_as_absent(iam) -> None:
    assert _scan().node_index()[ACCOUNT].props["password_policy"]["present"] is False


def test_a_policy_without_reuse_prevention_prevents_no_reuse() -> None:
    facets = password_policy_facets({"MinimumPasswordLength": 8, "ExpirePasswords": False})
    assert facets["reuse_prevention"] == 0 and facets["max_age_days"] is None


def test_root_credentials_and_the_account_summary_are_patched_on_the_account(iam) -> None:
    account = _scan().node_index()[ACCOUNT]
    assert account.props["root"]["mfa"] is False
    assert account.props["root"]["access_keys"] is False
    assert account.props["iam_summary"]["Users"] == 0
