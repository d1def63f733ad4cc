"""A small CEL backend interface with two implementations.

``cel-expr-python`` (Google's C++ CEL behind Python bindings) is the default: it
type-checks at compile time and is fast. ``cel-python`` (pure Python) is the
fallback where the native wheel cannot be installed; it parses but cannot
type-check, so it catches syntax errors at load and the rest at run time.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudwarden.engine.cel.base import (
    Activation,
    CelBackend,
    CelCompileError,
    CelEvalError,
    CompiledExpr,
    CustomFunction,
    ExprType,
)

BACKENDS = ("cel-expr-python", "cel-python")
DEFAULT_BACKEND = "cel-expr-python"


class UnknownBackendError(ValueError):
    """A ``--cel-backend`` name that is not one of ``BACKENDS`` or is not installed."""


def get_backend(name: str = DEFAULT_BACKEND, functions: Sequence[CustomFunction] | None = None) -> CelBackend:
    """The backend called ``name``, ready to compile expressions over ``resource``.

    ``functions`` defaults to the graph-aware functions every policy may call.
    """
    if functions is None:
        from cloudwarden.engine.graph_functions import GRAPH_FUNCTIONS

        functions = GRAPH_FUNCTIONS
    if name == "cel-expr-python":
        try:
            from cloudwarden.engine.cel.expr_backend import CelExprBackend
        except ImportError as exc:  # the native wheel is missing on this platform
            raise UnknownBackendError(f"cel-expr-python is not installed ({exc}); use --cel-backend cel-python") from exc
        return CelExprBackend(functions)
    if name == "cel-python":
        from cloudwarden.engine.cel.celpy_backend import CelPyBackend

        return CelPyBackend(functions)
    raise UnknownBackendError(f"unknown CEL backend {name!r}; choose one of: {', '.join(BACKENDS)}")


__all__ = [
    "Activation",
    "BACKENDS",
    "CelBackend",
    "CelCompileError",
    "CelEvalError",
    "CompiledExpr",
    "CustomFunction",
    "DEFAULT_BACKEND",
    "ExprType",
    "UnknownBackendError",
    "get_backend",
]
