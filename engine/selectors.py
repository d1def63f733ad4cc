"""The ``--from`` / ``--to`` selectors of ``cloudwarden paths``.

Forms (checked in this order):

- ``internet``     the internet pseudo-node (the same as its node id)
- ``kind:KIND``    every node of a kind, e.g. ``kind:storage.bucket``
- ``cel:EXPR``     nodes for which the CEL expression over ``resource`` (the view policies see)
                   is ``true``; compiled once, run only on the nodes the search meets. A node on
                   which it fails at run time (a field its kind lacks...) is not selected, and
                   the failures are counted so the command can say so.
- anything else    one node id, exactly as in the snapshot (an ARN, an Azure or GCP resource id)

A CEL run costs ~10 us a node (cel-expr-python; ~30x more on cel-python), and on the far side of
a search it is tried on every node the search reached. An expression of the form
``resource.kind == "K" && ...`` (or ``resource.kind in ["K1", "K2"] && ...``) with no top-level
``||`` or ``?:`` is false on any other kind, so it is only run on nodes of those kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cloudwarden.engine.cel import CelBackend, CelCompileError, CelEvalError, CompiledExpr
from cloudwarden.engine.evaluate import resource_view
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.kinds import KINDS
from cloudwarden.graph.model import INTERNET_ID, Node
from cloudwarden.graph.paths import NodeSelector

KIND_PREFIX, CEL_PREFIX = "kind:", "cel:"


class SelectorError(ValueError):
    """A selector that names nothing that can exist: unknown id or kind, invalid CEL."""


_KIND_TEST = re.compile(r'\s*resource\.kind\s*(?:==\s*"([\w.]+)"|in\s*\[((?:\s*"[\w.]+"\s*,?)+)\])\s*(?:&&(.*))?',
                        re.DOTALL)


def _code_outside_strings(text: str) -> str | None:
    """``text`` with its string literals removed; None for raw, bytes or triple-quoted ones."""
    code: list[str] = []
    i = 0
    while i < len(text):
        quote = text[i]
        if quote not in "\"'":
            code.append(quote)
            i += 1
            continue
        if text.startswith(quote * 3, i) or (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            return None  # triple-quoted, or a prefix (r, b...): escapes read differently
        i += 1
        while i < len(text) and text[i] != quote:
            i += 2 if text[i] == "\\" else 1
        if i >= len(text):
            return None
        i += 1
    return "".join(code)


def kind_guard(source: str) -> frozenset[str] | None:
    """The kinds outside which the expression is surely false, when it opens with a kind test.

    ``G && R`` is false whenever ``G`` is (in CEL ``false && error`` is false too), and it is
    the whole expression when ``R`` has no ``||`` or ``?:``, which bind looser than ``&&``.
    Any doubt (raw or triple-quoted strings, an unbalanced quote) gives None: no shortcut.
    """
    match = _KIND_TEST.fullmatch(source)
    rest = _code_outside_strings(match.group(3) or "") if match else None
    if rest is None or "||" in rest or "?" in rest:
        return None
    return frozenset({match.group(1)} if match.group(1) else re.findall(r'"([\w.]+)"', match.group(2)))


@dataclass
class CelNodeTest:
    """A compiled CEL selector, callable on a node; remembers how often it failed."""

    expr: CompiledExpr
    backend: CelBackend
    kinds: frozenset[str] | None = None  # from ``kind_guard``: other kinds are not even tried
    failures: int = 0
    first_failure: str = field(default="")

    def __call__(self, node: Node) -> bool:
        if self.kinds is not None and node.kind not in self.kinds:
            return False
        try:
            value = self.expr.evaluate(self.backend.activation({"resource": resource_view(node)}))
        except CelEvalError as exc:
            value = exc
        if isinstance(value, bool):
            return value
        self.failures += 1
        if not self.first_failure:
            reason = str(value) if isinstance(value, CelEvalError) else f"returned {type(value).__name__}, not bool"
            self.first_failure = f"{node.id}: {reason}"
        return False


def uses_cel(text: str) -> bool:
    """Whether a selector needs a CEL backend (so one is only built when needed)."""
    return text.startswith(CEL_PREFIX)


def parse_selector(text: str, graph: EstateGraph, backend: CelBackend | None = None, flag: str = "selector",
                   compiled: CelNodeTest | None = None) -> NodeSelector:
    """The ``NodeSelector`` for ``text``; raises ``SelectorError`` naming ``flag`` when it is bad.

    ``compiled`` is the ``cel:`` expression already compiled by ``compile_cel_selector`` (a
    command compiles before loading a snapshot, so an invalid expression fails fast).
    """
    if not text.strip():
        raise SelectorError(f"{flag}: empty selector (use internet, a node id, kind:KIND or cel:EXPR)")
    if text == INTERNET_ID:
        return NodeSelector(text=text, ids=frozenset({INTERNET_ID}))
    if text.startswith(KIND_PREFIX):
        kind = text[len(KIND_PREFIX):].strip()
        nodes = graph.nodes_of(kind)
        if not nodes and kind not in KINDS:
            raise SelectorError(f"{flag}: unknown kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
        return NodeSelector(text=text, ids=frozenset(n.id for n in nodes))
    if text.startswith(CEL_PREFIX):
        return NodeSelector(text=text, test=compiled or compile_cel_selector(text[len(CEL_PREFIX):], backend, flag))
    if text not in graph:
        raise SelectorError(f"{flag}: unknown node id {text!r} (not in the snapshot; "
                            "selectors are internet, a node id, kind:KIND or cel:EXPR)")
    return NodeSelector(text=text, ids=frozenset({text}))


def compile_cel_selector(source: str, backend: CelBackend | None, flag: str = "selector") -> CelNodeTest:
    """Compile a ``cel:`` selector's expression once; a compile error names its position."""
    if backend is None:
        raise SelectorError(f"{flag}: a cel: selector needs a CEL backend")
    if not source.strip():
        raise SelectorError(f"{flag}: empty CEL expression after 'cel:'")
    try:
        expr = backend.compile(source)
    except CelCompileError as exc:
        where = f" at line {exc.line}, column {exc.column}" if exc.line is not None else ""
        raise SelectorError(f"{flag}: invalid CEL{where}: {exc.message}") from None
    if expr.result_type not in ("bool", "dyn"):
        raise SelectorError(f"{flag}: the CEL expression must be boolean, not {expr.result_type}")
    return CelNodeTest(expr=expr, backend=backend, kinds=kind_guard(source))
