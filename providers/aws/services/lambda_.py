"""Lambda functions: runtime, public function URLs and resource policies, identity and network placement.

Environment variables are secrets as often as not: only their names are kept
(``props.environment_keys``); values never reach the node, its ``raw`` or the snapshot.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.errors import error_code
from cloudwarden.providers.aws.payload import fetch, raw_payload
from cloudwarden.providers.aws.references import link_key, link_network, link_role
from cloudwarden.providers.aws.resource_policy import allows_public, any_public, normalize_policy
from cloudwarden.providers.aws.services import ServiceSpec

# Error codes of an endpoint that does not implement ListFunctionUrlConfigs
# (moto answers a bare 404); the unqualified GetFunctionUrlConfig still works there.
_LIST_UNSUPPORTED = frozenset({"404", "UnknownOperationException", "InvalidAction", "NotImplemented"})


class FunctionUrls:
    """Reads the URL configurations of functions, with one fallback for endpoints lacking the list call."""

    def __init__(self, ctx: AwsContext, client: Any) -> None:
        self._ctx = ctx
        self._client = client
        self._list_supported = True

    def of(self, arn: str) -> list[dict[str, Any]] | None:
        """Every URL of the function and its aliases ([] when none, None when unreadable)."""
        ctx = self._ctx
        if self._list_supported:
            try:
                return list(ctx.paginate(self._client, "list_function_url_configs", "FunctionUrlConfigs", FunctionName=arn))
            except ClientError as exc:
                if error_code(exc) not in _LIST_UNSUPPORTED:
                    ctx.record_gap(exc, operation="list_function_url_configs", resource=arn)
                    return None
                self._list_supported = False
            except BotoCoreError as exc:
                ctx.record_gap(exc, operation="list_function_url_configs", resource=arn)
                return None
        outcome, resp = fetch(
            ctx, self._client, "get_function_url_config", arn, absent=("ResourceNotFoundException",), FunctionName=arn
        )
        if outcome == "failed":
            return None
        return [resp] if resp else []


def url_facet(urls: list[dict[str, Any]] | None) -> tuple[dict[str, Any] | None, bool | None]:
    """(function_url facet, whether a URL is open without auth); the facet is null when there is no URL."""
    if urls is None:
        return None, None
    if not urls:
        return None, False
    auth_types = [str(u.get("AuthType", "")) for u in urls]
    open_url = "NONE" in auth_types
    return {"auth_type": "NONE" if open_url else auth_types[0], "urls": [u.get("FunctionUrl") for u in urls]}, open_url


def policy_facts(ctx: AwsContext, client: Any, arn: str) -> tuple[dict[str, Any] | None, bool | None]:
    """(normalized resource policy, whether it lets anyone invoke the function)."""
    outcome, resp = fetch(ctx, client, "get_policy", arn, absent=("ResourceNotFoundException",), FunctionName=arn)
    if outcome == "failed":
        return None, None
    try:
        policy = normalize_policy(resp["Policy"]) if resp and resp.get("Policy") else None
    except ValueError as exc:  # an unreadable document must not read as "no policy"
        ctx.record_gap(exc, operation="get_policy", resource=arn)
        return None, None
    return policy, allows_public(policy)


def function_node(ctx: AwsContext, client: Any, fn: dict[str, Any], urls: FunctionUrls) -> Node:
    """Normalize one function configuration (``ListFunctions`` item)."""
    arn = fn["FunctionArn"]
    function_url, open_url = url_facet(urls.of(arn))
    policy, by_policy = policy_facts(ctx, client, arn)
    tags = (ctx.call(client, "list_tags", resource=arn, Resource=arn) or {}).get("Tags") or {}
    key_arn = fn.get("KMSKeyArn")
    vpc = fn.get("VpcConfig") or {}

    link_role(ctx, arn, fn.get("Role"))
    link_key(ctx, arn, key_arn)
    if vpc.get("VpcId") or vpc.get("SubnetIds"):
        link_network(ctx, arn, ctx.region, vpc=vpc.get("VpcId") or None,
                     subnets=vpc.get("SubnetIds", []), security_groups=vpc.get("SecurityGroupIds", []))
    ctx.edge(ctx.account_id, arn, "contains")
    return Node(
        id=arn,
        cloud="aws",
        kind="compute.function",
        native_type="AWS::Lambda::Function",
        name=fn["FunctionName"],
        tags={str(k): str(v) for k, v in tags.items()},
        props={
            "runtime": fn.get("Runtime"),
            "package_type": fn.get("PackageType"),
            "function_url": function_url,
            "public_by_policy": by_policy,
            "public": any_public(open_url, by_policy),
            "policy": policy,
            # Lambda always encrypts environment variables at rest; a KMS key ARN appears only for a customer key.
            "encryption": {"at_rest": True, "key_id": key_arn, "customer_managed": bool(key_arn)},
            "environment_keys": sorted(((fn.get("Environment") or {}).get("Variables") or {}).keys()),
        },
        raw=raw_payload(fn, drop=("Environment",)),
    )


def collect(ctx: AwsContext) -> None:
    """Every function ($LATEST) of the region."""
    client = ctx.client()
    urls = FunctionUrls(ctx, client)
    for fn in ctx.paginate(client, "list_functions", "Functions"):
        ctx.add(function_node(ctx, client, fn, urls))


SERVICE = ServiceSpec("lambda", "regional", collect, "Lambda functions, URLs and resource policies")
