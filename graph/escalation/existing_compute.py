"""Escalation through existing compute that runs as a privileged role.

Changing the code, command or startup script of an instance, function or
notebook runs the attacker's code with the credentials of the role the
resource ``runs_as``. Edges point at that role; ``via`` is the resource.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.graph.escalation.catalogue import Technique
from cloudwarden.graph.escalation.context import Escalation, EscalationContext
from cloudwarden.graph.model import Node

TARGETS = ("compute",)

# Resources that no longer run anything cannot be made to run code.
_GONE = {"terminated", "shutting-down", "Deleting", "Failed"}


def escalations(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Every existing resource of ``technique.compute`` kinds whose more privileged role ``principal`` can use."""
    fresh = ctx.grant(principal, [n for n in technique.needs if n.on == "new"], {})
    if fresh is None:
        return
    on_target = [n for n in technique.needs if n.on != "new"]
    if not any(ctx.may(principal, on_target, kind) for kind in technique.compute):
        return
    reached: set[str] = set()
    for compute in ctx.in_account(principal, *technique.compute):
        if _gone(compute):
            continue
        roles = [e.target for e in ctx.graph.out_edges(compute.id, "runs_as")
                 if e.target not in reached and ctx.grants_more(principal.id, e.target)]
        if not roles:
            continue
        grant = ctx.grant(principal, on_target, {"target": compute.id})
        if grant is None:
            continue
        for role in roles:
            reached.add(role)  # one resource per role suffices as evidence
            yield Escalation(principal.id, technique, role, compute.id, fresh.merged(grant),
                             extra={"compute": compute.id})


def _gone(compute: Node) -> bool:
    return str(compute.props.get("state") or compute.props.get("status") or "") in _GONE
