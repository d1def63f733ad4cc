"""Data, serverless, logging and AI estate in us-east-1: planted misconfigurations next to clean twins.

S3 buckets, RDS instances, Lambda functions, CloudTrail trails and SageMaker
notebooks, endpoints and training jobs. The account-level S3 public access block
is deliberately left unset: it would hide the bucket-level cases.

Reading the account block goes through ``s3control``, whose host botocore prefixes
with the account id (``123456789012.127.0.0.1``); the run needs that name to
resolve to moto, or the bucket exposure facets stay unknown (see the s3 tests).
moto ignores ``EnableNetworkIsolation`` on ``CreateModel``, so no model policy is planted.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

from tests.estates import Expect

REGION = "us-east-1"
ACCOUNT = "123456789012"
CONFIDENTIAL = [{"Key": "data-classification", "Value": "confidential"}]
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}
LOG_BUCKET = "clean-kms-bucket"  # the clean bucket also receives the trails' logs and holds the ML data


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _statement(bucket: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*", **extra}


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _tls_only(bucket: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _sse(algorithm: str, key: str | None = None) -> dict[str, Any]:
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}


def _plant_buckets(key: str) -> list[Expect]:
    s3 = boto3.client("s3", region_name=REGION)
    for name in ("planted-unencrypted-bucket", "planted-confidential-sse-s3", "planted-public-acl-bucket",
                 "planted-public-policy-bucket", "clean-vpce-policy-bucket", "clean-kms-bucket"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(Bucket="planted-confidential-sse-s3", ServerSideEncryptionConfiguration=_sse("AES256"))
    s3.put_bucket_tagging(Bucket="planted-confidential-sse-s3", Tagging={"TagSet": CONFIDENTIAL})
    s3.put_bucket_acl(Bucket="planted-public-acl-bucket", ACL="public-read")
    s3.put_bucket_policy(Bucket="planted-public-policy-bucket", Policy=_policy(_statement("planted-public-policy-bucket")))
    s3.put_bucket_policy(Bucket="clean-vpce-policy-bucket", Policy=_policy(_statement(
        "clean-vpce-policy-bucket", Condition={"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890"}})))
    clean = "clean-kms-bucket"
    s3.put_bucket_encryption(Bucket=clean, ServerSideEncryptionConfiguration=_sse("aws:kms", key))
    s3.put_bucket_tagging(Bucket=clean, Tagging={"TagSet": CONFIDENTIAL})
    s3.put_bucket_policy(Bucket=clean, Policy=_policy(_tls_only(clean)))
    s3.put_bucket_versioning(Bucket=clean, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=clean, PublicAccessBlockConfiguration=ALL_BLOCKED)
    kind = "storage.bucket"
    return [
        Expect("storage-encrypted-at-rest", kind, "planted-unencrypted-bucket", True),
        Expect("storage-encrypted-at-rest", kind, clean, False),
        Expect("storage-encrypted-with-cmk", kind, "planted-confidential-sse-s3", True),
        Expect("storage-encrypted-with-cmk", kind, clean, False),
        Expect("storage-tls-only", kind, "planted-unencrypted-bucket", True),
        Expect("storage-tls-only", kind, clean, False),
        Expect("storage-not-public-by-acl", kind, "planted-public-acl-bucket", True),
        Expect("storage-not-public-by-acl", kind, clean, False),
        Expect("storage-not-public-by-policy", kind, "planted-public-policy-bucket", True),
        Expect("storage-not-public-by-policy", kind, "clean-vpce-policy-bucket", False),
        Expect("storage-not-public-by-policy", kind, clean, False),
        Expect("storage-public-access-blocked", kind, "planted-unencrypted-bucket", True),
        Expect("storage-public-access-blocked", kind, clean, False),
        Expect("storage-versioning-enabled", kind, "planted-unencrypted-bucket", True),
        Expect("storage-versioning-enabled", kind, clean, False),
    ]


def _plant_databases(key: str) -> list[Expect]:
    rds = boto3.client("rds", region_name=REGION)
    common = {"Engine": "postgres", "DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20,
              "MasterUsername": "dbadmin", "MasterUserPassword": "Planted-db-passw0rd-not-a-secret"}
    rds.create_db_instance(DBInstanceIdentifier="planted-public-db", PubliclyAccessible=True,
                           BackupRetentionPeriod=0, **common)
    rds.create_db_instance(DBInstanceIdentifier="clean-private-db", PubliclyAccessible=False, StorageEncrypted=True,
                           KmsKeyId=key, BackupRetentionPeriod=7, **common)
    expects = []
    for policy in ("database-encrypted", "database-not-public", "database-backups-enabled"):
        expects += [Expect(policy, "database.instance", "planted-public-db", True),
                    Expect(policy, "database.instance", "clean-private-db", False)]
    return expects


def _function_code() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def _plant_functions() -> list[Expect]:
    role = boto3.client("iam").create_role(
        RoleName="data-estate-function-role", AssumeRolePolicyDocument=_trust("lambda.amazonaws.com"))["Role"]["Arn"]
    fn = boto3.client("lambda", region_name=REGION)
    for name in ("planted-public-function", "clean-function"):
        fn.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                           Code={"ZipFile": _function_code()})
    fn.add_permission(FunctionName="planted-public-function", StatementId="anyone",
                      Action="lambda:InvokeFunction", Principal="*")
    fn.add_permission(FunctionName="clean-function", StatementId="uploads", Action="lambda:InvokeFunction",
                      Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{LOG_BUCKET}", SourceAccount=ACCOUNT)
    return [Expect("function-not-public", "compute.function", "planted-public-function", True),
            Expect("function-not-public", "compute.function", "clean-function", False)]


def _plant_trails(key: str) -> list[Expect]:
    ct = boto3.client("cloudtrail", region_name=REGION)
    ct.create_trail(Name="planted-trail", S3BucketName=LOG_BUCKET)
    ct.create_trail(Name="clean-trail", S3BucketName=LOG_BUCKET, IsMultiRegionTrail=True,
                    EnableLogFileValidation=True, KmsKeyId=key)
    ct.start_logging(Name="clean-trail")
    expects = []
    for policy in ("trail-log-validation", "trail-logging-enabled", "trail-encrypted-with-cmk"):
        expects += [Expect(policy, "logging.trail", "planted-trail", True),
                    Expect(policy, "logging.trail", "clean-trail", False)]
    # The clean multi-region trail logs every region of the account.
    expects += [Expect("account-cloudtrail-all-regions", "account", ACCOUNT, False),
                Expect("account-cloudtrail-multi-region", "account", ACCOUNT, False)]
    return expects


def _default_subnet_and_group() -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    group = ec2.create_security_group(GroupName="clean-notebook-sg", Description="notebook, no ingress",
                                      VpcId=subnet["VpcId"])["GroupId"]
    return subnet["SubnetId"], group


def _plant_notebooks(sm: Any, role: str, key: str) -> list[Expect]:
    subnet, group = _default_subnet_and_group()
    sm.create_notebook_instance(NotebookInstanceName="planted-notebook", InstanceType="ml.t3.medium", RoleArn=role)
    sm.create_notebook_instance(NotebookInstanceName="clean-notebook", InstanceType="ml.t3.medium", RoleArn=role,
                                SubnetId=subnet, SecurityGroupIds=[group], DirectInternetAccess="Disabled",
                                RootAccess="Disabled", KmsKeyId=key)
    expects = []
    for policy in ("ai-notebook-no-direct-internet", "ai-notebook-no-root-access", "ai-notebook-encrypted-with-cmk"):
        expects += [Expect(policy, "ai.notebook", "planted-notebook", True),
                    Expect(policy, "ai.notebook", "clean-notebook", False)]
    return expects


def _plant_endpoints(sm: Any, role: str, key: str) -> list[Expect]:
    sm.create_model(ModelName="estate-model", ExecutionRoleArn=role, PrimaryContainer={
        "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/serve:1",
        "ModelDataUrl": f"s3://{LOG_BUCKET}/models/model.tar.gz"})
    variants = [{"VariantName": "main", "ModelName": "estate-model", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.large"}]
    sm.create_endpoint_config(EndpointConfigName="planted-endpoint-config", ProductionVariants=variants)
    sm.create_endpoint_config(EndpointConfigName="clean-endpoint-config", ProductionVariants=variants, KmsKeyId=key)
    sm.create_endpoint(EndpointName="planted-endpoint", EndpointConfigName="planted-endpoint-config")
    sm.create_endpoint(EndpointName="clean-endpoint", EndpointConfigName="clean-endpoint-config")
    return [Expect("ai-endpoint-encrypted-with-cmk", "ai.endpoint", "planted-endpoint", True),
            Expect("ai-endpoint-encrypted-with-cmk", "ai.endpoint", "clean-endpoint", False)]


def _plant_training_jobs(sm: Any, role: str, key: str) -> list[Expect]:
    def job(name: str, key_id: str | None, hardened: bool) -> None:
        output: dict[str, Any] = {"S3OutputPath": f"s3://{LOG_BUCKET}/output/"}
        resources: dict[str, Any] = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
        if key_id:
            output["KmsKeyId"] = key_id
            resources["VolumeKmsKeyId"] = key_id
        sm.create_training_job(
            TrainingJobName=name, RoleArn=role, OutputDataConfig=output, ResourceConfig=resources,
            AlgorithmSpecification={"TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1",
                                    "TrainingInputMode": "File"},
            InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{LOG_BUCKET}/train/"}}}],
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            EnableNetworkIsolation=hardened, EnableInterContainerTrafficEncryption=hardened,
        )

    job("planted-training-job", None, hardened=False)
    job("clean-training-job", key, hardened=True)
    expects = []
    for policy in ("ai-training-job-network-isolation", "ai-training-job-inter-container-encryption",
                   "ai-training-job-encrypted-with-cmk"):
        expects += [Expect(policy, "ai.training_job", "planted-training-job", True),
                    Expect(policy, "ai.training_job", "clean-training-job", False)]
    return expects


def plant() -> list[Expect]:
    """Create the estate in the moto server the environment points at; say what must (not) be reported."""
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="data estate customer key")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    role = boto3.client("iam").create_role(
        RoleName="data-estate-sagemaker-role", AssumeRolePolicyDocument=_trust("sagemaker.amazonaws.com"))["Role"]["Arn"]
    sm = boto3.client("sagemaker", region_name=REGION)
    return [
        *_plant_buckets(key),
        *_plant_databases(key),
        *_plant_functions(),
        *_plant_trails(key),
        *_plant_notebooks(sm, role, key),
        *_plant_endpoints(sm, role, key),
        *_plant_training_jobs(sm, role, key),
    ]
