"""IAM: users, groups, roles, managed and inline policies, and the account's password and root facts.

One ``GetAccountAuthorizationDetails`` walk gives every principal with its
policies (documents included); per-user calls add the credential facts it
lacks (console password, MFA, access keys and their last use).

AWS-managed policies are not listed in bulk (there are more than a thousand and
most are unused): only those attached to something, or used as a permissions
boundary, are fetched one by one. The credential report would give the
last-used facts in one file, but it is generated asynchronously (poll until
ready) and lags by up to four hours; the per-user calls are current.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.errors import error_code
from cloudwarden.providers.aws.payload import raw_payload as plain
from cloudwarden.providers.aws.policy_document import normalize_document, summarize, trust_statements
from cloudwarden.providers.aws.services import ServiceSpec

# Principals and customer policies; AWS-managed ones are fetched only when used (see module doc).
DETAIL_FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]
_DETAIL_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
SERVICE_ROLE_PATH = "/aws-service-role/"


def collect(ctx: AwsContext) -> None:
    """Every principal and policy of the account, with credential facts and account-wide facets."""
    iam = ctx.client()
    now = datetime.now(timezone.utc)
    details = authorization_details(iam)  # a denied walk is the whole-service gap
    policies = _managed_policies(ctx, iam, details)
    group_arns = {g["GroupName"]: g["Arn"] for g in details["GroupDetailList"]}
    members: dict[str, int] = {}
    password_use = _password_last_used(ctx, iam, now)
    for user in details["UserDetailList"]:
        for name in user.get("GroupList", []):
            members[name] = members.get(name, 0) + 1
    ctx.for_each(details["UserDetailList"],
                 lambda user: _add_user(ctx, iam, user, policies, group_arns, password_use, now))
    for group in details["GroupDetailList"]:
        _add_group(ctx, group, policies, members.get(group["GroupName"], 0))
    for role in details["RoleDetailList"]:
        _add_role(ctx, role, policies, now)
    for node in policies.values():
        ctx.add(node)
        ctx.edge(ctx.account_id, node.id, "contains")
    _account_facets(ctx, iam)


def authorization_details(iam: Any) -> dict[str, list[dict[str, Any]]]:
    """Every page of ``GetAccountAuthorizationDetails`` (principals and customer policies), concatenated."""
    out: dict[str, list[dict[str, Any]]] = {key: [] for key in _DETAIL_KEYS}
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=DETAIL_FILTER):
        for key in _DETAIL_KEYS:
            out[key].extend(page.get(key, []))
    return out


# --- policies ----------------------------------------------------------------


def _managed_policies(ctx: AwsContext, iam: Any, details: dict[str, list[dict[str, Any]]]) -> dict[str, Node]:
    """Customer-managed policies (all) and AWS-managed ones attached or used as a boundary, by ARN."""
    nodes = {p["Arn"]: _policy_node(p, _default_version(p.get("PolicyVersionList", []))) for p in details["Policies"]}
    used: set[str] = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for principal in details[key]:
            used.update(a["PolicyArn"] for a in principal.get("AttachedManagedPolicies", []))
            if principal.get("PermissionsBoundary"):
                used.add(principal["PermissionsBoundary"]["PermissionsBoundaryArn"])
    for arn in sorted(used - set(nodes)):
        meta = (ctx.call(iam, "get_policy", resource=arn, PolicyArn=arn) or {}).get("Policy") or {"Arn": arn}
        version = None
        if meta.get("DefaultVersionId"):
            resp = ctx.call(iam, "get_policy_version", resource=arn, PolicyArn=arn, VersionId=meta["DefaultVersionId"])
            version = (resp or {}).get("PolicyVersion")
        nodes[arn] = _policy_node(meta, version)
    return nodes


def _default_version(versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((v for v in versions if v.get("IsDefaultVersion")), None)


def _policy_node(meta: dict[str, Any], version: dict[str, Any] | None) -> Node:
    """A managed policy; its facets stay unknown (None) when its document could not be read."""
    arn = meta["Arn"]
    managed_by = "aws" if arn.split(":")[4] == "aws" else "customer"
    props: dict[str, Any] = {
        "managed_by": managed_by,
        "attachment_count": meta.get("AttachmentCount"),
        "document": None,
        "admin_equivalent": None,
        "wildcard_services": None,
    }
    if version is not None and version.get("Document") is not None:
        document = normalize_document(version["Document"])
        props.update(document=document, **summarize(document))
    raw = plain({k: v for k, v in meta.items() if k != "PolicyVersionList"})
    versions = meta.get("PolicyVersionList") or ([version] if version else [])
    raw["PolicyVersionList"] = [plain({**v, "Document": normalize_document(v.get("Document"))}) for v in versions]
    return Node(
        id=arn,
        cloud="aws",
        kind="identity.policy",
        native_type="AWS::IAM::ManagedPolicy",
        name=meta.get("PolicyName") or arn.rsplit("/", 1)[-1],
        props=props,
        raw=raw,
    )


def _attachment(policy_id: str, name: str, inline: bool, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": policy_id,
        "name": name,
        "inline": inline,
        "admin_equivalent": props.get("admin_equivalent"),
        "wildcard_services": props.get("wildcard_services"),
    }


def _grants(ctx: AwsContext, principal: dict[str, Any], arn: str, inline_key: str,
            policies: dict[str, Node]) -> list[dict[str, Any]]:
    """Policies attached directly to a principal: has_policy edges and its ``attached_policies`` entries.

    A permissions boundary gets a ``has_policy`` edge marked ``boundary`` and is
    not an attached policy: it limits, it grants nothing.
    """
    entries = []
    attached = set()
    for ref in principal.get("AttachedManagedPolicies", []):
        pol = policies.get(ref["PolicyArn"])
        props = pol.props if pol else {}
        entries.append(_attachment(ref["PolicyArn"], ref.get("PolicyName", ""), False, props))
        attached.add(ref["PolicyArn"])
    for inline in principal.get(inline_key, []):
        node = _inline_policy(ctx, arn, inline)
        entries.append(_attachment(node.id, node.name, True, node.props))
        ctx.edge(arn, node.id, "has_policy", inline=True, attached=True)
    boundary = (principal.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    for policy_arn in sorted(attached | ({boundary} if boundary else set())):
        # One edge per (principal, policy): a policy can be both attached and the boundary.
        detail: dict[str, Any] = {"attached": policy_arn in attached}
        if policy_arn in attached:
            detail["inline"] = False
        if policy_arn == boundary:
            detail["boundary"] = True
        ctx.edge(arn, policy_arn, "has_policy", **detail)
    return entries


def _inline_policy(ctx: AwsContext, principal_arn: str, inline: dict[str, Any]) -> Node:
    document = normalize_document(inline.get("PolicyDocument"))
    node = Node(
        id=f"{principal_arn}/inline-policy/{inline['PolicyName']}",
        cloud="aws",
        kind="identity.policy",
        native_type="AWS::IAM::Policy",
        name=inline["PolicyName"],
        props={"managed_by": "inline", "attachment_count": 1, "document": document, **summarize(document)},
        raw={"PolicyName": inline["PolicyName"], "Principal": principal_arn},
    )
    ctx.add(node)
    ctx.edge(ctx.account_id, node.id, "contains")
    return node


# --- principals ----------------------------------------------------------------


def _add_user(ctx: AwsContext, iam: Any, user: dict[str, Any], policies: dict[str, Node], group_arns: dict[str, str],
              password_use: dict[str, int | None], now: datetime) -> None:
    arn, name = user["Arn"], user["UserName"]
    attached = _grants(ctx, user, arn, "UserPolicyList", policies)
    props: dict[str, Any] = {
        "attached_policies": attached,
        "inline_policy_count": len(user.get("UserPolicyList", [])),
        "service_linked": False,  # only roles can be service-linked
        "permissions_boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "password_last_used_days": password_use.get(arn),
        **_credentials(ctx, iam, name, arn, now),
    }
    used = [d for d in [props["password_last_used_days"]] + [k["last_used_days"] for k in props["access_keys"] or []]
            if d is not None]
    props["last_used_days"] = min(used) if used else None
    for group in user.get("GroupList", []):
        group_arn = group_arns.get(group) or ctx.reference(ctx.arn("iam", f"group/{group}", region=""),
                                                           "identity.group", group)
        ctx.edge(arn, group_arn, "member_of")
    _emit(ctx, user, "identity.user", "AWS::IAM::User", name, props, ("UserPolicyList",))


def _add_group(ctx: AwsContext, group: dict[str, Any], policies: dict[str, Node], member_count: int) -> None:
    attached = _grants(ctx, group, group["Arn"], "GroupPolicyList", policies)
    props = {"attached_policies": attached, "member_count": member_count, "last_used_days": None,
             "service_linked": False}
    _emit(ctx, group, "identity.group", "AWS::IAM::Group", group["GroupName"], props, ("GroupPolicyList",))


def _add_role(ctx: AwsContext, role: dict[str, Any], policies: dict[str, Node], now: datetime) -> None:
    attached = _grants(ctx, role, role["Arn"], "RolePolicyList", policies)
    props = {
        "attached_policies": attached,
        "trust": trust_statements(role.get("AssumeRolePolicyDocument")),
        "service_linked": role.get("Path", "/").startswith(SERVICE_ROLE_PATH),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "last_used_days": days_since((role.get("RoleLastUsed") or {}).get("LastUsedDate"), now),
        "instance_profiles": [p["Arn"] for p in role.get("InstanceProfileList", [])],
    }
    _emit(ctx, role, "identity.role", "AWS::IAM::Role", role["RoleName"], props,
          ("RolePolicyList", "InstanceProfileList"))


def _emit(ctx: AwsContext, detail: dict[str, Any], kind: str, native_type: str, name: str, props: dict[str, Any],
          drop: tuple[str, ...]) -> None:
    """Add a principal node; inline documents live on their policy nodes, so raw keeps only their names."""
    raw = plain({k: v for k, v in detail.items() if k not in drop})
    for key in drop:
        if key.endswith("PolicyList"):
            raw[key.replace("List", "Names")] = [p["PolicyName"] for p in detail.get(key, [])]
    tags = {t["Key"]: t["Value"] for t in detail.get("Tags") or []}
    ctx.add(Node(id=detail["Arn"], cloud="aws", kind=kind, native_type=native_type, name=name, tags=tags,
                 props=props, raw=raw))
    ctx.edge(ctx.account_id, detail["Arn"], "contains")


# --- user credentials ----------------------------------------------------------


def _password_last_used(ctx: AwsContext, iam: Any, now: datetime) -> dict[str, int | None]:
    """Days since each user's console password was last used (``ListUsers`` is the only source)."""
    try:
        return {u["Arn"]: days_since(u.get("PasswordLastUsed"), now) for u in ctx.paginate(iam, "list_users", "Users")}
    except (ClientError, BotoCoreError) as exc:
        ctx.record_gap(exc, operation="ListUsers")
        return {}


def _credentials(ctx: AwsContext, iam: Any, name: str, arn: str, now: datetime) -> dict[str, Any]:
    """console_access, mfa and access_keys of one user; each stays None when its call failed."""
    console, _ = lookup(ctx, iam, "get_login_profile", resource=arn, UserName=name)
    mfa_resp = ctx.call(iam, "list_mfa_devices", resource=arn, UserName=name)
    keys_resp = ctx.call(iam, "list_access_keys", resource=arn, UserName=name)
    keys = None
    if keys_resp is not None:
        keys = []
        for meta in keys_resp.get("AccessKeyMetadata", []):
            used = ctx.call(iam, "get_access_key_last_used", resource=arn, AccessKeyId=meta["AccessKeyId"])
            keys.append(access_key_facts(meta, None if used is None else used.get("AccessKeyLastUsed", {}), now))
    return {
        "console_access": console,
        "mfa": None if mfa_resp is None else bool(mfa_resp.get("MFADevices")),
        "access_keys": keys,
    }


def access_key_facts(meta: dict[str, Any], last_used: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """One access key as ``{id, active, age_days, last_used_days, used}`` (the secret is never seen).

    ``last_used`` is the ``AccessKeyLastUsed`` map, or None when it could not be
    read; then ``used`` is None too. A key never used has ``used`` False and
    ``last_used_days`` None.
    """
    when = None if last_used is None else last_used.get("LastUsedDate")
    return {
        "id": meta["AccessKeyId"],
        "active": meta.get("Status") == "Active",
        "age_days": days_since(meta.get("CreateDate"), now),
        "last_used_days": days_since(when, now),
        "used": None if last_used is None else when is not None,
    }


def days_since(when: datetime | str | None, now: datetime) -> int | None:
    """Whole days from ``when`` to ``now`` (None when ``when`` is None; never negative)."""
    if when is None:
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # IAM reports UTC
    return max(0, (now - when).days)


def lookup(ctx: AwsContext, client: Any, operation: str, *, resource: str | None = None,
           **kwargs: Any) -> tuple[bool | None, dict[str, Any]]:
    """``(True, response)``; ``(False, {})`` when IAM says NoSuchEntity; ``(None, {})`` on failure (gap recorded)."""
    try:
        return True, getattr(client, operation)(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return False, {}
        ctx.record_gap(exc, operation=operation, resource=resource)
    except BotoCoreError as exc:
        ctx.record_gap(exc, operation=operation, resource=resource)
    return None, {}


# --- account-wide facts ----------------------------------------------------------


def _account_facets(ctx: AwsContext, iam: Any) -> None:
    """Password policy, root credentials and the IAM account summary, patched onto the account node."""
    facets: dict[str, Any] = {}
    present, resp = lookup(ctx, iam, "get_account_password_policy", resource=ctx.account_id)
    if present is not None:
        facets["password_policy"] = password_policy_facets(resp.get("PasswordPolicy") if present else None)
    summary = (ctx.call(iam, "get_account_summary", resource=ctx.account_id) or {}).get("SummaryMap")
    if summary is not None:
        mfa = summary.get("AccountMFAEnabled") == 1
        facets["iam_summary"] = summary
        facets["root"] = {"mfa": mfa, "access_keys": summary.get("AccountAccessKeysPresent") == 1,
                          "hardware_mfa": _root_hardware_mfa(ctx, iam) if mfa else False}
    if facets:
        ctx.patch(ctx.account_id, facets)


def password_policy_facets(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The account password policy; ``present`` False when none is set (then AWS's weak defaults apply).

    ``reuse_prevention`` is 0 when the policy does not prevent reuse;
    ``max_age_days`` is None when passwords never expire.
    """
    if policy is None:
        return {"present": False, "min_length": None, "require_symbols": None, "require_numbers": None,
                "require_uppercase": None, "require_lowercase": None, "max_age_days": None,
                "reuse_prevention": None, "expire_passwords": False}
    return {
        "present": True,
        "min_length": policy.get("MinimumPasswordLength"),
        "require_symbols": bool(policy.get("RequireSymbols")),
        "require_numbers": bool(policy.get("RequireNumbers")),
        "require_uppercase": bool(policy.get("RequireUppercaseCharacters")),
        "require_lowercase": bool(policy.get("RequireLowercaseCharacters")),
        "max_age_days": policy.get("MaxPasswordAge") if policy.get("ExpirePasswords") else None,
        "reuse_prevention": policy.get("PasswordReusePrevention") or 0,
        "expire_passwords": bool(policy.get("ExpirePasswords")),
    }


def _root_hardware_mfa(ctx: AwsContext, iam: Any) -> bool | None:
    """Root has MFA and it is not a virtual device (a virtual one is listed as assigned to root)."""
    try:
        devices = list(ctx.paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned"))
    except (ClientError, BotoCoreError) as exc:
        ctx.record_gap(exc, operation="ListVirtualMFADevices", resource=ctx.account_id)
        return None
    return not any(str((d.get("User") or {}).get("Arn", "")).endswith(":root") for d in devices)



SERVICE = ServiceSpec("iam", "global", collect, "IAM users, groups, roles, policies and account credential facts")
