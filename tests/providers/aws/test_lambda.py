"""Lambda collection through boto3 against moto."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import msgspec

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

REGION = "us-east-1"
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _code() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def _role() -> str:
    return boto3.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def _create_fn(name: str, role: str, **kwargs) -> str:
    client = boto3.client("lambda", region_name=REGION)
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                           Code={"ZipFile": _code()}, **kwargs)
    return FN_ARN.format(name)


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=[REGION], services=["lambda"]), "test")


def test_resource_policy_open_to_everyone_makes_the_function_public(aws: str) -> None:
    arn = _create_fn("open-fn", _role())
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName="open-fn", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    props = _collect().node_index()[arn].props
    assert props["public_by_policy"] is True
    assert props["public"] is True


def test_resource_policy_scoped_by_source_arn_is_not_public(aws: str) -> None:
    arn = _create_fn("scoped-fn", _role())
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName="scoped-fn", StatementId="bucket", Action="lambda:InvokeFunction", Principal="*",
        SourceArn="arn:aws:s3:::my-upload-bucket")
    props = _collect().node_index()[arn].props
    assert props["public_by_policy"] is False
    assert props["public"] is False


def test_function_without_policy_or_url_is_not_public(aws: str) -> None:
    arn = _create_fn("quiet-fn", _role())
    props = _collect().node_index()[arn].props
    assert (props["public_by_policy"], props["function_url"], props["public"]) == (False, None, False)
    assert props["runtime"] == "python3.12"


def test_function_url_without_auth_makes_the_function_public(aws: str) -> None:
    arn = _create_fn("url-fn", _role())
    boto3.client("lambda", region_name=REGION).create_function_url_config(FunctionName="url-fn", AuthType="NONE")
    snapshot = _collect()
    props = snapshot.node_index()[arn].props
    assert props["function_url"]["auth_type"] == "NONE"
    assert props["public"] is True
    assert not snapshot.coverage_gaps()  # moto's missing ListFunctionUrlConfigs falls back quietly


def test_environment_values_never_reach_the_snapshot(aws: str) -> None:
    arn = _create_fn("env-fn", _role(), Environment={"Variables": {"DB_PASSWORD": "hunter2-very-secret", "MODE": "prod"}})
    snapshot = _collect()
    assert snapshot.node_index()[arn].props["environment_keys"] == ["DB_PASSWORD", "MODE"]
    assert b"hunter2-very-secret" not in msgspec.json.encode(snapshot)


def test_function_runs_as_its_role_inside_its_vpc_with_its_key(aws: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    role = _role()
    arn = _create_fn("placed-fn", role, KMSKeyArn=key, VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [sg]})
    snapshot = _collect()
    edges = {e.key for e in snapshot.edges}
    prefix = "arn:aws:ec2:us-east-1:123456789012:"
    assert {(arn, role, "runs_as"), (arn, key, "encrypted_by"), (arn, f"{prefix}subnet/{subnet}", "in_subnet"),
            (arn, f"{prefix}security-group/{sg}", "protected_by"), ("arn:aws:iam::123456789012:root", arn, "contains")} <= edges
    assert snapshot.node_index()[arn].props["encryption"] == {"at_rest": True, "key_id": key, "customer_managed": True}
