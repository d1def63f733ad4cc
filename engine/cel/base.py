"""The interface every CEL backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

ExprType = Literal["bool", "string", "dyn", "other"]

# The variables every policy expression sees. ``resource`` is the normalized
# node (id, cloud, kind, native_type, account, region, name, tags, props).
VARIABLES = ("resource",)


class CelCompileError(Exception):
    """An expression that does not parse or type-check, with its 1-based line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class CelEvalError(Exception):
    """An expression that failed at run time for one resource (missing field, wrong type...)."""


class Activation:
    """Backend-specific bindings for one resource, built once and reused by every policy."""

    __slots__ = ("native",)

    def __init__(self, native: Any) -> None:
        self.native = native


class CompiledExpr(ABC):
    """A compiled (and, where the backend can, type-checked) expression."""

    source: str

    @property
    @abstractmethod
    def result_type(self) -> ExprType:
        """What the checker knows of the result: bool, string, dyn (unknown until run time) or other."""

    @abstractmethod
    def evaluate(self, activation: Activation) -> Any:
        """The plain Python result; raises ``CelEvalError`` for CEL runtime errors."""


@dataclass(frozen=True)
class CustomFunction:
    """A function offered to policies: ``name(args...)`` with CEL type names for its signature."""

    name: str
    params: tuple[str, ...]
    returns: str
    impl: Callable[..., Any]


class CelBackend(ABC):
    """Compiles expressions and builds activations."""

    name: str

    @abstractmethod
    def compile(self, source: str) -> CompiledExpr:
        """Compile ``source``; raises ``CelCompileError`` with a position when it is invalid."""

    @abstractmethod
    def activation(self, variables: dict[str, Any]) -> Activation:
        """Bindings for one evaluation context (plain dicts, lists, scalars)."""
