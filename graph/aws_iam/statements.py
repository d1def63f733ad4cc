"""Policy statements compiled once for fast, repeated questions.

``compile_document`` accepts the project's normalized documents and also the
looser shapes AWS allows (a single statement, strings instead of lists, a
JSON string), because some facets keep a document as AWS returned it (KMS key
policies). Nothing here reads the graph: statements know their policy id,
kind (identity | boundary | scp | resource) and how they match an action, a
resource and, for resource policies, a calling principal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.aws_iam.conditions import keys_of
from cloudwarden.graph.aws_iam.matching import action_matches

DIRECT, ACCOUNT = 2, 1  # how strongly a resource-policy statement names a caller


@dataclass(frozen=True)
class Caller:
    """Who is asking, as resource policies name principals.

    ``names`` holds every string a Principal element may use for this caller:
    its ARN, its unique id, for a role ``sts:<account>:<role name>`` (its
    sessions' ARNs); ``account`` is the 12-digit id; ``service`` is set for a
    service principal (``ec2.amazonaws.com``) instead.
    """

    arn: str
    account: str | None
    names: frozenset[str] = frozenset()
    service: str | None = None


@dataclass(eq=False)
class Statement:
    """One compiled statement."""

    policy: str
    sid: str | None
    effect: str  # "allow" | "deny"
    kind: str  # identity | boundary | scp | resource
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: the statement names no resource (trust policies)
    not_resource: bool
    principals: dict[str, tuple[str, ...]] | None
    not_principal: bool
    condition: dict[str, dict[str, list[str]]]
    services: frozenset[str] | None  # None: actions of any service
    _action_cache: dict[str, bool] = field(default_factory=dict, repr=False)
    _names: frozenset[str] | None = field(default=None, repr=False)
    _ref: dict[str, Any] | None = field(default=None, repr=False)

    def ref(self) -> dict[str, Any]:
        """The statement as edge and decision evidence (one shared dict per statement: do not modify it)."""
        if self._ref is None:
            self._ref = {"policy": self.policy, "sid": self.sid, "effect": self.effect.capitalize(), "kind": self.kind}
        return self._ref

    def matches_action(self, action: str) -> bool:
        """Whether the statement covers ``action`` (lower-case ``service:name``)."""
        hit = self._action_cache.get(action)
        if hit is None:
            hit = any(action_matches(p, action) for p in self.actions) != self.not_action
            self._action_cache[action] = hit
        return hit

    def covers_service(self, service: str) -> bool:
        """Whether some action of ``service`` may be covered (cheap pre-filter)."""
        return self.services is None or service in self.services

    @property
    def every_resource(self) -> bool:
        """``Resource: "*"`` (or no Resource element): the resource plays no part in matching."""
        return self.resources is None or (not self.not_resource and "*" in self.resources)

    @property
    def specific_patterns(self) -> tuple[str, ...]:
        """The ARN patterns that single out resources (empty when the statement covers every resource)."""
        if self.resources is None or (not self.not_resource and "*" in self.resources):
            return ()
        return tuple(p for p in self.resources if p != "*")

    @property
    def condition_keys(self) -> set[str]:
        """Condition keys tested, lower-case."""
        return keys_of(self.condition)

    def names(self, caller: Caller) -> int:
        """How the Principal element names ``caller``: DIRECT, ACCOUNT (its account root) or 0."""
        if self.principals is None:
            return 0
        if caller.service is not None:
            hit = any(caller.service == s.lower() for s in self.principals.get("Service", ()))
            return 0 if hit == self.not_principal else DIRECT
        if self._names is None:
            self._names = frozenset(principal_names(self.principals))
        if self.not_principal:
            return 0 if self._names & caller.names else DIRECT
        if "*" in self._names or self._names & caller.names:
            return DIRECT
        return ACCOUNT if caller.account and f"root:{caller.account}" in self._names else 0


def _principal_name(value: str) -> str:
    """A Principal value as a comparable name: ``root:<acct>``, ``sts:<acct>:<role>``, an ARN or a unique id."""
    if value.isdigit() and len(value) == 12:
        return f"root:{value}"
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[5] == "root":
            return f"root:{parts[4]}"
        if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
            return f"sts:{parts[4]}:{parts[5].split('/')[1]}"
    return value


def principal_names(principals: dict[str, tuple[str, ...]] | None) -> set[str]:
    """The comparable names (``*``, ``root:<acct>``, ARNs...) an AWS Principal element lists."""
    return {("*" if v == "*" else _principal_name(v)) for v in (principals or {}).get("AWS", ())}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if isinstance(value, str):
        return {"AWS": (value,)}
    if isinstance(value, dict):
        return {str(k): tuple(_text(v) for v in _as_list(vals)) for k, vals in value.items()}
    return {}


def _condition(value: Any) -> dict[str, dict[str, list[str]]]:
    if not isinstance(value, dict):
        return {}
    return {str(op): {str(k): [_text(v) for v in _as_list(vals)] for k, vals in tests.items()}
            for op, tests in value.items() if isinstance(tests, dict)}


def _services(actions: tuple[str, ...], negated: bool) -> frozenset[str] | None:
    if negated:
        return None
    services = set()
    for action in actions:
        service = action.partition(":")[0]
        if "*" in service or "?" in service:
            return None
        services.add(service)
    return frozenset(services)


def compile_statement(stmt: dict[str, Any], policy: str, kind: str, index: int) -> Statement | None:
    """One statement (any accepted shape) compiled; None when it is not a statement."""
    if not isinstance(stmt, dict):
        return None
    not_action = "NotAction" in stmt
    actions = tuple(_text(a).lower() for a in _as_list(stmt.get("NotAction" if not_action else "Action")))
    not_resource = "NotResource" in stmt
    has_resource = not_resource or "Resource" in stmt
    resources = tuple(_text(r) for r in _as_list(stmt.get("NotResource" if not_resource else "Resource")))
    not_principal = "NotPrincipal" in stmt
    has_principal = not_principal or "Principal" in stmt
    return Statement(
        policy=policy,
        sid=stmt.get("Sid") if stmt.get("Sid") not in ("", None) else f"#{index}",
        effect="deny" if str(stmt.get("Effect", "")).lower() == "deny" else "allow",
        kind=kind,
        actions=actions,
        not_action=not_action,
        resources=resources if has_resource else None,
        not_resource=not_resource,
        principals=_principals(stmt.get("NotPrincipal" if not_principal else "Principal")) if has_principal else None,
        not_principal=not_principal,
        condition=_condition(stmt.get("Condition")),
        services=_services(actions, not_action),
    )


def compile_document(document: Any, policy: str, kind: str) -> list[Statement]:
    """Every statement of a policy document (normalized or raw AWS shape, dict or JSON text)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    if not isinstance(document, dict):
        return []
    compiled = (compile_statement(s, policy, kind, i) for i, s in enumerate(_as_list(document.get("Statement"))))
    return [s for s in compiled if s is not None]


def compile_trust(trust: list[dict[str, Any]], role: str) -> list[Statement]:
    """A role's ``props.trust`` (see providers' ``trust_statements``) as resource-policy statements."""
    out = []
    for i, entry in enumerate(trust or []):
        principals = {k: tuple(v) for k, v in (entry.get("principals") or {}).items() if v}
        stmt: dict[str, Any] = {"Effect": entry.get("effect", "Allow"), "Condition": entry.get("conditions") or {}}
        stmt["NotPrincipal" if entry.get("not_principal") else "Principal"] = principals
        if entry.get("not_actions"):
            stmt["NotAction"] = entry["not_actions"]
        else:
            stmt["Action"] = entry.get("actions") or []
        compiled = compile_statement(stmt, role, "trust", i)
        if compiled is not None:
            compiled.principals = principals
            out.append(compiled)
    return out
