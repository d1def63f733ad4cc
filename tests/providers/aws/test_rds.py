"""RDS collection through boto3 against moto."""

from __future__ import annotations

import boto3
import msgspec

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

REGION = "us-east-1"
DB_ARN = "arn:aws:rds:us-east-1:123456789012:db:{}"


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=[REGION], services=["rds"]), "test")


def _create_db(name: str, **kwargs) -> None:
    boto3.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
        MasterUsername="admin", MasterUserPassword="not-a-real-password-1", **kwargs,
    )


def test_publicly_accessible_instance_is_public_and_a_private_one_is_not(aws: str) -> None:
    _create_db("public-db", PubliclyAccessible=True)
    _create_db("private-db", PubliclyAccessible=False)
    nodes = _collect().node_index()
    assert nodes[DB_ARN.format("public-db")].props["public"] is True
    assert nodes[DB_ARN.format("private-db")].props["public"] is False


def test_unencrypted_instance_reports_no_encryption_at_rest(aws: str) -> None:
    _create_db("plain-db")
    enc = _collect().node_index()[DB_ARN.format("plain-db")].props["encryption"]
    assert (enc["at_rest"], enc["customer_managed"]) == (False, False)


def test_instance_encrypted_with_a_customer_key_is_linked_to_it(aws: str) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]
    _create_db("secure-db", StorageEncrypted=True, KmsKeyId=key["Arn"])
    snapshot = _collect()
    enc = snapshot.node_index()[DB_ARN.format("secure-db")].props["encryption"]
    assert (enc["at_rest"], enc["key_id"], enc["customer_managed"]) == (True, key["Arn"], True)
    assert (DB_ARN.format("secure-db"), key["Arn"], "encrypted_by") in {e.key for e in snapshot.edges}


def test_backup_retention_iam_auth_and_multi_az_are_reported(aws: str) -> None:
    _create_db("no-backup-db", BackupRetentionPeriod=0)
    _create_db("ha-db", BackupRetentionPeriod=7, EnableIAMDatabaseAuthentication=True, MultiAZ=True)
    nodes = _collect().node_index()
    assert nodes[DB_ARN.format("no-backup-db")].props["backup_retention_days"] == 0
    ha = nodes[DB_ARN.format("ha-db")].props
    assert (ha["backup_retention_days"], ha["iam_auth"], ha["multi_az"], ha["engine"]) == (7, True, True, "postgres")


def test_instance_is_placed_in_its_subnet_group_and_security_groups(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
               ["Subnet"]["SubnetId"] for i, az in ((1, "a"), (2, "b"))]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    boto3.client("rds", region_name=REGION).create_db_subnet_group(
        DBSubnetGroupName="db-subnets", DBSubnetGroupDescription="db", SubnetIds=subnets)
    _create_db("placed-db", DBSubnetGroupName="db-subnets", VpcSecurityGroupIds=[sg])
    snapshot = _collect()
    db = DB_ARN.format("placed-db")
    prefix = "arn:aws:ec2:us-east-1:123456789012:"
    edges = {e.key for e in snapshot.edges}
    assert (db, f"{prefix}vpc/{vpc}", "in_vpc") in edges
    assert {(db, f"{prefix}subnet/{s}", "in_subnet") for s in subnets} <= edges
    assert (db, f"{prefix}security-group/{sg}", "protected_by") in edges
    assert ("arn:aws:iam::123456789012:root", db, "contains") in edges


def test_db_cluster_is_collected_as_a_database(aws: str) -> None:
    boto3.client("rds", region_name=REGION).create_db_cluster(
        DBClusterIdentifier="aurora-cluster", Engine="aurora-postgresql", MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1", StorageEncrypted=True,
    )
    node = _collect().node_index()["arn:aws:rds:us-east-1:123456789012:cluster:aurora-cluster"]
    assert node.kind == "database.instance"
    assert node.native_type == "AWS::RDS::DBCluster"
    assert node.props["encryption"]["at_rest"] is True
    assert node.props["public"] is False  # no member instance is publicly accessible


def test_master_password_never_reaches_the_snapshot(aws: str) -> None:
    _create_db("secret-db")
    assert b"not-a-real-password-1" not in msgspec.json.encode(_collect())
