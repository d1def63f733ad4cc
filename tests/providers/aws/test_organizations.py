"""Organizations collection through boto3 against moto."""

from __future__ import annotations

import json

import boto3
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

ACCOUNT = "arn:aws:iam::123456789012:root"
DENY_S3 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})


def _scan(**scope: object) -> Snapshot:
    return collect_aws(AwsScope(regions=["us-east-1"], services=["organizations"], **scope), "test")  # type: ignore[arg-type]


def _edges(snapshot: Snapshot, kind: str) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in snapshot.edges if e.kind == kind}


@pytest.fixture
def org(aws: str):
    """An organization managed by the scanned account, with one OU holding one member account."""
    client = boto3.client("organizations", region_name="us-east-1")
    client.create_organization(FeatureSet="ALL")
    return client


def _ou_with_member(org) -> tuple[dict, str]:
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root_id, Name="prod")["OrganizationalUnit"]
    member = org.create_account(AccountName="prod-1", Email="prod-1@example.com")["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=member, SourceParentId=root_id, DestinationParentId=ou["Id"])
    return ou, member


def test_an_account_outside_any_organization_is_marked_not_a_member(aws: str) -> None:
    snapshot = _scan()
    assert snapshot.node_index()[ACCOUNT].props["organization"] == {"member": False}
    assert snapshot.coverage_gaps() == []


def test_the_management_account_records_its_organization(org) -> None:
    info = org.describe_organization()["Organization"]
    facet = _scan().node_index()[ACCOUNT].props["organization"]
    assert (facet["member"], facet["id"], facet["master_account"], facet["scps_readable"]) == (
        True, info["Id"], "123456789012", True)


def test_roots_and_ous_are_org_units_containing_their_accounts(org) -> None:
    ou, member = _ou_with_member(org)
    root = org.list_roots()["Roots"][0]
    snapshot = _scan()
    nodes = snapshot.node_index()
    assert nodes[root["Arn"]].kind == nodes[ou["Arn"]].kind == "org.unit"
    contains = _edges(snapshot, "contains")
    assert (root["Arn"], ou["Arn"]) in contains
    assert (ou["Arn"], f"arn:aws:iam::{member}:root") in contains
    assert (root["Arn"], ACCOUNT) in contains


def test_accounts_not_scanned_are_references(org) -> None:
    _, member = _ou_with_member(org)
    node = _scan().node_index()[f"arn:aws:iam::{member}:root"]
    assert node.kind == "account" and node.reference is True


def test_nested_ous_are_contained_by_their_parent_ou(org) -> None:
    ou, _ = _ou_with_member(org)
    child = org.create_organizational_unit(ParentId=ou["Id"], Name="prod-eu")["OrganizationalUnit"]
    assert (ou["Arn"], child["Arn"]) in _edges(_scan(), "contains")


def test_scps_are_policies_attached_to_their_targets(org) -> None:
    ou, _ = _ou_with_member(org)
    policy = org.create_policy(Content=DENY_S3, Description="no s3", Name="deny-s3",
                               Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]
    org.attach_policy(PolicyId=policy["Id"], TargetId=ou["Id"])
    snapshot = _scan()
    node = snapshot.node_index()[policy["Arn"]]
    assert (node.kind, node.native_type, node.props["scp"], node.props["managed_by"]) == (
        "identity.policy", "AWS::Organizations::Policy", True, "customer")
    assert node.props["document"]["Statement"][0]["Action"] == ["s3:*"]
    assert (ou["Arn"], policy["Arn"]) in _edges(snapshot, "has_policy")
    assert policy["Arn"] in snapshot.node_index()[ou["Arn"]].props["policies"]


def test_full_aws_access_is_an_aws_managed_scp_on_the_root_and_accounts(org) -> None:
    root = org.list_roots()["Roots"][0]
    snapshot = _scan()
    [full] = [n for n in snapshot.nodes if n.name == "FullAWSAccess"]
    assert full.props["managed_by"] == "aws"
    has_policy = _edges(snapshot, "has_policy")
    assert (root["Arn"], full.id) in has_policy
    assert (ACCOUNT, full.id) in has_policy


def test_a_member_account_records_its_organization_and_management_account(org) -> None:
    _, member = _ou_with_member(org)
    snapshot = _scan(accounts=[member], role_arn="arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
    facet = snapshot.node_index()[f"arn:aws:iam::{member}:root"].props["organization"]
    assert facet["member"] is True
    assert facet["id"] == org.describe_organization()["Organization"]["Id"]
    assert facet["master_account"] == "123456789012"


def test_a_consolidated_billing_organization_has_no_scps_to_read(aws: str) -> None:
    boto3.client("organizations", region_name="us-east-1").create_organization(FeatureSet="CONSOLIDATED_BILLING")
    snapshot = _scan()
    facet = snapshot.node_index()[ACCOUNT].props["organization"]
    assert (facet["scps_enabled"], facet["scps_readable"]) == (False, True)
    assert [n for n in snapshot.nodes if n.props.get("scp")] == []
