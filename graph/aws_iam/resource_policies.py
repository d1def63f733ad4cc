"""Resource policies: what a resource's own policy says, and whom it can concern.

Which policy a node has:

- ``storage.bucket``, ``compute.function`` and any other node with
  ``props.policy``: a resource policy that can grant on its own (same account);
- ``kms.key``: the key policy, which must allow: IAM policies count only when
  it lets the account root in (``"Principal": {"AWS": "arn:aws:iam::<acct>:root"}``);
- ``identity.role``: the trust policy (``props.trust``), which must allow, for
  the ``sts`` actions only (it says nothing about ``iam:PutRolePolicy``).

``relevant(caller)`` answers which statements can concern a caller without
evaluating anything: those naming it, its account root, everyone (``*``) or
using ``NotPrincipal``. A statement that only hands the resource's own
account to IAM (the default KMS key policy) is "delegation" and concerns no
one in particular. This lets can_access skip most (principal, resource) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudwarden.graph.aws_iam.conditions import evaluate
from cloudwarden.graph.aws_iam.context import DEFAULTS
from cloudwarden.graph.aws_iam.matching import NO, UNKNOWN
from cloudwarden.graph.aws_iam.statements import (
    Caller,
    Statement,
    compile_document,
    compile_trust,
    principal_names,
)
from cloudwarden.graph.model import Node

MUST_ALLOW_KINDS = frozenset({"kms.key"})


@dataclass
class ResourcePolicy:
    """The compiled policy of one resource, with an index of the principals it names."""

    node_id: str
    account: str | None
    statements: list[Statement]
    must_allow: bool
    only_service: str | None = None  # the policy speaks only to this service's actions (trust: "sts")
    by_name: dict[str, list[Statement]] = field(default_factory=dict)
    open: list[Statement] = field(default_factory=list)
    delegation: list[Statement] = field(default_factory=list)
    _by_action: dict[str, list[Statement]] = field(default_factory=dict, repr=False)

    def governs(self, action: str) -> bool:
        """Whether this policy takes part in decisions about ``action``."""
        return self.only_service is None or action.partition(":")[0] == self.only_service

    def for_action(self, action: str) -> list[Statement]:
        """Statements covering ``action`` (cached)."""
        found = self._by_action.get(action)
        if found is None:
            found = [s for s in self.statements if s.matches_action(action)] if self.governs(action) else []
            self._by_action[action] = found
        return found

    def relevant(self, caller: Caller) -> list[Statement]:
        """Statements that may concern ``caller`` other than pure delegation to the resource's account."""
        found = list(self.open)
        for name in (*caller.names, f"root:{caller.account}"):
            found.extend(self.by_name.get(name, ()))
        return found

    @property
    def delegates(self) -> bool:
        """The policy hands the resource's own account to IAM without conditions (every action, every resource)."""
        return bool(self.delegation)

    def named(self) -> set[str]:
        """Every principal name the policy lists, ``*`` for open statements (for reverse indexes)."""
        names = set(self.by_name)
        if self.open:
            names.add("*")
        return names


def _never_applies(stmt: Statement) -> bool:
    """An open statement whose conditions are false whoever asks (e.g. a Deny when TLS is not used)."""
    outcome, _ = evaluate(stmt.condition, lambda key: DEFAULTS.get(key, UNKNOWN))
    return outcome == NO


def _is_delegation(stmt: Statement, account: str | None, service: str) -> bool:
    names = principal_names(stmt.principals)
    return (stmt.effect == "allow" and not stmt.not_principal and not stmt.condition and not stmt.not_action
            and account is not None and names == {f"root:{account}"} and stmt.every_resource
            and any(a in ("*", f"{service}:*") for a in stmt.actions))


def build(node: Node, account: str | None) -> ResourcePolicy | None:
    """The resource policy of a node, or None when it has none (or none is known)."""
    if node.kind == "identity.role":
        trust = node.props.get("trust")
        if not trust:
            return None
        return _index(ResourcePolicy(node.id, account, compile_trust(trust, node.id), True, "sts"), "sts")
    document = node.props.get("policy")
    if not document:
        return None
    statements = compile_document(document, node.id, "resource")
    service = node.id.split(":")[2] if node.id.startswith("arn:") else ""
    return _index(ResourcePolicy(node.id, account, statements, node.kind in MUST_ALLOW_KINDS), service)


def _index(policy: ResourcePolicy, service: str) -> ResourcePolicy:
    for stmt in policy.statements:
        if stmt.principals is None:
            continue
        names = principal_names(stmt.principals)
        if stmt.not_principal or "*" in names:
            if not _never_applies(stmt):
                policy.open.append(stmt)
        elif _is_delegation(stmt, policy.account, service):
            policy.delegation.append(stmt)
        else:
            for name in names:
                policy.by_name.setdefault(name, []).append(stmt)
    return policy
