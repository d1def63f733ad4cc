"""How EC2-family resources (EC2, ELB) become nodes: ARNs, Name tags, JSON-safe payloads.

Not a registered service: ``ec2`` and ``elb`` call into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload as plain
from cloudwarden.providers.aws.payload import tag_map

__all__ = ["collect_family", "detail_list", "display_name", "ec2_arn", "emit", "plain", "tag_map"]

T = TypeVar("T")


def ec2_arn(ctx: AwsContext, resource_type: str, resource_id: str, account: str | None = None) -> str:
    """The ARN of an EC2 resource, e.g. ``arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1``."""
    return ctx.arn("ec2", f"{resource_type}/{resource_id}", account=account)


def display_name(tags: dict[str, str], fallback: str) -> str:
    """The Name tag when present (how people know EC2 resources), else ``fallback``."""
    return tags.get("Name") or fallback


def emit(ctx: AwsContext, node: Node) -> str:
    """Add a collected node and the account's ``contains`` edge to it; returns its id."""
    ctx.add(node)
    ctx.edge(ctx.account_id, node.id, "contains")
    return node.id


def detail_list(
    ctx: AwsContext, client: Any, operation: str, key: str, *, resource: str, **kwargs: Any
) -> list[Any] | None:
    """Every item of a paginated per-resource listing, or None (and a coverage gap) when it fails.

    A failing detail listing (one load balancer's listeners) must not hide the
    other resources, unlike a failing top-level listing, which is let raise.
    """
    try:
        return list(ctx.paginate(client, operation, key, **kwargs))
    except (ClientError, BotoCoreError) as exc:
        ctx.record_gap(exc, operation=operation, resource=resource)
        return None


def collect_family(ctx: AwsContext, step: Callable[[], T]) -> T | None:
    """Run one resource family's listing; its failure becomes a coverage gap and collection goes on.

    One denied listing (say DescribeAddresses) must not hide the region's other
    resources; the family's own result is then None (unknown).
    """
    try:
        return step()
    except (ClientError, BotoCoreError) as exc:
        ctx.record_gap(exc, operation=getattr(exc, "operation_name", None))
        return None
