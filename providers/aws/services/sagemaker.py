"""SageMaker: notebook instances, models, endpoints (with their endpoint configs) and training jobs.

Each resource is listed, then described one by one (list calls return summaries
only). A failed describe keeps the resource as a node with unknown facets and
records the gap. Training jobs' environment and hyperparameters can carry
secrets, so they never reach ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload, tag_map
from cloudwarden.providers.aws.references import kms_key_arn, link_buckets, link_key, link_network, link_role
from cloudwarden.providers.aws.services import ServiceSpec

# Fields of describe responses that may hold secrets (training/model environments, hyperparameters).
SECRET_FIELDS = ("Environment", "HyperParameters")


def _key(ctx: AwsContext, ref: str | None) -> str | None:
    """A KMS reference (id, alias or ARN) as an ARN; SageMaker is given the key as the caller wrote it."""
    return kms_key_arn(ref, partition=ctx.partition, region=ctx.region, account=ctx.account) if ref else None


def _tags(ctx: AwsContext, client: Any, arn: str) -> dict[str, str]:
    resp = ctx.call(client, "list_tags", resource=arn, ResourceArn=arn) or {}
    return tag_map(resp.get("Tags"))


def _node(ctx: AwsContext, client: Any, kind: str, native: str, arn: str, name: str, props: dict[str, Any],
          raw: dict[str, Any]) -> Node:
    ctx.edge(ctx.account_id, arn, "contains")
    return Node(id=arn, cloud="aws", kind=kind, native_type=native, name=name, tags=_tags(ctx, client, arn),
                props=props, raw=raw_payload(raw, drop=SECRET_FIELDS))


def notebook_node(ctx: AwsContext, client: Any, nb: dict[str, Any]) -> Node:
    """Normalize one notebook instance (``DescribeNotebookInstance``)."""
    arn = nb["NotebookInstanceArn"]
    key = _key(ctx, nb.get("KmsKeyId"))
    link_role(ctx, arn, nb.get("RoleArn"))
    link_network(ctx, arn, ctx.region, subnets=[nb.get("SubnetId") or ""], security_groups=nb.get("SecurityGroups", []))
    link_key(ctx, arn, key)
    props = {
        # Both settings default to Enabled when the notebook is created without them.
        "direct_internet_access": (nb.get("DirectInternetAccess") or "Enabled") == "Enabled",
        "root_access": (nb.get("RootAccess") or "Enabled") == "Enabled",
        "encryption": {"at_rest": True, "key_id": key, "customer_managed": bool(key)},
        "instance_type": nb.get("InstanceType"),
        "lifecycle_config": nb.get("NotebookInstanceLifecycleConfigName"),
        "status": nb.get("NotebookInstanceStatus"),
    }
    return _node(ctx, client, "ai.notebook", "AWS::SageMaker::NotebookInstance", arn, nb["NotebookInstanceName"],
                 props, nb)


def _model_artifacts(model: dict[str, Any]) -> list[str]:
    containers = [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]
    uris = []
    for container in containers:
        source = ((container.get("ModelDataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
        for uri in (container.get("ModelDataUrl"), source):
            if uri and uri not in uris:
                uris.append(uri)
    return uris


def model_node(ctx: AwsContext, client: Any, model: dict[str, Any]) -> Node:
    """Normalize one model (``DescribeModel``): where its artifact comes from and who it runs as."""
    arn = model["ModelArn"]
    artifacts = _model_artifacts(model)
    vpc = model.get("VpcConfig") or {}
    link_role(ctx, arn, model.get("ExecutionRoleArn"))
    link_buckets(ctx, arn, artifacts, "reads_from")
    link_network(ctx, arn, ctx.region, subnets=vpc.get("Subnets", []), security_groups=vpc.get("SecurityGroupIds", []))
    props = {
        "network_isolation": model.get("EnableNetworkIsolation"),
        "artifact": artifacts[0] if artifacts else None,
        "artifacts": artifacts,
    }
    return _node(ctx, client, "ai.model", "AWS::SageMaker::Model", arn, model["ModelName"], props, model)


def endpoint_node(
    ctx: AwsContext, client: Any, endpoint: dict[str, Any], config: dict[str, Any] | None, model_arns: dict[str, str]
) -> Node:
    """Normalize one endpoint with its endpoint config folded in (encryption key, variants' models)."""
    arn = endpoint["EndpointArn"]
    encryption: dict[str, Any] = {"at_rest": None, "key_id": None, "customer_managed": None}
    if config is not None:
        key = _key(ctx, config.get("KmsKeyId"))
        encryption = {"at_rest": True, "key_id": key, "customer_managed": bool(key)}
        link_key(ctx, arn, key)
        for variant in config.get("ProductionVariants", []):
            name = variant.get("ModelName")
            if name:
                # SageMaker writes names in ARNs in lower case; the listing gives the exact ARN when it can.
                model = model_arns.get(name) or ctx.arn("sagemaker", f"model/{name.lower()}")
                ctx.edge(arn, ctx.reference(model, "ai.model", name), "reads_from", variant=variant.get("VariantName"))
    props = {
        "encryption": encryption,
        "endpoint_config": endpoint.get("EndpointConfigName"),
        "status": endpoint.get("EndpointStatus"),
    }
    raw = {**endpoint, "EndpointConfig": config}
    return _node(ctx, client, "ai.endpoint", "AWS::SageMaker::Endpoint", arn, endpoint["EndpointName"], props, raw)


def training_job_node(ctx: AwsContext, client: Any, job: dict[str, Any]) -> Node:
    """Normalize one training job: isolation, encryption, and the data it reads and writes."""
    arn = job["TrainingJobArn"]
    output = job.get("OutputDataConfig") or {}
    output_key = _key(ctx, output.get("KmsKeyId"))
    volume_key = _key(ctx, (job.get("ResourceConfig") or {}).get("VolumeKmsKeyId"))
    inputs = [
        uri
        for channel in job.get("InputDataConfig", [])
        if (uri := ((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
    ]
    vpc = job.get("VpcConfig") or {}
    link_role(ctx, arn, job.get("RoleArn"))
    link_buckets(ctx, arn, inputs, "reads_from")
    link_buckets(ctx, arn, [output.get("S3OutputPath")], "writes_to")
    link_key(ctx, arn, output_key)
    link_key(ctx, arn, volume_key)
    link_network(ctx, arn, ctx.region, subnets=vpc.get("Subnets", []), security_groups=vpc.get("SecurityGroupIds", []))
    props = {
        "network_isolation": bool(job.get("EnableNetworkIsolation")),
        "inter_container_encryption": bool(job.get("EnableInterContainerTrafficEncryption")),
        "encryption": {
            "at_rest": True,
            "key_id": output_key,
            "volume_key_id": volume_key,
            # Both the model artifacts and the training volume must use a customer key.
            "customer_managed": bool(output_key and volume_key),
        },
        "inputs": inputs,
        "output": output.get("S3OutputPath"),
        "status": job.get("TrainingJobStatus"),
    }
    return _node(ctx, client, "ai.training_job", "AWS::SageMaker::TrainingJob", arn, job["TrainingJobName"], props, job)


def _described(
    ctx: AwsContext, client: Any, summary: dict[str, Any], arn_field: str, name_field: str, operation: str,
    kind: str, native: str, build: Callable[[dict[str, Any]], Node],
) -> Node:
    """Describe one listed resource and normalize it, or keep it with unknown facets when describe fails."""
    arn, name = summary[arn_field], summary[name_field]
    detail = ctx.call(client, operation, resource=arn, **{name_field: name})
    if detail is None:
        ctx.edge(ctx.account_id, arn, "contains")
        return Node(id=arn, cloud="aws", kind=kind, native_type=native, name=name, raw=raw_payload(summary))
    return build(detail)


def collect(ctx: AwsContext) -> None:
    """Models first (endpoints refer to them by name), then notebooks, endpoints and training jobs."""
    sm = ctx.client()
    model_arns: dict[str, str] = {}
    for summary in ctx.paginate(sm, "list_models", "Models"):
        model_arns[summary["ModelName"]] = summary["ModelArn"]
        ctx.add(_described(ctx, sm, summary, "ModelArn", "ModelName", "describe_model", "ai.model",
                           "AWS::SageMaker::Model", lambda d: model_node(ctx, sm, d)))
    for summary in ctx.paginate(sm, "list_notebook_instances", "NotebookInstances"):
        ctx.add(_described(ctx, sm, summary, "NotebookInstanceArn", "NotebookInstanceName",
                           "describe_notebook_instance", "ai.notebook", "AWS::SageMaker::NotebookInstance",
                           lambda d: notebook_node(ctx, sm, d)))
    configs: dict[str, dict[str, Any] | None] = {}

    def endpoint(detail: dict[str, Any]) -> Node:
        name = detail.get("EndpointConfigName")
        if name and name not in configs:
            configs[name] = ctx.call(sm, "describe_endpoint_config", resource=ctx.arn("sagemaker", f"endpoint-config/{name}"),
                                     EndpointConfigName=name)
        return endpoint_node(ctx, sm, detail, configs.get(name) if name else None, model_arns)

    for summary in ctx.paginate(sm, "list_endpoints", "Endpoints"):
        ctx.add(_described(ctx, sm, summary, "EndpointArn", "EndpointName", "describe_endpoint", "ai.endpoint",
                           "AWS::SageMaker::Endpoint", endpoint))
    for summary in ctx.paginate(sm, "list_training_jobs", "TrainingJobSummaries"):
        ctx.add(_described(ctx, sm, summary, "TrainingJobArn", "TrainingJobName", "describe_training_job",
                           "ai.training_job", "AWS::SageMaker::TrainingJob", lambda d: training_job_node(ctx, sm, d)))


SERVICE = ServiceSpec("sagemaker", "regional", collect, "SageMaker notebooks, models, endpoints and training jobs")
