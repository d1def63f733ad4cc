"""Wildcard matching of actions and ARNs, policy variables, and three-valued answers.

- Actions match case-insensitively; ``*`` is any run of characters, ``?`` one.
- ARNs match case-sensitively and segment by segment: in the first five
  colon-delimited segments a wildcard stays within its segment; in the
  resource segment (the sixth) it may span ``:`` and ``/``. ``"*"`` alone
  matches everything.
- A requested resource may itself contain wildcards (``arn:aws:s3:::b/*``,
  ``arn:aws:iam::1:role/*``): it then stands for "some resource of that form".
  An Allow applies when its pattern can match some such resource
  (``intersects``); a Deny refuses only when it covers all of them (``covers``).
- Policy variables (``${aws:username}``) are substituted before matching;
  ``${*}``, ``${?}`` and ``${$}`` are the literal characters. Literal ``*``/``?``
  coming from a variable are kept literal with private-use stand-ins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

# Three-valued answers: NO < MAYBE < YES, so "and" is min and "or" is max.
NO, MAYBE, YES = 0, 1, 2

# A key known to be absent from the request, versus one whose value is unknown.
ABSENT = object()
UNKNOWN = object()

LITERAL_STAR = "\ue000"
LITERAL_QMARK = "\ue001"
# Stand-ins for "any characters" when asking whether a pattern covers a wildcard resource.
_ANY_RUN = "\uffff\ufffe/\uffff"
_ANY_CHAR = "\ufffd"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_WILD = frozenset("*?")


def tri_not(value: int) -> int:
    """Three-valued negation."""
    return 2 - value


def has_wildcard(text: str) -> bool:
    """Whether a string has ``*`` or ``?`` (literal stand-ins do not count)."""
    return "*" in text or "?" in text


def _glob_body(pattern: str, star: str, qmark: str) -> str:
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(qmark)
        elif ch == LITERAL_STAR:
            out.append(re.escape("*"))
        elif ch == LITERAL_QMARK:
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def action_regex(pattern: str) -> re.Pattern[str]:
    """An action pattern (lower-cased by the caller) as a compiled regex."""
    return re.compile(_glob_body(pattern, ".*", "."), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Case-insensitive action match; both arguments lower-case."""
    if pattern == "*" or pattern == action:
        return True
    if "*" not in pattern and "?" not in pattern:
        return False
    return action_regex(pattern).fullmatch(action) is not None


@lru_cache(maxsize=65536)
def arn_regex(pattern: str) -> re.Pattern[str]:
    """An ARN pattern as a regex honouring segment boundaries (see module doc)."""
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return re.compile(_glob_body(pattern, ".*", "."), re.DOTALL)
    head = [_glob_body(p, "[^:]*", "[^:]") for p in parts[:5]]
    return re.compile(":".join([*head, _glob_body(parts[5], ".*", ".")]), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """Case-sensitive match of a concrete ARN against an ARN pattern."""
    if pattern == "*":
        return True
    if not has_wildcard(pattern) and LITERAL_STAR not in pattern and LITERAL_QMARK not in pattern:
        return pattern == arn
    return arn_regex(pattern).fullmatch(arn) is not None


def covers(pattern: str, wanted: str) -> bool:
    """Whether ``pattern`` matches every resource the wildcard resource ``wanted`` stands for (approximation).

    Each wildcard of ``wanted`` is replaced by characters no real name uses; a
    pattern that still matches must have a wildcard of its own there.
    """
    if pattern == "*":
        return True
    probe = wanted.replace("*", _ANY_RUN).replace("?", _ANY_CHAR)
    return arn_regex(pattern).fullmatch(probe) is not None


def intersects(pattern: str, wanted: str) -> bool:
    """Whether some string matches both globs (``*``/``?``; segment limits are not enforced here)."""
    if pattern == "*" or wanted == "*":
        return True
    return _intersect(pattern, wanted)


@lru_cache(maxsize=65536)
def _intersect(a: str, b: str) -> bool:
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        ca = a[i] if i < len(a) else None
        cb = b[j] if j < len(b) else None
        # A star may match nothing, or swallow one character the other side produces.
        if ca == "*":
            stack.append((i + 1, j))
            if cb is not None and cb != "*":
                stack.append((i, j + 1))
        if cb == "*":
            stack.append((i, j + 1))
            if ca is not None and ca != "*":
                stack.append((i + 1, j))
        both_chars = ca is not None and cb is not None and ca != "*" and cb != "*"
        if both_chars and (ca == "?" or cb == "?" or _literal(ca) == _literal(cb)):  # type: ignore[arg-type]
            stack.append((i + 1, j + 1))
    return False


def _literal(ch: str) -> str:
    return "*" if ch == LITERAL_STAR else "?" if ch == LITERAL_QMARK else ch


def resource_matches(pattern: str, resource: str, *, every: bool) -> bool:
    """Match a resource (concrete ARN, or a wildcard resource) against a policy's ARN pattern.

    ``every`` asks whether the pattern covers every resource a wildcard
    resource stands for (how a Deny must match); otherwise whether it can
    match some of them (how an Allow matches).
    """
    if not has_wildcard(resource):
        return arn_matches(pattern, resource)
    return covers(pattern, resource) if every else intersects(pattern, resource)


Resolver = Callable[[str], object]


class Unresolved(Exception):
    """A policy variable whose value the snapshot does not know."""

    def __init__(self, variable: str) -> None:
        super().__init__(variable)
        self.variable = variable


def substitute(text: str, resolve: Resolver) -> str | None:
    """``text`` with its policy variables replaced; None when a variable is known to be absent.

    ``resolve(key_lower)`` returns a list of values, ``ABSENT`` or ``UNKNOWN``;
    an unknown value raises ``Unresolved``. ``${key, 'default'}`` falls back
    to the default when the key is absent.
    """
    if "${" not in text:
        return text
    absent = False

    def one(match: re.Match[str]) -> str:
        nonlocal absent
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return {"*": LITERAL_STAR, "?": LITERAL_QMARK, "$": "$"}[inner]
        key, _, default = inner.partition(",")
        value = resolve(key.strip().lower())
        if value is UNKNOWN:
            raise Unresolved(match.group(0))
        if value is ABSENT or not value:
            default = default.strip().strip("'\"")
            if default:
                return default
            absent = True
            return ""
        return str(value[0]).replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK)  # type: ignore[index]

    out = _VARIABLE.sub(one, text)
    return None if absent else out
