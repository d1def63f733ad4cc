"""``can_escalate`` edges on GCP (see ``graph/gcp_escalation``).

One edge per (principal, target): the target is a service account the
principal can become (through a workload it deploys or changes, a build, a
deployment, or the account's own IAM policy), or an organization, folder or
project it can make itself Owner of (``to: admin``). The detail names the
primary technique ``{technique, title, actions, to, grants, conditional,
description[, conditions][, via][, notes]}`` and lists every technique that
leads there under ``techniques`` (one entry per technique). The edge is
conditional only when every technique is.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_escalation import TECHNIQUES, Found, find_escalations
from cloudwarden.graph.model import Edge

_ORDER = {t.id: i for i, t in enumerate(TECHNIQUES)}


def escalation_edges(found: list[Found]) -> list[Edge]:
    """Group escalations into one ``can_escalate`` edge per (principal, target)."""
    grouped: dict[tuple[str, str], dict[str, Found]] = defaultdict(dict)
    for item in sorted(found, key=lambda f: (f.conditional, _ORDER[f.technique.id])):
        grouped[(item.principal, item.target)].setdefault(item.technique.id, item)
    edges = []
    for (source, target), by_technique in sorted(grouped.items()):
        ranked = sorted(by_technique.values(), key=lambda f: (f.conditional, not f.to_admin, _ORDER[f.technique.id]))
        detail: dict[str, Any] = dict(ranked[0].detail())
        detail["techniques"] = [f.detail() for f in ranked]
        edges.append(Edge(source=source, target=target, kind="can_escalate", detail=detail))
    return edges


def run(graph: EstateGraph) -> list[Edge]:
    """The GCP can_escalate edges of the graph."""
    return escalation_edges(find_escalations(graph))


ANALYZER = Analyzer(
    "gcp_escalation",
    run,
    after=("gcp_can_access", "gcp_can_assume"),
    description="GCP privilege escalation techniques as can_escalate edges",
)
