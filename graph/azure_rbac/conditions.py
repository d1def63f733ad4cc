"""Azure ABAC role-assignment conditions: decided only when trivially decidable, else kept as conditional.

Conditions (version 2.0) are written as clauses that each start by naming the
operations they restrict, for instance::

    ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))
     OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]
         ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635}))

For an operation that no ``ActionMatches`` of a clause names, the negated left
side is true, so the clause holds whatever the attributes are. That is the one
case decided here (``True``); anything touching attributes (tags, request
parameters, principal attributes, sub-operations) is undecided (``None``) and the
grant stays conditional, carrying the condition text as evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cloudwarden.graph.azure_rbac.permissions import matches

_ACTION_MATCHES = re.compile(r"ActionMatches\s*\{\s*'([^']*)'\s*\}", re.IGNORECASE)
_SUB_OPERATION = re.compile(r"SubOperationMatches", re.IGNORECASE)
_ATOM = re.compile(r"(?:ActionMatches|SubOperationMatches)\s*\{\s*'[^']*'\s*\}|\b(?:AND|OR|NOT)\b|[()\s]",
                   re.IGNORECASE)


def _strip_outer(text: str) -> str:
    """Remove parentheses that enclose the whole expression."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, start: int) -> int:
    depth = 0
    quoted = False
    for i in range(start, len(text)):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split(text: str, operator: str) -> list[str]:
    """Split on a boolean operator at parenthesis depth 0 (outside quotes)."""
    parts: list[str] = []
    depth, quoted, last = 0, False, 0
    pattern = re.compile(rf"\s{operator}\s", re.IGNORECASE)
    i = 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char.isspace():
            found = pattern.match(text, i)
            if found:
                parts.append(text[last:i])
                last = i = found.end()
                continue
        i += 1
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def _term_value(term: str, action: str) -> bool | None:
    """``!(ActionMatches{...})`` or ``ActionMatches{...}`` for ``action``; None when attributes decide."""
    term = _strip_outer(term)
    negated = term.startswith("!")
    inner = _strip_outer(term[1:]) if negated else term
    if not _ACTION_MATCHES.search(inner) or _ATOM.sub("", inner):
        return None  # attributes (tags, request parameters, principal) decide: not here
    named = any(matches(p, action) for p in _ACTION_MATCHES.findall(inner))
    if not named:
        return negated  # every ActionMatches atom is false, so is the inner expression
    if _SUB_OPERATION.search(inner) or re.search(r"\bAND\b|\bNOT\b", inner, re.IGNORECASE):
        return None  # which sub-operation (e.g. Blob.List) a request is, is not known here
    return not negated


def _disjunct_true(disjunct: str, action: str) -> bool:
    terms = _split(_strip_outer(disjunct), "AND")
    return bool(terms) and all(_term_value(t, action) is True for t in terms)


@lru_cache(maxsize=8192)
def condition_holds(condition: str | None, action: str) -> bool | None:
    """``True`` when the condition cannot restrict ``action`` (or there is none); ``None`` when undecided."""
    if condition is None or not str(condition).strip():
        return True
    clauses = _split(_strip_outer(str(condition)), "AND")
    for clause in clauses:
        disjuncts = _split(_strip_outer(clause), "OR")
        if not any(_disjunct_true(d, action) for d in disjuncts):
            return None
    return True
