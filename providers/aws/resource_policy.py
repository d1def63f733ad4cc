"""Resource policies and ACL grants: who, without credentials, can reach an S3 bucket or a Lambda function.

The rules follow AWS's own meaning of "public" for resource policies: an Allow
statement is public when its principal is everyone (``*``, ``{"AWS": "*"}`` or a
``NotPrincipal``) unless a condition pins the request to fixed values of a key
that identifies the caller or its network (source VPC, organization, account,
ARN, IP range...). Deny statements do not make a policy non-public, as in AWS's
own evaluation (``GetBucketPolicyStatus``, Access Analyzer).
"""

from __future__ import annotations

import ipaddress
from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.providers.aws.policy_document import normalize_document

# Condition keys (lowercase) whose fixed values restrict who or where a request comes from.
RESTRICTING_KEYS: frozenset[str] = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:vpcsourceip",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
        "lambda:eventsourcetoken",
    }
)

# Operators that only match the listed values. Negated operators, Null and the
# ...IfExists forms (which pass when the key is absent) restrict nothing.
_MATCHING_OPERATORS: frozenset[str] = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)

_PUBLIC_GROUPS: dict[str, str] = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def normalize_policy(document: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """The resource policy in the project's one normalized shape (None when there is no policy).

    ``Principal: "*"`` becomes ``{"AWS": ["*"]}``, list-valued fields and condition values become lists.
    """
    return None if document is None else normalize_document(document)


def _principals(value: Any) -> dict[str, list[Any]]:
    if value == "*":
        return {"AWS": ["*"]}
    if isinstance(value, dict):
        return {kind: _as_list(ids) for kind, ids in value.items()}
    return {"AWS": _as_list(value)}


def _is_everyone(stmt: dict[str, Any]) -> bool:
    """The statement applies to any caller, authenticated or not."""
    if "NotPrincipal" in stmt:
        return True  # "everyone except ..." in an Allow is still everyone else
    principal = _principals(stmt.get("Principal", {}))
    return "*" in principal.get("AWS", []) or "*" in principal.get("CanonicalUser", [])


def _wildcard_value(value: Any) -> bool:
    """A condition value that matches any caller: ``*``, any ARN of any account, any address."""
    text = str(value).strip()
    if set(text) <= {"*", "?"}:
        return True
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        return len(parts) == 6 and set(parts[4]) <= {"*", "?"} and set(parts[5]) <= {"*", "?"}
    try:
        return ipaddress.ip_network(text, strict=False).prefixlen == 0
    except ValueError:
        return False


def _operator_base(operator: str) -> str:
    op = operator.lower()
    for prefix in ("foranyvalue:", "forallvalues:"):
        if op.startswith(prefix):
            # ForAllValues passes vacuously when the key is absent: no restriction.
            return "" if prefix == "forallvalues:" else op[len(prefix):]
    return op


def restricts_caller(condition: dict[str, Any] | None) -> bool:
    """Whether a condition block pins the caller to fixed values of a restricting key."""
    for operator, block in (condition or {}).items():
        if _operator_base(operator) not in _MATCHING_OPERATORS:
            continue
        for key, values in (block or {}).items():
            vals = _as_list(values)
            if key.lower() in RESTRICTING_KEYS and vals and not any(_wildcard_value(v) for v in vals):
                return True
    return False


def public_statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The Allow statements that let anyone in (normalized document expected)."""
    if not document:
        return []
    return [
        stmt
        for stmt in document.get("Statement", [])
        if stmt.get("Effect") == "Allow" and _is_everyone(stmt) and not restricts_caller(stmt.get("Condition"))
    ]


def allows_public(document: dict[str, Any] | None) -> bool:
    """A policy grants access to anyone without a restricting condition."""
    return bool(public_statements(document))


def any_public(*exposures: bool | None) -> bool | None:
    """Three-valued OR of exposure paths: True if any is open, False only if all are known closed."""
    if any(v is True for v in exposures):
        return True
    return None if any(v is None for v in exposures) else False


def _covers(patterns: list[Any], target: str) -> bool:
    return any(fnmatchcase(target, str(p).replace("[", "[[]")) for p in patterns)


def _insecure_transport_condition(condition: dict[str, Any] | None) -> bool:
    for operator, block in (condition or {}).items():
        if operator.lower() not in ("bool", "boolifexists"):
            continue
        for key, values in (block or {}).items():
            if key.lower() == "aws:securetransport" and any(str(v).lower() == "false" for v in _as_list(values)):
                return True
    return False


def denies_insecure_transport(document: dict[str, Any] | None, bucket_arn: str) -> bool:
    """A Deny of every S3 action to everyone on the bucket's objects when ``aws:SecureTransport`` is false."""
    if not document:
        return False
    probe_object = f"{bucket_arn}/cloudwarden-probe"
    for stmt in document.get("Statement", []):
        if stmt.get("Effect") != "Deny" or "NotPrincipal" in stmt or not _is_everyone(stmt):
            continue
        actions = [str(a).lower() for a in stmt.get("Action", [])]
        if not ({"*", "s3:*"} & set(actions)):
            continue
        if _covers(stmt.get("Resource", []), probe_object) and _insecure_transport_condition(stmt.get("Condition")):
            return True
    return False


def public_acl_grants(grants: list[dict[str, Any]]) -> list[dict[str, str]]:
    """ACL grants to everyone (AllUsers) or to any AWS account holder (AuthenticatedUsers)."""
    found = []
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        group = _PUBLIC_GROUPS.get(str(grantee.get("URI", "")))
        if grantee.get("Type") == "Group" and group:
            found.append({"grantee": group, "permission": str(grant.get("Permission", ""))})
    return found
