"""Attack paths in us-east-1: toxic combinations next to near-miss twins.

- a web instance the internet reaches (public subnet, igw route, 443 open) whose
  role can write customer data, next to the same instance shape in a private subnet;
- a user who can attach any policy to itself, next to one who can only list users;
- a role trusting a third-party account without an external id, next to one with it;
- a SageMaker pipeline (training data -> training job -> artifacts -> model ->
  endpoint) whose training data a user outside the pipeline can write.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.estates import Expect

REGION = "us-east-1"
ACCOUNT = "123456789012"
VENDOR_ACCOUNT = "999988887777"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _service_trust(service: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _role(iam: Any, name: str, service: str, *statements: dict[str, Any]) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_service_trust(service))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-access", PolicyDocument=_doc(*statements))
    return arn


def _network(ec2: Any) -> tuple[str, str, str]:
    """A VPC with a public subnet (igw route, public IPs) and a private one; a web group open on 443."""
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.2.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    group = ec2.create_security_group(GroupName="paths-web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return public, private, group


def _instance(ec2: Any, iam: Any, name: str, subnet: str, group: str, role: str, public: bool) -> None:
    iam.create_instance_profile(InstanceProfileName=f"{name}-profile")
    iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-profile", RoleName=role)
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group],
                                          "AssociatePublicIpAddress": public}],
                      IamInstanceProfile={"Name": f"{name}-profile"},
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])


def _plant_exposure(ec2: Any, iam: Any, s3: Any) -> list[Expect]:
    s3.create_bucket(Bucket="paths-customer-data")
    write = {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::paths-customer-data/*"}
    _role(iam, "planted-web-role", "ec2.amazonaws.com", write)
    _role(iam, "clean-worker-role", "ec2.amazonaws.com", write)
    public, private, group = _network(ec2)
    _instance(ec2, iam, "planted-exposed-writer", public, group, "planted-web-role", public=True)
    _instance(ec2, iam, "clean-private-writer", private, group, "clean-worker-role", public=False)
    return [Expect("exposed-workload-can-write-data", "compute.instance", "planted-exposed-writer", True),
            Expect("exposed-workload-can-write-data", "compute.instance", "clean-private-writer", False)]


def _plant_escalation(iam: Any) -> list[Expect]:
    for name in ("planted-self-attacher", "clean-lister"):
        iam.create_user(UserName=name)
    iam.put_user_policy(UserName="planted-self-attacher", PolicyName="self-admin", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": f"arn:aws:iam::{ACCOUNT}:user/planted-self-attacher"}))
    iam.put_user_policy(UserName="clean-lister", PolicyName="list", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}))
    return [Expect("principal-can-escalate-to-admin", "identity.user", "planted-self-attacher", True),
            Expect("principal-can-escalate-to-admin", "identity.user", "clean-lister", False)]


def _plant_trust(iam: Any) -> list[Expect]:
    vendor = {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"}
    iam.create_role(RoleName="planted-vendor-role", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": vendor, "Action": "sts:AssumeRole"}))
    iam.create_role(RoleName="clean-vendor-role", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": vendor, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "c0ffee-tenant-42"}}}))
    return [Expect("role-trust-without-external-id", "identity.role", "planted-vendor-role", True),
            Expect("role-trust-without-external-id", "identity.role", "clean-vendor-role", False)]


def _plant_pipeline(iam: Any, s3: Any) -> list[Expect]:
    sm = boto3.client("sagemaker", region_name=REGION)
    for bucket in ("paths-training-data", "paths-model-artifacts"):
        s3.create_bucket(Bucket=bucket)
    pipeline = _role(iam, "paths-pipeline-role", "sagemaker.amazonaws.com", {
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::paths-training-data", "arn:aws:s3:::paths-training-data/*",
                     "arn:aws:s3:::paths-model-artifacts", "arn:aws:s3:::paths-model-artifacts/*"]})
    iam.create_user(UserName="planted-data-writer")
    iam.put_user_policy(UserName="planted-data-writer", PolicyName="poison", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::paths-training-data/*"}))
    image = "382416733822.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
    sm.create_training_job(
        TrainingJobName="paths-churn-training", RoleArn=pipeline,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://paths-training-data/churn/"}}}],
        OutputDataConfig={"S3OutputPath": "s3://paths-model-artifacts/churn/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    sm.create_model(ModelName="paths-churn-model", ExecutionRoleArn=pipeline, PrimaryContainer={
        "Image": image, "ModelDataUrl": "s3://paths-model-artifacts/churn/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="paths-churn-config", ProductionVariants=[{
        "VariantName": "main", "ModelName": "paths-churn-model", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="paths-churn-endpoint", EndpointConfigName="paths-churn-config")
    return [Expect("ai-endpoint-training-data-writable", "ai.endpoint", "paths-churn-endpoint", True)]


def plant() -> list[Expect]:
    """Create the attack-path estate; returns what the path policies must and must not report."""
    ec2 = boto3.client("ec2", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    return _plant_exposure(ec2, iam, s3) + _plant_escalation(iam) + _plant_trust(iam) + _plant_pipeline(iam, s3)
