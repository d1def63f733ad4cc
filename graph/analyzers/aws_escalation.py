"""``can_escalate`` edges: AWS privilege escalation (see ``graph/escalation``).

One edge per (principal, target): the target is the identity the principal can
become (a user or role that grants more), a group it can join, or its own
account node with ``to: admin`` when it can grant itself every permission.
The edge detail names its primary technique
``{technique, title, actions, via, conditional[, conditions][, to]}`` and lists
every technique that leads there under ``techniques``. The edge is conditional
only when every technique is (conditions the snapshot cannot decide).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.escalation import find_escalations
from cloudwarden.graph.escalation.catalogue import TECHNIQUES
from cloudwarden.graph.escalation.context import Escalation
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge

_ORDER = {t.id: i for i, t in enumerate(TECHNIQUES)}


def _rank(found: Escalation) -> tuple[bool, bool, int]:
    """Unconditional first, then those reaching admin, then catalogue order."""
    return (found.grant.conditional, not found.to_admin, _ORDER[found.technique.id])


def escalation_edges(escalations: Iterable[Escalation]) -> list[Edge]:
    """Group escalations into one ``can_escalate`` edge per (principal, target)."""
    grouped: dict[tuple[str, str], list[Escalation]] = defaultdict(list)
    for found in escalations:
        grouped[(found.principal, found.target)].append(found)
    edges = []
    for (source, target), found in sorted(grouped.items()):
        ranked = sorted(found, key=_rank)
        primary = ranked[0].detail()
        detail: dict[str, Any] = {key: primary[key] for key in ("technique", "title", "actions", "via", "conditional")}
        for key in ("conditions", "to", "service", "compute"):
            if key in primary:
                detail[key] = primary[key]
        detail["techniques"] = [f.detail() for f in ranked]
        edges.append(Edge(source=source, target=target, kind="can_escalate", detail=detail))
    return edges


def run(graph: EstateGraph) -> list[Edge]:
    """The can_escalate edges of the graph."""
    return escalation_edges(find_escalations(graph))


ANALYZER = Analyzer(
    "aws_escalation",
    run,
    after=("aws_can_access", "aws_can_assume"),
    description="AWS privilege escalation techniques as can_escalate edges",
)
