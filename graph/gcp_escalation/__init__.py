"""GCP privilege escalation: a technique catalogue as data (``catalogue``) and one checker per target (``checkers``).

``find_escalations(graph)`` lists every (principal, technique, target) found
with the graph's shared ``GcpAuthorization``; the ``gcp_escalation`` analyzer
turns them into ``can_escalate`` edges. Impersonation by tokens, signing and
keys is ``can_assume`` (``gcp_can_assume``); chains follow both edge kinds.
"""

from __future__ import annotations

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_escalation.catalogue import TECHNIQUES, Technique
from cloudwarden.graph.gcp_escalation.checkers import CHECKERS, Context, Found
from cloudwarden.graph.gcp_iam import shared_authorization

__all__ = ["TECHNIQUES", "Found", "Technique", "find_escalations"]


def find_escalations(graph: EstateGraph) -> list[Found]:
    """Every escalation of every GCP principal that is not owner-equivalent everywhere it acts."""
    ctx = Context(shared_authorization(graph))
    found: list[Found] = []
    for principal in ctx.auth.principals():
        for technique in TECHNIQUES:  # scope techniques come first in the catalogue
            for item in CHECKERS[technique.target](ctx, technique, principal):
                found.append(item)
                if item.to_admin and not item.conditional:
                    ctx.self_admin.setdefault(principal.id, set()).add(item.target)
    return found
