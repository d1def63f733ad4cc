"""SageMaker collection through boto3 against moto."""

from __future__ import annotations

import boto3
import msgspec

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec"
SM_ARN = "arn:aws:sagemaker:us-east-1:123456789012:{}"


def _sm():
    return boto3.client("sagemaker", region_name=REGION)


def _key() -> str:
    return boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]


def _collect() -> Snapshot:
    return collect_aws(AwsScope(regions=[REGION], services=["sagemaker"]), "test")


def _network() -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24")["Subnet"]["SubnetId"]
    return subnet, ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]


def _training_job(name: str, **kwargs) -> str:
    _sm().create_training_job(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
                                "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://training-data-bucket/train/"}}}],
        StoppingCondition={"MaxRuntimeInSeconds": 3600}, **kwargs,
    )
    return SM_ARN.format(f"training-job/{name}")


def test_default_notebook_has_direct_internet_and_root_access_without_a_customer_key(aws: str) -> None:
    _sm().create_notebook_instance(NotebookInstanceName="open-notebook", InstanceType="ml.t3.medium", RoleArn=ROLE)
    props = _collect().node_index()[SM_ARN.format("notebook-instance/open-notebook")].props
    assert (props["direct_internet_access"], props["root_access"]) == (True, True)
    assert props["encryption"]["customer_managed"] is False


def test_locked_down_notebook_reports_its_facets_and_placement(aws: str) -> None:
    subnet, sg = _network()
    key = _key()
    _sm().create_notebook_instance(
        NotebookInstanceName="closed-notebook", InstanceType="ml.t3.medium", RoleArn=ROLE, SubnetId=subnet,
        SecurityGroupIds=[sg], DirectInternetAccess="Disabled", RootAccess="Disabled", KmsKeyId=key,
    )
    snapshot = _collect()
    arn = SM_ARN.format("notebook-instance/closed-notebook")
    props = snapshot.node_index()[arn].props
    assert (props["direct_internet_access"], props["root_access"]) == (False, False)
    assert props["encryption"] == {"at_rest": True, "key_id": key, "customer_managed": True}
    prefix = "arn:aws:ec2:us-east-1:123456789012:"
    assert {(arn, ROLE, "runs_as"), (arn, f"{prefix}subnet/{subnet}", "in_subnet"), (arn, key, "encrypted_by"),
            (arn, f"{prefix}security-group/{sg}", "protected_by")} <= {e.key for e in snapshot.edges}


def test_model_reads_its_artifact_bucket_and_runs_as_its_role(aws: str) -> None:
    _sm().create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                       PrimaryContainer={"Image": "img:1", "ModelDataUrl": "s3://model-artifacts/churn/model.tar.gz"})
    snapshot = _collect()
    arn = SM_ARN.format("model/churn-model")
    assert snapshot.node_index()[arn].props["artifact"] == "s3://model-artifacts/churn/model.tar.gz"
    edges = {e.key: e for e in snapshot.edges}
    assert edges[(arn, "arn:aws:s3:::model-artifacts", "reads_from")].detail == {
        "uri": "s3://model-artifacts/churn/model.tar.gz"}
    assert (arn, ROLE, "runs_as") in edges


def test_endpoint_takes_its_encryption_from_its_config_and_reads_its_model(aws: str) -> None:
    key = _key()
    sm = _sm()
    sm.create_model(ModelName="served-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    variants = [{"VariantName": "main", "ModelName": "served-model", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.large"}]
    sm.create_endpoint_config(EndpointConfigName="keyed-config", ProductionVariants=variants, KmsKeyId=key)
    sm.create_endpoint_config(EndpointConfigName="plain-config", ProductionVariants=variants)
    sm.create_endpoint(EndpointName="keyed-endpoint", EndpointConfigName="keyed-config")
    sm.create_endpoint(EndpointName="plain-endpoint", EndpointConfigName="plain-config")
    snapshot = _collect()
    nodes = snapshot.node_index()
    keyed = nodes[SM_ARN.format("endpoint/keyed-endpoint")].props
    assert keyed["encryption"] == {"at_rest": True, "key_id": key, "customer_managed": True}
    assert keyed["endpoint_config"] == "keyed-config"
    assert nodes[SM_ARN.format("endpoint/plain-endpoint")].props["encryption"]["customer_managed"] is False
    assert (SM_ARN.format("endpoint/keyed-endpoint"), SM_ARN.format("model/served-model"), "reads_from") in {
        e.key for e in snapshot.edges}


def test_training_job_reads_its_inputs_and_writes_its_output(aws: str) -> None:
    arn = _training_job("lineage-job", OutputDataConfig={"S3OutputPath": "s3://model-output-bucket/jobs/"},
                        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10})
    snapshot = _collect()
    edges = {e.key: e for e in snapshot.edges}
    assert edges[(arn, "arn:aws:s3:::training-data-bucket", "reads_from")].detail == {
        "uri": "s3://training-data-bucket/train/"}
    assert edges[(arn, "arn:aws:s3:::model-output-bucket", "writes_to")].detail == {
        "uri": "s3://model-output-bucket/jobs/"}
    props = snapshot.node_index()[arn].props
    assert (props["inputs"], props["output"]) == (["s3://training-data-bucket/train/"], "s3://model-output-bucket/jobs/")


def test_training_job_without_isolation_or_keys_reports_each_gap(aws: str) -> None:
    arn = _training_job("loose-job", OutputDataConfig={"S3OutputPath": "s3://model-output-bucket/jobs/"},
                        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10})
    props = _collect().node_index()[arn].props
    assert (props["network_isolation"], props["inter_container_encryption"]) == (False, False)
    assert props["encryption"]["customer_managed"] is False


def test_hardened_training_job_is_isolated_and_encrypted_with_customer_keys(aws: str) -> None:
    key = _key()
    arn = _training_job(
        "hardened-job", OutputDataConfig={"S3OutputPath": "s3://model-output-bucket/jobs/", "KmsKeyId": key},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10, "VolumeKmsKeyId": key},
        EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True,
        HyperParameters={"api_token": "training-hyperparameter-secret"},
    )
    snapshot = _collect()
    props = snapshot.node_index()[arn].props
    assert (props["network_isolation"], props["inter_container_encryption"]) == (True, True)
    assert (props["encryption"]["customer_managed"], props["encryption"]["key_id"]) == (True, key)
    assert b"training-hyperparameter-secret" not in msgspec.json.encode(snapshot)
