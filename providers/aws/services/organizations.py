"""AWS Organizations: the tree of roots, OUs and accounts, and the service control policies on it.

Any account can describe its own organization; only the management account
(or a delegated administrator) can list the tree and the SCPs. A member
account therefore records its organization on the account node and a coverage
gap for the rest, so missing SCPs are never read as "no SCPs".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext, account_node_id
from cloudwarden.providers.aws.errors import error_code
from cloudwarden.providers.aws.payload import raw_payload
from cloudwarden.providers.aws.policy_document import normalize_document, summarize
from cloudwarden.providers.aws.services import ServiceSpec

SCP = "SERVICE_CONTROL_POLICY"
FULL_ACCESS = "FullAWSAccess"


def collect(ctx: AwsContext) -> None:
    """The organization as seen from this account: membership always, the tree and SCPs where readable."""
    org = ctx.client()
    try:
        info = org.describe_organization()["Organization"]
    except ClientError as exc:
        if error_code(exc) != "AWSOrganizationsNotInUseException":
            raise
        ctx.patch(ctx.account_id, {"organization": {"member": False}})
        return
    facet = {
        "member": True,
        "id": info["Id"],
        "arn": info.get("Arn"),
        "master_account": info.get("MasterAccountId"),
        "feature_set": info.get("FeatureSet"),
        "scps_readable": None,
        "scps_enabled": None,
    }
    ctx.patch(ctx.account_id, {"organization": facet})
    try:
        roots = list(ctx.paginate(org, "list_roots", "Roots"))
    except ClientError as exc:
        # A member account that is not a delegated administrator: the tree and SCPs are a gap.
        ctx.record_gap(exc, operation="ListRoots")
        ctx.patch(ctx.account_id, {"organization": {"scps_readable": False}})
        return
    units = _walk_tree(ctx, org, roots)
    if info.get("FeatureSet", "ALL") != "ALL":
        # Consolidated billing only: an organization without policies, so there is nothing to miss.
        ctx.patch(ctx.account_id, {"organization": {"scps_readable": True, "scps_enabled": False}})
        return
    ctx.patch(ctx.account_id, {"organization": {"scps_readable": _collect_scps(ctx, org, units)}})


def _walk_tree(ctx: AwsContext, org: Any, roots: list[dict[str, Any]]) -> dict[str, Node]:
    """Add every root and OU with contains edges down to the accounts; returns SCP target id -> node.

    Accounts are references (whether this run collects them or not); the tree
    is not contained by the management account, since it contains that account.
    """
    units: dict[str, Node] = {}
    for root in roots:
        enabled = [t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"]
        units[root["Id"]] = _add_unit(ctx, root, "AWS::Organizations::Root", {"policy_types": enabled})
        for ou, parent_arn in _descendants(ctx, org, root["Id"], root["Arn"]):
            units[ou["Id"]] = _add_unit(ctx, ou, "AWS::Organizations::OrganizationalUnit", {})
            ctx.edge(parent_arn, ou["Arn"], "contains")
    for parent_id, parent in list(units.items()):
        for account in ctx.paginate(org, "list_accounts_for_parent", "Accounts", ParentId=parent_id):
            ref = _account_ref(ctx, account["Id"], account.get("Name", ""))
            ctx.edge(parent.id, ref.id, "contains")
            units[account["Id"]] = ref
    return units


def _account_ref(ctx: AwsContext, account: str, name: str = "") -> Node:
    node_id = ctx.reference(account_node_id(ctx.partition, account), "account", name or account, account=account)
    return Node(id=node_id, cloud="aws", kind="account", reference=True)


def _descendants(ctx: AwsContext, org: Any, parent_id: str, parent_arn: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every OU below a parent, each with its parent's ARN, breadth first."""
    queue = [(parent_id, parent_arn)]
    while queue:
        pid, parn = queue.pop(0)
        for ou in ctx.paginate(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=pid):
            yield ou, parn
            queue.append((ou["Id"], ou["Arn"]))


def _add_unit(ctx: AwsContext, unit: dict[str, Any], native_type: str, props: dict[str, Any]) -> Node:
    return ctx.add(Node(id=unit["Arn"], cloud="aws", kind="org.unit", native_type=native_type,
                        name=unit.get("Name", ""), props={"policies": [], **props}, raw=raw_payload(unit)))


def _collect_scps(ctx: AwsContext, org: Any, units: dict[str, Node]) -> bool:
    """SCP nodes with target -has_policy-> SCP edges; False when SCPs are not readable."""
    try:
        summaries = list(ctx.paginate(org, "list_policies", "Policies", Filter=SCP))
    except ClientError as exc:
        ctx.record_gap(exc, operation="ListPolicies")
        return False
    for summary in summaries:
        policy = (ctx.call(org, "describe_policy", resource=summary["Arn"], PolicyId=summary["Id"]) or {}).get("Policy")
        targets = list(ctx.paginate(org, "list_targets_for_policy", "Targets", PolicyId=summary["Id"]))
        ctx.add(_scp_node(summary, policy, len(targets)))
        ctx.edge(ctx.account_id, summary["Arn"], "contains")
        for target in targets:
            unit = units.get(target["TargetId"])
            if unit is None and target.get("Type") == "ACCOUNT":
                unit = _account_ref(ctx, target["TargetId"], target.get("Name", ""))
            if unit is None:
                continue  # a root or OU outside the walked tree (it changed during the scan)
            ctx.edge(unit.id, summary["Arn"], "has_policy", scp=True)
            if unit.kind == "org.unit":
                unit.props["policies"] = sorted({*unit.props["policies"], summary["Arn"]})
    return True


def _scp_node(summary: dict[str, Any], policy: dict[str, Any] | None, attachment_count: int) -> Node:
    """An SCP as an identity.policy; its document stays unknown when DescribePolicy failed."""
    props: dict[str, Any] = {
        "managed_by": "aws" if summary.get("AwsManaged") or summary.get("Name") == FULL_ACCESS else "customer",
        "scp": True,
        "attachment_count": attachment_count,
        "document": None,
        "admin_equivalent": None,
        "wildcard_services": None,
    }
    content = (policy or {}).get("Content")
    if content:
        document = normalize_document(content if isinstance(content, str) else json.dumps(content))
        props.update(document=document, **summarize(document))
    return Node(id=summary["Arn"], cloud="aws", kind="identity.policy", native_type="AWS::Organizations::Policy",
                name=summary.get("Name", summary["Id"]), props=props, raw=raw_payload(summary))



SERVICE = ServiceSpec("organizations", "global", collect, "Organization tree, membership and service control policies")
