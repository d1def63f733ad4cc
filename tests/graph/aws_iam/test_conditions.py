"""Condition operators, decided three-valued from what the request context knows."""

from __future__ import annotations

from cloudwarden.graph.aws_iam.conditions import evaluate, evaluate_test
from cloudwarden.graph.aws_iam.matching import ABSENT, MAYBE, NO, UNKNOWN, YES


def _lookup(values: dict[str, object]):
    return lambda key: values.get(key, UNKNOWN)


def test_an_unknown_key_leaves_the_test_undecided() -> None:
    assert evaluate_test("StringEquals", "aws:SourceVpc", ["vpc-1"], _lookup({})) == MAYBE


def test_if_exists_passes_when_the_key_is_absent() -> None:
    assert evaluate_test("StringEqualsIfExists", "aws:username", ["bob"], _lookup({"aws:username": ABSENT})) == YES


def test_a_plain_operator_fails_when_the_key_is_absent() -> None:
    assert evaluate_test("StringEquals", "aws:username", ["bob"], _lookup({"aws:username": ABSENT})) == NO


def test_a_negated_operator_passes_when_the_key_is_absent() -> None:
    assert evaluate_test("StringNotEquals", "aws:username", ["bob"], _lookup({"aws:username": ABSENT})) == YES


def test_null_tests_presence() -> None:
    lookup = _lookup({"aws:username": ABSENT, "aws:principalarn": ["arn:aws:iam::1:user/a"]})
    assert evaluate_test("Null", "aws:username", ["true"], lookup) == YES
    assert evaluate_test("Null", "aws:PrincipalArn", ["true"], lookup) == NO


def test_for_all_values_passes_vacuously_and_for_any_value_fails_on_an_absent_key() -> None:
    lookup = _lookup({"aws:tagkeys": ABSENT})
    assert evaluate_test("ForAllValues:StringEquals", "aws:TagKeys", ["a"], lookup) == YES
    assert evaluate_test("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], lookup) == NO


def test_for_all_values_requires_every_value_to_match() -> None:
    lookup = _lookup({"aws:tagkeys": ["a", "b"]})
    assert evaluate_test("ForAllValues:StringEquals", "aws:TagKeys", ["a"], lookup) == NO
    assert evaluate_test("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], lookup) == YES


def test_string_like_and_arn_like_accept_wildcards() -> None:
    lookup = _lookup({"aws:principalarn": ["arn:aws:iam::111111111111:role/app-web"]})
    assert evaluate_test("StringLike", "aws:PrincipalArn", ["*:role/app-*"], lookup) == YES
    assert evaluate_test("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/app-*"], lookup) == YES
    assert evaluate_test("ArnNotLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/app-*"], lookup) == NO


def test_ip_numeric_date_and_bool_operators() -> None:
    lookup = _lookup({"aws:sourceip": ["10.1.2.3"], "s3:max-keys": ["10"],
                      "aws:currenttime": ["2026-01-02T00:00:00Z"], "aws:securetransport": ["true"]})
    assert evaluate_test("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], lookup) == YES
    assert evaluate_test("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8"], lookup) == NO
    assert evaluate_test("NumericLessThanEquals", "s3:max-keys", ["10"], lookup) == YES
    assert evaluate_test("DateGreaterThan", "aws:CurrentTime", ["2026-01-01T00:00:00Z"], lookup) == YES
    assert evaluate_test("Bool", "aws:SecureTransport", ["false"], lookup) == NO


def test_an_unsupported_operator_is_undecided() -> None:
    assert evaluate_test("StringSoundsLike", "aws:username", ["bob"], _lookup({"aws:username": ["bob"]})) == MAYBE


def test_a_block_reports_only_its_undecided_tests() -> None:
    block = {"StringEquals": {"aws:username": ["bob"], "aws:SourceVpc": ["vpc-1"]}}
    outcome, undecided = evaluate(block, _lookup({"aws:username": ["bob"]}))
    assert outcome == MAYBE
    assert undecided == {"StringEquals": {"aws:SourceVpc": ["vpc-1"]}}


def test_a_block_with_one_false_test_is_false() -> None:
    block = {"StringEquals": {"aws:username": ["bob"], "aws:SourceVpc": ["vpc-1"]}}
    assert evaluate(block, _lookup({"aws:username": ["alice"]}))[0] == NO
