"""Three-valued verdicts that carry their evidence, combined with AND / OR as AWS's evaluation does.

A ``Gate`` is one requirement of a decision (the identity policies allow, the
boundary allows, every SCP level allows, the resource policy names the
caller...): YES with the statements that made it so, MAYBE with the
statements whose conditions the snapshot cannot decide, or NO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.aws_iam.matching import MAYBE, NO, YES
from cloudwarden.graph.aws_iam.statements import Statement

# Statement kinds that grant (and so are reported as a decision's statements);
# boundaries and SCPs only limit, so they appear only when their conditions matter.
GRANTING = frozenset({"identity", "resource", "trust"})


@dataclass
class Gate:
    """A verdict with its evidence: granting statements, and undecided ones with their open conditions."""

    tri: int
    statements: list[Statement] = field(default_factory=list)
    maybe: list[tuple[Statement, dict[str, Any]]] = field(default_factory=list)


OPEN = Gate(YES)  # a requirement that does not apply (no boundary, no SCPs)
SHUT = Gate(NO)


def gate(hits: list[tuple[Statement, int, dict[str, Any]]]) -> Gate:
    """Allow statements that matched (each with YES/MAYBE and its open conditions) as one verdict."""
    yes = [s for s, t, _ in hits if t == YES]
    if yes:
        return Gate(YES, [s for s in yes if s.kind in GRANTING])
    maybe = [(s, u) for s, t, u in hits if t == MAYBE]
    return Gate(MAYBE, [s for s, _ in maybe if s.kind in GRANTING], maybe) if maybe else SHUT


def all_of(*gates: Gate) -> Gate:
    """AND: the weakest verdict; evidence of every gate (open conditions of the undecided ones)."""
    tri = min(g.tri for g in gates)
    if tri == NO:
        return SHUT
    return Gate(tri, [s for g in gates for s in g.statements], [m for g in gates if g.tri == MAYBE for m in g.maybe])


def any_of(*gates: Gate) -> Gate:
    """OR: the strongest verdict; evidence of the first gate that reaches it (all undecided ones if MAYBE)."""
    tri = max(g.tri for g in gates)
    if tri == NO:
        return SHUT
    if tri == YES:
        return next(g for g in gates if g.tri == YES)
    return Gate(MAYBE, [s for g in gates if g.tri == MAYBE for s in g.statements],
                [m for g in gates if g.tri == MAYBE for m in g.maybe])


def condition_entry(stmt: Statement, undecided: dict[str, Any]) -> dict[str, Any]:
    """An undecided statement as a decision's ``conditions`` entry."""
    return {**stmt.ref(), **undecided}


def refs(statements: list[Statement]) -> list[dict[str, Any]]:
    """Statement references, de-duplicated in order."""
    seen: set[int] = set()
    out = []
    for stmt in statements:
        if id(stmt) not in seen:
            seen.add(id(stmt))
            out.append(stmt.ref())
    return out
