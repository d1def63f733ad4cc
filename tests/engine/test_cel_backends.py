"""The CEL backends behind one interface."""

from __future__ import annotations

import sys

import pytest

from cloudwarden.engine.cel import CelCompileError, UnknownBackendError, get_backend


@pytest.mark.parametrize("backend", ["cel-expr-python", "cel-python"])
def test_null_result_comes_back_as_none(backend: str) -> None:
    be = get_backend(backend)
    expr = be.compile("resource.props.x")
    assert expr.evaluate(be.activation({"resource": {"props": {"x": None}}})) is None


def test_null_results_do_not_release_none_references() -> None:
    # cel-expr-python 0.1.3 over-releases None when converting a null back to
    # Python; enough of that crashes CPython 3.11 at exit. The backend must not.
    be = get_backend("cel-expr-python")
    expr = be.compile("resource.props.x")
    activation = be.activation({"resource": {"props": {"x": None}}})
    before = sys.getrefcount(None)
    for _ in range(2000):
        expr.evaluate(activation)
    assert sys.getrefcount(None) > before - 100


def test_list_result_is_not_converted() -> None:
    be = get_backend("cel-expr-python")
    result = be.compile("[resource.props.x]").evaluate(be.activation({"resource": {"props": {"x": None}}}))
    assert result.type_name.startswith("list")


def test_type_checker_rejects_a_string_plus_int() -> None:
    with pytest.raises(CelCompileError) as info:
        get_backend("cel-expr-python").compile('"a" + 1')
    assert (info.value.line, info.value.column) == (1, 5)


def test_unknown_backend_is_a_named_error() -> None:
    with pytest.raises(UnknownBackendError, match="choose one of"):
        get_backend("cel-go")
