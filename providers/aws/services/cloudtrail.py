"""CloudTrail trails: scope, integrity validation, logging status, encryption and where logs go.

Each trail is collected once, in its home region. ``DescribeTrails`` is asked
with shadow trails included and only trails whose ``HomeRegion`` is this task's
region are kept: excluding shadow trails would also hide an organization trail
from its member accounts (AWS counts it as a shadow there), and that trail is
often the only one logging a member account. An organization trail seen from a
member account keeps its owner (the management account) as ``account``.

The account-wide summary (``account.props.cloudtrail``) is derived from these
nodes after the merge, in ``providers/aws/finalize.py``.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload, tag_map
from cloudwarden.providers.aws.references import bucket_arn, link_key
from cloudwarden.providers.aws.services import ServiceSpec


def trail_node(ctx: AwsContext, client: Any, trail: dict[str, Any]) -> Node:
    """Normalize one trail and link it to its bucket and key."""
    arn = trail["TrailARN"]
    owner = arn.split(":")[4] or ctx.account
    status = ctx.call(client, "get_trail_status", resource=arn, Name=arn)
    tags: dict[str, str] = {}
    if owner == ctx.account:  # tags of another account's (organization) trail are not ours to read
        resp = ctx.call(client, "list_tags", resource=arn, ResourceIdList=[arn]) or {}
        for entry in resp.get("ResourceTagList", []):
            tags.update(tag_map(entry.get("TagsList")))
    key_id = trail.get("KmsKeyId")
    log_group = trail.get("CloudWatchLogsLogGroupArn")
    bucket = trail.get("S3BucketName")
    if bucket:
        target = ctx.reference(bucket_arn(ctx.partition, bucket), "storage.bucket", bucket)
        prefix = {"prefix": trail["S3KeyPrefix"]} if trail.get("S3KeyPrefix") else {}
        ctx.edge(arn, target, "writes_to", **prefix)
    link_key(ctx, arn, key_id)
    if owner == ctx.account:
        ctx.edge(ctx.account_id, arn, "contains")
    return Node(
        id=arn,
        cloud="aws",
        kind="logging.trail",
        native_type="AWS::CloudTrail::Trail",
        account=owner,
        region=trail.get("HomeRegion") or ctx.region,
        name=trail.get("Name", arn.rsplit("/", 1)[-1]),
        tags=tags,
        props={
            "multi_region": trail.get("IsMultiRegionTrail"),
            "log_validation": trail.get("LogFileValidationEnabled"),
            "logging": {"enabled": None if status is None else bool(status.get("IsLogging"))},
            # CloudTrail log files are always encrypted at rest (SSE-S3 unless a KMS key is set).
            "encryption": {"at_rest": True, "key_id": key_id, "customer_managed": bool(key_id)},
            "cloudwatch_logs": bool(log_group),
            "cloudwatch_log_group": log_group,
            "s3_bucket": bucket,
            "organization_trail": trail.get("IsOrganizationTrail"),
            "include_global_events": trail.get("IncludeGlobalServiceEvents"),
        },
        raw=raw_payload(trail),
    )


def collect(ctx: AwsContext) -> None:
    """Every trail whose home is this region (including an organization trail seen from a member)."""
    client = ctx.client()
    for trail in ctx.paginate(client, "describe_trails", "trailList", includeShadowTrails=True):
        if trail.get("HomeRegion", ctx.region) == ctx.region:
            ctx.add(trail_node(ctx, client, trail))


SERVICE = ServiceSpec("cloudtrail", "regional", collect, "CloudTrail trails, logging status and encryption")
