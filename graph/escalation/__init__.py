"""AWS privilege escalation: a catalogue of techniques as data, and one small checker per target family.

Each checker module declares the ``TARGETS`` it enumerates (see
``catalogue.TARGETS``) and ``escalations(ctx, technique, principal)``; all of
them ask one ``PermissionEvaluator`` through ``EscalationContext``. Adding a
technique is one catalogue entry; adding a target family is one module and one
line in ``CHECKERS``. ``assumable-role`` has no checker: role assumption is
already a ``can_assume`` edge, and chains follow it.

Public API: ``escalation_techniques``, ``find_escalations`` (used by the
``aws_escalation`` analyzer), ``escalation_chains`` and ``escalation_findings``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from cloudwarden.graph.aws_iam.evaluator import PermissionEvaluator
from cloudwarden.graph.escalation import existing_compute, iam_others, iam_self, passrole
from cloudwarden.graph.escalation.catalogue import TECHNIQUES, Technique
from cloudwarden.graph.escalation.chains import escalation_chains, escalation_findings
from cloudwarden.graph.escalation.context import Escalation, EscalationContext
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

CHECKERS: tuple[ModuleType, ...] = (iam_self, iam_others, passrole, existing_compute)

Checker = Callable[[EscalationContext, Technique, Node], Iterator[Escalation]]
# Techniques by which a principal makes itself admin (checked first: the catalogue lists them first).
SELF_TARGETS = frozenset({"held-user", "held-role", "held-group", "held-policy", "group"})
_BY_TARGET: dict[str, Checker] = {target: m.escalations for m in CHECKERS for target in m.TARGETS}

__all__ = [
    "CHECKERS", "Escalation", "EscalationContext", "checker_for", "escalation_chains", "escalation_findings",
    "escalation_techniques", "find_escalations",
]


def escalation_techniques() -> tuple[Technique, ...]:
    """The catalogue, in its documented order."""
    return TECHNIQUES


def checker_for(technique: Technique) -> Checker | None:
    """The checker of the technique's target family; None when existing edges already say it."""
    return _BY_TARGET.get(technique.target)


def find_escalations(graph: EstateGraph, evaluator: PermissionEvaluator | None = None) -> list[Escalation]:
    """Every (principal, technique, target) escalation in the graph.

    Admin-equivalent principals are skipped (they have nothing to gain). A
    principal that can unconditionally grant itself admin is not checked
    for taking over other identities: as admin it can become any of them, and
    those edges would only repeat it. Run after the can_access and can_assume
    analyzers: the checkers read their edges.
    """
    ctx = EscalationContext(graph, evaluator)
    found: list[Escalation] = []
    checks = [(t, c) for t in TECHNIQUES if (c := checker_for(t)) is not None]
    for principal in ctx.principals():
        if ctx.is_admin(principal.id):
            continue
        self_admin = False
        for technique, check in checks:
            if self_admin and technique.target not in SELF_TARGETS:
                continue
            if not ctx.could_apply(principal, technique):
                continue
            for escalation in check(ctx, technique, principal):
                found.append(escalation)
                self_admin = self_admin or (escalation.to_admin and not escalation.grant.conditional
                                            and escalation.target == ctx.account_node(principal))
    return found
