"""The ``--from`` / ``--to`` selectors of ``cloudwarden paths``.

Forms (checked in this order):

- ``internet``     the internet pseudo-node (the same as its node id)
- ``kind:KIND``    every node of a kind, e.g. ``kind:storage.bucket``
- ``cel:EXPR``     nodes for which the CEL expression over ``resource`` (the view policies see)
                   is ``true``; compiled once, run only on the nodes the search meets. A node on
                   which it fails at run time (a field its kind lacks...) is not selected, and
                   the failures are counted so the command can say so.
- anything else    one node id, exactly as in the snapshot (an ARN, an Azure or GCP resource id)
"""

from __future__ import annotations

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


@dataclass
class CelNodeTest:
    """A compiled CEL selector, callable on a node; remembers how often it failed."""

    expr: CompiledExpr
    backend: CelBackend
    failures: int = 0
    first_failure: str = field(default="")

    def __call__(self, node: Node) -> bool:
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


def parse_selector(text: str, graph: EstateGraph, backend: CelBackend | None = None, flag: str = "selector") -> NodeSelector:
    """The ``NodeSelector`` for ``text``; raises ``SelectorError`` naming ``flag`` when it is bad."""
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
        return NodeSelector(text=text, test=compile_cel_selector(text[len(CEL_PREFIX):], backend, flag))
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
    return CelNodeTest(expr=expr, backend=backend)
