"""The pure-Python fallback backend: ``cel-python`` (parses, evaluates; no type checker)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import celpy
from celpy import celtypes

from cloudwarden.engine.cel.base import (
    Activation,
    CelBackend,
    CelCompileError,
    CelEvalError,
    CompiledExpr,
    CustomFunction,
    ExprType,
)

_LINE_COL = re.compile(r"line (\d+), col(?:umn)? (\d+)")


def _plain(value: Any) -> Any:
    """CEL values back to plain Python (celtypes subclass the Python scalars and containers)."""
    if value is None or isinstance(value, (celtypes.BoolType, bool)):
        return None if value is None else bool(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.MapType):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, celtypes.ListType):
        return [_plain(v) for v in value]
    return value


def _adapt(function: CustomFunction) -> Callable[..., Any]:
    """Plain-Python arguments in, CEL values out."""

    def call(*args: Any) -> Any:
        try:
            return celpy.json_to_cel(function.impl(*(_plain(a) for a in args)))
        except Exception as exc:  # noqa: BLE001 - becomes a CEL error value, as in the C++ backend
            return celpy.CELEvalError(f"{function.name}: {type(exc).__name__}: {exc}", type(exc), exc.args)

    return call


class _Expr(CompiledExpr):
    __slots__ = ("source", "_program")

    def __init__(self, source: str, program: Any) -> None:
        self.source = source
        self._program = program

    @property
    def result_type(self) -> ExprType:
        return "dyn"

    def evaluate(self, activation: Activation) -> Any:
        try:
            result = self._program.evaluate(activation.native)
        except celpy.CELEvalError as exc:
            raise CelEvalError(str(exc.args[0] if exc.args else exc)) from None
        except (TypeError, ValueError, KeyError, ZeroDivisionError) as exc:
            raise CelEvalError(f"{type(exc).__name__}: {exc}") from None
        if isinstance(result, celpy.CELEvalError):
            raise CelEvalError(str(result.args[0] if result.args else result))
        return _plain(result)


class CelPyBackend(CelBackend):
    """Slower, but needs nothing compiled."""

    name = "cel-python"

    def __init__(self, functions: Sequence[CustomFunction] = ()) -> None:
        self._env = celpy.Environment()
        self._functions = {f.name: _adapt(f) for f in functions}

    def compile(self, source: str) -> CompiledExpr:
        try:
            ast = self._env.compile(source)
        except celpy.CELParseError as exc:
            line = getattr(exc, "line", None)
            column = getattr(exc, "column", None)
            match = _LINE_COL.search(str(exc))
            if line is None and match:
                line, column = int(match.group(1)), int(match.group(2))
            first = str(exc.args[0]) if exc.args else "syntax error"
            raise CelCompileError(f"syntax error: {first.splitlines()[0].strip()}", line, column) from None
        return _Expr(source, self._env.program(ast, functions=self._functions))

    def activation(self, variables: dict[str, Any]) -> Activation:
        return Activation({k: celpy.json_to_cel(v) for k, v in variables.items()})
