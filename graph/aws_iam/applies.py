"""Whether one statement, whose action already matched, applies to a resource in a request context.

Three-valued: YES, NO, or MAYBE with what is left open (the undecided
condition tests, the policy variables whose values are unknown).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.aws_iam.conditions import evaluate
from cloudwarden.graph.aws_iam.context import RequestContext
from cloudwarden.graph.aws_iam.matching import (
    MAYBE,
    NO,
    YES,
    Unresolved,
    resource_matches,
    substitute,
)
from cloudwarden.graph.aws_iam.statements import Statement


def applies(stmt: Statement, resource: str, wide_only: bool, rc: RequestContext, *,
            every: bool) -> tuple[int, dict[str, Any]]:
    """YES/NO/MAYBE and ``{"condition": {...}, "variables": [...]}`` for what is undecided.

    ``every`` is how a Deny matches a wildcard resource (it must cover all of
    it); an Allow needs only some of it. ``wide_only`` answers for "any
    resource nothing singles out": only statements on every resource (or with
    ``NotResource``) match.
    """
    res, variables = resource_applies(stmt, resource, wide_only, rc, every)
    if res == NO:
        return NO, {}
    cond, undecided = evaluate(stmt.condition, rc)
    if cond == NO:
        return NO, {}
    open_parts: dict[str, Any] = {}
    if undecided:
        open_parts["condition"] = undecided
    if variables:
        open_parts["variables"] = variables
    return min(res, cond), open_parts


def resource_applies(stmt: Statement, resource: str, wide_only: bool, rc: RequestContext,
                     every: bool) -> tuple[int, list[str]]:
    """The Resource / NotResource part alone, with the variables it could not resolve."""
    if stmt.resources is None:
        return YES, []
    if wide_only:
        star = "*" in stmt.resources
        return (NO if star else YES, []) if stmt.not_resource else (YES if star else NO, [])
    hit = False
    unresolved: list[str] = []
    # NotResource excludes: an Allow applies if some resource escapes every exclusion
    # (so an exclusion must cover them all), a Deny only if none is excluded.
    quantifier = every if not stmt.not_resource else not every
    for pattern in stmt.resources:
        try:
            resolved = substitute(pattern, rc)
        except Unresolved as exc:
            unresolved.append(exc.variable)
            continue
        if resolved is not None and resource_matches(resolved, resource, every=quantifier):
            hit = True
            break
    if stmt.not_resource:
        return (NO, []) if hit else ((MAYBE, unresolved) if unresolved else (YES, []))
    return (YES, []) if hit else ((MAYBE, unresolved) if unresolved else (NO, []))
