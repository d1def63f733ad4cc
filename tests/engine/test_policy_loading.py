"""Policy loading: every bad policy is a clear problem with file, line and column, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.policy import PolicyProblem, builtin_policy_dir, load_policies

INVALID = Path(__file__).resolve().parents[2] / "fixtures" / "invalid-policies"


def problems_for(name: str, backend: str = "cel-expr-python") -> list[PolicyProblem]:
    policies, problems = load_policies([INVALID / f"{name}.yaml"], get_backend(backend))
    assert policies == []
    return problems


def test_broken_yaml_is_reported_with_its_position() -> None:
    [problem] = problems_for("bad-yaml")
    assert problem.message.startswith("invalid YAML")
    assert (problem.line, problem.column) == (5, 9)


def test_unknown_kind_is_named() -> None:
    [problem] = problems_for("unknown-kind")
    assert "unknown resource 'storage.bukket'" in problem.message
    assert (problem.line, problem.column) == (5, 11)


def test_cel_syntax_error_points_at_the_end_of_the_expression() -> None:
    [problem] = problems_for("cel-syntax-error")
    assert "Syntax error" in problem.message
    assert (problem.line, problem.column) == (6, 45)


def test_cel_syntax_error_inside_a_block_scalar_points_into_the_block() -> None:
    [problem] = problems_for("block-syntax-error")
    assert (problem.line, problem.column) == (8, 35)


def test_cel_type_error_is_caught_at_load() -> None:
    [problem] = problems_for("cel-type-error")
    assert "no matching overload" in problem.message
    assert problem.line == 6


def test_assertion_must_be_boolean() -> None:
    [problem] = problems_for("non-bool-assert")
    assert "must evaluate to bool, not string" in problem.message


def test_misspelt_field_is_reported_and_the_missing_one_too() -> None:
    messages = [p.message for p in problems_for("unknown-field")]
    assert any("unknown field 'asert'" in m for m in messages)
    assert any("missing required field 'assert'" in m for m in messages)


def test_facet_not_declared_for_the_kind_is_rejected() -> None:
    [problem] = problems_for("unknown-facet")
    assert "facet 'encryptoin' is not declared for kind 'storage.bucket'" in problem.message


def test_severity_outside_the_scale_is_rejected() -> None:
    [problem] = problems_for("wrong-severity")
    assert "severity 'urgent'" in problem.message


def test_id_must_match_file_name() -> None:
    [problem] = problems_for("id-mismatch")
    assert "must match the file name" in problem.message


def test_pure_python_backend_reports_syntax_errors_with_a_line() -> None:
    [problem] = problems_for("cel-syntax-error", backend="cel-python")
    assert "syntax error" in problem.message
    assert problem.line == 6


def test_builtin_pack_loads_without_problems() -> None:
    policies, problems = load_policies([builtin_policy_dir()], get_backend())
    assert problems == []
    assert len(policies) >= 35


@pytest.mark.parametrize("backend", ["cel-expr-python", "cel-python"])
def test_duplicate_policy_ids_across_directories_are_reported(tmp_path: Path, backend: str) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "dup.yaml").write_text(
            "id: dup\ntitle: t\nseverity: low\ncategories: [exposure]\nresource: [storage.bucket]\n"
            "assert: 'resource.props.public == false'\n"
        )
    policies, problems = load_policies([tmp_path / "a", tmp_path / "b"], get_backend(backend))
    assert len(policies) == 1
    assert "duplicate policy id 'dup'" in problems[0].message
