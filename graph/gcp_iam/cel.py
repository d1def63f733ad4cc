"""A small three-valued evaluator for the CEL that IAM Conditions use.

IAM Conditions are CEL expressions over a few attributes (``resource.name``,
``resource.type``, ``resource.service``, ``request.time``, tags, API
attributes). A snapshot decides some of them (the target's name, type and
service; the time of evaluation) and not others (tags, request paths, the
grants a setIamPolicy call would change). The project's CEL backends answer
true or false; an IAM condition needs a third answer, *unknown*, so that
``resource.type == "storage.googleapis.com/Bucket" && resource.matchTag(...)``
is false on a key (decided) and unknown on a bucket (tags not known).

Semantics follow CEL's commutative logic: ``false && x`` is false and
``true || x`` true whatever ``x`` is (unknown, or an error). Anything outside
the subset (an unsupported function, a parse error) is unknown, never false.

``OpenName`` stands for a name known only up to a prefix: the objects of a
bucket (``projects/_/buckets/b/objects/<any>``) or a resource not created yet.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


class _Unknown:
    """The value of an attribute or expression the snapshot does not decide (one instance: ``UNKNOWN``)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class OpenName:
    """A name that starts with ``prefix`` and goes on with something the snapshot does not know."""

    prefix: str


@dataclass(frozen=True)
class Clock:
    """``request.time``: comparable with timestamps; its clock-face parts (hours, weekday) are left unknown."""

    at: datetime


class CelSyntaxError(ValueError):
    """The expression is outside the supported subset (it then evaluates to unknown)."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>[rR]?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))
  | (?P<num>\d+\.\d+|\d+[uU]?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*/%().,\[\]{}?:])
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise CelSyntaxError(f"unexpected character {text[pos]!r} at {pos}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind or "")
        if kind == "ws":
            continue
        if kind == "str":
            raw = value[0] in "rR"
            body = value[2:-1] if raw else value[1:-1]
            out.append(("lit", body if raw else _unescape(body)))
        elif kind == "num":
            out.append(("lit", float(value) if "." in value else int(value.rstrip("uU"))))
        elif kind == "id" and value in ("true", "false", "null"):
            out.append(("lit", {"true": True, "false": False, "null": None}[value]))
        else:
            out.append((kind or "", value))
    out.append(("end", None))
    return out


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body)


class _Parser:
    """Recursive descent over CEL's grammar (ternary, ||, &&, relations, +-, */%, unary, member, primary)."""

    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> tuple[str, Any]:
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            raise CelSyntaxError(f"expected {value!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        if self.peek()[0] == "op" and self.peek()[1] == value:
            self.i += 1
            return True
        return False

    def parse(self) -> tuple[Any, ...]:
        node = self.expr()
        if self.peek()[0] != "end":
            raise CelSyntaxError(f"unexpected {self.peek()[1]!r}")
        return node

    def expr(self) -> tuple[Any, ...]:
        cond = self.binary(0)
        if self.accept("?"):
            then = self.expr()
            self.take(":")
            return ("?:", cond, then, self.expr())
        return cond

    _LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"),
                                            ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> tuple[Any, ...]:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            kind, value = self.peek()
            if (kind == "op" or (kind == "id" and value == "in")) and value in self._LEVELS[level]:
                self.i += 1
                node = (value, node, self.binary(level + 1))
            else:
                return node

    def unary(self) -> tuple[Any, ...]:
        if self.accept("!"):
            return ("!", self.unary())
        if self.accept("-"):
            return ("neg", self.unary())
        return self.member()

    def member(self) -> tuple[Any, ...]:
        node = self.primary()
        while True:
            if self.accept("."):
                name = self.take()
                if name[0] != "id":
                    raise CelSyntaxError("expected a field or method name")
                if self.accept("("):
                    node = ("call", name[1], node, self.args(")"))
                else:
                    node = ("field", node, name[1])
            elif self.accept("["):
                index = self.expr()
                self.take("]")
                node = ("index", node, index)
            else:
                return node

    def args(self, close: str) -> list[tuple[Any, ...]]:
        items: list[tuple[Any, ...]] = []
        if self.accept(close):
            return items
        while True:
            items.append(self.expr())
            if self.accept(close):
                return items
            self.take(",")

    def primary(self) -> tuple[Any, ...]:
        kind, value = self.take()
        if kind == "lit":
            return ("lit", value)
        if kind == "id":
            if self.accept("("):
                return ("call", value, None, self.args(")"))
            return ("id", value)
        if kind == "op" and value == "(":
            node = self.expr()
            self.take(")")
            return node
        if kind == "op" and value == "[":
            return ("list", self.args("]"))
        raise CelSyntaxError(f"unexpected {value!r}")


_PARSED: dict[str, tuple[Any, ...] | CelSyntaxError] = {}


def parse(expression: str) -> tuple[Any, ...]:
    """The expression's syntax tree (cached); raises ``CelSyntaxError`` outside the subset."""
    found = _PARSED.get(expression)
    if found is None:
        try:
            found = _Parser(expression).parse()
        except CelSyntaxError as exc:
            found = exc
        _PARSED[expression] = found
    if isinstance(found, CelSyntaxError):
        raise found
    return found


def evaluate(expression: str, variables: dict[str, Any]) -> bool | None:
    """True, False, or None (unknown) for a boolean IAM condition over ``variables``.

    ``variables`` maps top-level names (``resource``, ``request``) to dicts of
    attributes; an attribute that is absent or ``UNKNOWN`` is unknown.
    """
    try:
        value = _eval(parse(expression), variables)
    except (CelSyntaxError, RecursionError):
        return None
    return value if isinstance(value, bool) else None


def _eval(node: tuple[Any, ...], env: dict[str, Any]) -> Any:
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "id":
        return env.get(node[1], UNKNOWN)
    if op == "field":
        base = _eval(node[1], env)
        return base.get(node[2], UNKNOWN) if isinstance(base, dict) else UNKNOWN
    if op == "list":
        return [_eval(item, env) for item in node[1]]
    if op == "&&":
        return _and(_eval(node[1], env), lambda: _eval(node[2], env))
    if op == "||":
        return _or(_eval(node[1], env), lambda: _eval(node[2], env))
    if op == "!":
        value = _eval(node[1], env)
        return (not value) if isinstance(value, bool) else UNKNOWN
    if op == "?:":
        cond = _eval(node[1], env)
        if not isinstance(cond, bool):
            return UNKNOWN
        return _eval(node[2] if cond else node[3], env)
    if op == "call":
        return _call(node[1], None if node[2] is None else _eval(node[2], env), [_eval(a, env) for a in node[3]])
    if op == "index":
        base, key = _eval(node[1], env), _eval(node[2], env)
        if isinstance(base, dict) and isinstance(key, str):
            return base.get(key, UNKNOWN)
        if isinstance(base, list) and isinstance(key, int) and 0 <= key < len(base):
            return base[key]
        return UNKNOWN
    if op == "neg":
        value = _eval(node[1], env)
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN
    return _binary(op, _eval(node[1], env), _eval(node[2], env))


def _and(left: Any, right: Any) -> Any:
    if left is False:
        return False
    value = right()
    if value is False:
        return False
    return True if left is True and value is True else UNKNOWN


def _or(left: Any, right: Any) -> Any:
    if left is True:
        return True
    value = right()
    if value is True:
        return True
    return False if left is False and value is False else UNKNOWN


def _binary(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        equal = _equal(left, right)
        if equal is UNKNOWN:
            return UNKNOWN
        return equal if op == "==" else not equal
    if op == "in":
        if not isinstance(right, list):
            return UNKNOWN
        results = [_equal(left, item) for item in right]
        if True in results:
            return True
        return UNKNOWN if UNKNOWN in results else False
    if isinstance(left, Clock):
        left = left.at
    if isinstance(right, Clock):
        right = right.at
    if _unknownish(left) or _unknownish(right):
        return UNKNOWN
    try:
        if op in _ARITHMETIC and not (op in ("/", "%") and not right):
            if op == "/" and isinstance(left, int) and isinstance(right, int):
                return left // right
            return _ARITHMETIC[op](left, right)
    except TypeError:
        return UNKNOWN
    return UNKNOWN


_ARITHMETIC = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "+": operator.add,
               "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod}


def _unknownish(value: Any) -> bool:
    return value is UNKNOWN or isinstance(value, OpenName) or (
        isinstance(value, list) and any(_unknownish(v) for v in value))


def _equal(left: Any, right: Any) -> Any:
    if isinstance(left, OpenName) and isinstance(right, str):
        return UNKNOWN if right.startswith(left.prefix) else False
    if isinstance(right, OpenName) and isinstance(left, str):
        return _equal(right, left)
    if isinstance(left, Clock) or isinstance(right, Clock):
        left = left.at if isinstance(left, Clock) else left
        right = right.at if isinstance(right, Clock) else right
    if _unknownish(left) or _unknownish(right):
        return UNKNOWN
    return left == right


_DURATION = re.compile(r"(-?\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _call(name: str, target: Any, args: list[Any]) -> Any:
    if target is None:
        return _function(name, args)
    if isinstance(target, OpenName):
        return _open_method(name, target, args)
    if isinstance(target, str) and all(isinstance(a, str) for a in args):
        if name == "startsWith" and len(args) == 1:
            return target.startswith(args[0])
        if name == "endsWith" and len(args) == 1:
            return target.endswith(args[0])
        if name == "contains" and len(args) == 1:
            return args[0] in target
        if name == "matches" and len(args) == 1:
            try:
                return re.search(args[0], target) is not None
            except re.error:
                return UNKNOWN
        if name == "size" and not args:
            return len(target)
    if name == "size" and not args and isinstance(target, (list, dict)):
        return len(target)
    # Clock-face accessors (getHours, getDayOfWeek...), tags, API attributes: not decided by a snapshot.
    return UNKNOWN


def _open_method(name: str, target: OpenName, args: list[Any]) -> Any:
    if len(args) != 1 or not isinstance(args[0], str):
        return UNKNOWN
    arg = args[0]
    if name == "startsWith":
        if target.prefix.startswith(arg):
            return True
        return UNKNOWN if arg.startswith(target.prefix) else False
    if name == "contains" and arg in target.prefix:
        return True
    return UNKNOWN


def _function(name: str, args: list[Any]) -> Any:
    if name == "timestamp" and len(args) == 1 and isinstance(args[0], str):
        try:
            text = re.sub(r"\.(\d{6})\d+", r".\1", args[0])  # nanoseconds: Python keeps microseconds
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return UNKNOWN
    if name == "duration" and len(args) == 1 and isinstance(args[0], str):
        parts = _DURATION.findall(args[0])
        if not parts:
            return UNKNOWN
        return timedelta(seconds=sum(float(n) * _DURATION_UNITS[u] for n, u in parts))
    if name == "size" and len(args) == 1 and isinstance(args[0], (str, list, dict)):
        return len(args[0])
    return UNKNOWN


def utc(moment: datetime | None) -> datetime:
    """``moment`` as an aware UTC datetime (now when None)."""
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
