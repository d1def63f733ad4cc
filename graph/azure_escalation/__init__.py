"""Azure privilege escalation: a technique catalogue as data, one checker per target family.

``find_escalations(graph)`` asks the shared ``AzureAuthorization`` about every
technique for every Azure principal; ``escalation_edges`` folds the results into
one ``can_escalate`` edge per (principal, target) with the AWS detail shape
(``technique, title, actions, to, grants, conditional, description, via``, and
every technique under ``techniques``). Adding a technique is one catalogue entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cloudwarden.graph.azure_escalation.catalogue import TECHNIQUES, Technique
from cloudwarden.graph.azure_escalation.checkers import CHECKERS
from cloudwarden.graph.azure_escalation.context import (
    ADMIN,
    Escalation,
    EscalationContext,
)
from cloudwarden.graph.azure_rbac import (
    AzureAuthorization,
    scopes,
    shared_authorization,
)
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge

__all__ = ["TECHNIQUES", "Escalation", "EscalationContext", "Technique", "escalation_edges", "find_escalations"]

_ORDER = {t.id: i for i, t in enumerate(TECHNIQUES)}


def find_escalations(graph: EstateGraph, auth: AzureAuthorization | None = None) -> list[Escalation]:
    """Every (principal, technique, target) escalation among the graph's Azure principals."""
    auth = auth or shared_authorization(graph)
    ctx = EscalationContext(graph, auth)
    found: list[Escalation] = []
    for principal in auth.principals():
        for technique in TECHNIQUES:
            found += [e for e in CHECKERS[technique.family](ctx, technique, principal) if e.target != principal.id]
    return found


def _rank(found: Escalation) -> tuple[bool, bool, int]:
    """Unconditional first, then those reaching admin, then catalogue order."""
    return (found.permit.conditional, found.to != ADMIN, _ORDER[found.technique.id])


def escalation_edges(graph: EstateGraph, escalations: Iterable[Escalation]) -> list[Edge]:
    """One ``can_escalate`` edge per (principal, target); admin targets not collected become reference nodes."""
    grouped: dict[tuple[str, str], list[Escalation]] = defaultdict(list)
    for found in escalations:
        grouped[(found.principal, found.target)].append(found)
    edges = []
    for (source, target), found in sorted(grouped.items()):
        ranked = sorted(found, key=_rank)
        detail: dict[str, Any] = dict(ranked[0].detail())
        detail["conditional"] = all(f.permit.conditional for f in ranked)
        detail["techniques"] = [f.detail() for f in ranked]
        if target not in graph:
            target = scopes.ensure_scope_node(graph, target)
        edges.append(Edge(source=source, target=target, kind="can_escalate", detail=detail))
    return edges
