"""``can_escalate`` edges: Azure privilege escalation (see ``graph/azure_escalation``).

One edge per (principal, target). The target is the managed identity a
takeover technique acts as (run command, extensions, runbooks, app code,
identity attachment, federated credentials), a Key Vault whose access policies
the principal can rewrite, or the subscription / management group node with
``to: "admin"`` when the principal can make itself Owner there (role
assignments or a custom role it holds and can rewrite).
"""

from __future__ import annotations

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.azure_escalation import escalation_edges, find_escalations
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge


def run(graph: EstateGraph) -> list[Edge]:
    """The Azure can_escalate edges of the graph."""
    return escalation_edges(graph, find_escalations(graph))


ANALYZER = Analyzer(
    "azure_escalation",
    run,
    after=("azure_can_access",),
    description="Azure privilege escalation techniques as can_escalate edges",
)
