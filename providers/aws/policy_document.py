"""IAM policy documents: one normalized shape, and the few summaries policies and graphs read.

AWS lets a document say the same thing several ways (a single statement or a
list, ``"Action": "s3:*"`` or ``["s3:*"]``, ``"Principal": "*"``). Everything
downstream reads the normalized form, so each question ("is this admin?",
"which services are wide open?") is answered in one place.

The summaries here read one document on its own. They do not know the
principal's other policies, permission boundaries, SCPs or resource policies:
that is the job of the effective-permission evaluation on the graph.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

# Statement keys whose values AWS accepts as a string or a list of strings.
_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")
_ALL_ACTIONS = frozenset({"*", "*:*"})
# Condition operators that only match when the key is present with a given value,
# so a trust statement using one on sts:ExternalId really requires an external id.
# (``...IfExists`` and ``ForAllValues:`` also match when the key is missing.)
_REQUIRING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike"})


class PolicyDocumentError(ValueError):
    """A policy document that is neither JSON nor URL-encoded JSON."""


def _as_list(value: Any) -> list[Any]:
    """A string (or any scalar) as a one-item list; a list unchanged; None as []."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _normalize_principal(value: Any) -> dict[str, list[str]]:
    """``"*"`` becomes ``{"AWS": ["*"]}`` (AWS documents them as equivalent); values become lists."""
    if isinstance(value, str):
        return {"AWS": [value]}
    if isinstance(value, dict):
        return {str(k): [str(v) for v in _as_list(vals)] for k, vals in value.items()}
    return {}


def _normalize_statement(stmt: dict[str, Any]) -> dict[str, Any]:
    out = dict(stmt)
    for key in _LIST_KEYS:
        if key in out:
            out[key] = [str(v) for v in _as_list(out[key])]
    for key in _PRINCIPAL_KEYS:
        if key in out:
            out[key] = _normalize_principal(out[key])
    if isinstance(out.get("Condition"), dict):
        # Condition values are lists too, so evaluators never branch on str vs list.
        out["Condition"] = {
            op: ({k: _as_list(v) for k, v in keys.items()} if isinstance(keys, dict) else keys)
            for op, keys in out["Condition"].items()
        }
    return out


def normalize_document(doc: dict[str, Any] | str | None) -> dict[str, Any]:
    """A policy document with ``Statement`` always a list and list-valued keys always lists.

    A string is parsed as JSON, or as URL-encoded JSON (the raw IAM API form).
    ``Action``, ``NotAction``, ``Resource`` and ``NotResource`` become lists of
    strings; ``Principal``/``NotPrincipal`` become ``{type: [values]}`` with
    ``"*"`` written as ``{"AWS": ["*"]}``; each condition value becomes a list.
    Other keys (``Version``, ``Id``, ``Sid``, ``Effect``) are kept as they are.
    """
    if doc is None:
        return {"Statement": []}
    if isinstance(doc, str):
        doc = _parse(doc)
    if not isinstance(doc, dict):
        raise PolicyDocumentError(f"a policy document must be a JSON object, not {type(doc).__name__}")
    out = dict(doc)
    out["Statement"] = [_normalize_statement(s) for s in _as_list(doc.get("Statement")) if isinstance(s, dict)]
    return out


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return json.loads(unquote(text))
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"not a JSON policy document: {exc}") from exc


def _unconditional(stmt: dict[str, Any], effect: str) -> bool:
    return str(stmt.get("Effect", "")).lower() == effect and not stmt.get("Condition")


def _on_every_resource(stmt: dict[str, Any]) -> bool:
    return "NotResource" not in stmt and "*" in stmt.get("Resource", [])


def _actions(stmt: dict[str, Any]) -> set[str]:
    return {a.lower() for a in stmt.get("Action", [])}


def _denies_something(stmt: dict[str, Any]) -> bool:
    """An unconditional Deny that refuses at least one action on at least one resource."""
    if not _unconditional(stmt, "deny"):
        return False
    if "NotAction" in stmt and _ALL_ACTIONS & {a.lower() for a in stmt["NotAction"]}:
        return False  # "deny everything except everything" refuses nothing
    if "NotResource" in stmt and "*" in stmt["NotResource"]:
        return False
    return bool(stmt.get("Action") or stmt.get("NotAction"))


def is_admin_equivalent(doc: dict[str, Any] | str | None) -> bool:
    """Whether the document on its own grants every action on every resource.

    True when an Allow statement without a Condition has ``Action`` ``"*"`` or
    ``"*:*"`` and ``Resource`` ``"*"`` (not ``NotResource``), and no
    unconditional Deny in the same document takes anything back.

    Deliberate choices, to be precise rather than alarmist:
    - ``Allow`` + ``NotAction`` is never admin-equivalent: it withholds the listed
      actions, and whether an exclusion names real actions cannot be known here.
    - Conditional statements are ignored on both sides: a conditional Allow is
      not a standing grant, and a conditional Deny does not always apply (so a
      document with ``*``/``*`` and only conditional Denies is still admin).
    - A ``Deny`` with ``NotAction: "*"`` or ``NotResource: "*"`` refuses nothing.
    """
    norm = normalize_document(doc)
    statements = norm["Statement"]
    grants_all = any(
        _unconditional(s, "allow") and _on_every_resource(s) and _ALL_ACTIONS & _actions(s) for s in statements
    )
    return grants_all and not any(_denies_something(s) for s in statements)


def wildcard_services(doc: dict[str, Any] | str | None) -> list[str]:
    """Services granted ``<service>:*`` on Resource ``"*"`` by unconditional Allow statements, sorted.

    An ``Action`` of ``"*"`` or ``"*:*"`` is reported as the service ``"*"``
    (every service). A service drops out again when an unconditional Deny on
    Resource ``"*"`` refuses all of it (``<service>:*`` or ``"*"``); a Deny of
    a few of its actions leaves it listed. Service names are lower-cased.
    """
    norm = normalize_document(doc)
    granted: set[str] = set()
    denied: set[str] = set()
    for stmt in norm["Statement"]:
        if not _on_every_resource(stmt):
            continue
        wild = {_service_of_wildcard(a) for a in _actions(stmt)} - {None}
        if _unconditional(stmt, "allow"):
            granted |= wild  # type: ignore[arg-type]
        elif _unconditional(stmt, "deny"):
            denied |= wild  # type: ignore[arg-type]
    if "*" in denied:
        return []
    return sorted(granted - denied)


def _service_of_wildcard(action: str) -> str | None:
    """``"iam:*"`` -> ``"iam"``; ``"*"``/``"*:*"`` -> ``"*"``; anything narrower -> None."""
    if action in _ALL_ACTIONS:
        return "*"
    service, sep, name = action.partition(":")
    return service if sep and name == "*" and service and "*" not in service else None


def requires_external_id(conditions: dict[str, Any] | None) -> bool:
    """Whether a condition block requires an ``sts:ExternalId`` value to be present and match."""
    for op, keys in (conditions or {}).items():
        base = op.lower().removeprefix("foranyvalue:")
        if base in _REQUIRING_OPERATORS and isinstance(keys, dict):
            if any(k.lower() == "sts:externalid" for k in keys):
                return True
    return False


def trust_statements(doc: dict[str, Any] | str | None) -> list[dict[str, Any]]:
    """A role trust policy as ``[{effect, principals, actions, not_actions, conditions, external_id, not_principal}]``.

    ``principals`` always has the keys ``AWS``, ``Service`` and ``Federated``
    (lists, possibly empty) plus any other principal type the statement names.
    ``external_id`` is True when the statement's conditions require a matching
    ``sts:ExternalId`` (see ``requires_external_id``). ``not_principal`` marks a
    statement written with ``NotPrincipal``, whose ``principals`` are then the
    excluded ones.
    """
    out = []
    for stmt in normalize_document(doc)["Statement"]:
        not_principal = "NotPrincipal" in stmt
        named = stmt.get("NotPrincipal" if not_principal else "Principal", {})
        principals: dict[str, list[str]] = {"AWS": [], "Service": [], "Federated": []}
        for kind, values in named.items():
            principals[kind] = sorted(set(principals.get(kind, [])) | set(values))
        conditions = stmt.get("Condition") or {}
        out.append(
            {
                "effect": str(stmt.get("Effect", "")),
                "principals": principals,
                "actions": list(stmt.get("Action", [])),
                "not_actions": list(stmt.get("NotAction", [])),
                "conditions": conditions,
                "external_id": requires_external_id(conditions),
                "not_principal": not_principal,
            }
        )
    return out


def summarize(doc: dict[str, Any] | str | None) -> dict[str, Any]:
    """The facets every policy node and ``attached_policies`` entry share."""
    return {"admin_equivalent": is_admin_equivalent(doc), "wildcard_services": wildcard_services(doc)}
