"""The default backend: Google's C++ CEL through ``cel-expr-python``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cel_expr_python import cel

from cloudwarden.engine.cel.base import (
    Activation,
    CelBackend,
    CelCompileError,
    CelEvalError,
    CompiledExpr,
    CustomFunction,
    ExprType,
)

_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")
_RESULT_TYPES: dict[str, ExprType] = {"bool": "bool", "string": "string", "dyn": "dyn"}
_BOOL = cel.Type.BOOL
_SCALARS = (cel.Type.BOOL, cel.Type.STRING, cel.Type.INT, cel.Type.UINT, cel.Type.DOUBLE)


class UnconvertedResult:
    """A list, map or other non-scalar result, named by its CEL type and left unconverted."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<CEL {self.type_name}>"


def cel_type(name: str) -> Any:
    """A CEL type from its name: ``bool``, ``int``, ``string``, ``dyn``, ``list(T)``."""
    if name.startswith("list(") and name.endswith(")"):
        return cel.Type.List(cel_type(name[5:-1]))
    return {"bool": cel.Type.BOOL, "int": cel.Type.INT, "string": cel.Type.STRING, "dyn": cel.Type.DYN}[name]


def _declare(function: CustomFunction) -> Any:
    overload = f"{function.name}_{'_'.join(function.params)}"
    return cel.FunctionDecl(function.name, [
        cel.Overload(overload, cel_type(function.returns), [cel_type(p) for p in function.params], impl=function.impl)
    ])


def _compile_error(exc: Exception) -> CelCompileError:
    text = str(exc)
    match = _POSITION.search(text)
    if not match:
        return CelCompileError(text.replace("INVALID_ARGUMENT: ", "").strip())
    line, column, message = int(match.group(1)), int(match.group(2)), match.group(3)
    return CelCompileError(message.replace("ERROR: ", "").strip(), line, column)


class _Expr(CompiledExpr):
    __slots__ = ("source", "_expr", "_type")

    def __init__(self, source: str, expr: Any) -> None:
        self.source = source
        self._expr = expr
        self._type: ExprType = _RESULT_TYPES.get(expr.return_type().name().lower(), "other")

    @property
    def result_type(self) -> ExprType:
        return self._type

    def evaluate(self, activation: Activation) -> Any:
        value = self._expr.eval(activation.native)
        kind = value.type()
        if kind == _BOOL:  # the common case first: this runs once per policy and resource
            return value.plain_value()
        if kind == cel.Type.ERROR:
            raise CelEvalError(str(value.value()))
        # cel-expr-python 0.1.3 releases one reference to None too many whenever
        # it converts a null (alone or inside a list or map) back to Python; on
        # Python 3.11, where None is not immortal, enough of those crash the
        # interpreter. So nulls are recognized by type and containers, which no
        # policy expression should return, are never converted.
        if kind == cel.Type.NULL:
            return None
        if kind in _SCALARS:
            return value.plain_value()
        return UnconvertedResult(kind.name().lower())


class CelExprBackend(CelBackend):
    """Compiles with type checking against ``resource: map(string, dyn)``."""

    name = "cel-expr-python"

    def __init__(self, functions: Sequence[CustomFunction] = ()) -> None:
        self._env = cel.NewEnv(
            variables={"resource": cel.Type.Map(cel.Type.STRING, cel.Type.DYN)},
            functions=[_declare(f) for f in functions],
        )

    def compile(self, source: str) -> CompiledExpr:
        try:
            return _Expr(source, self._env.compile(source))
        except RuntimeError as exc:
            raise _compile_error(exc) from None

    def activation(self, variables: dict[str, Any]) -> Activation:
        return Activation(self._env.Activation(variables))
