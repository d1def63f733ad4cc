"""IAM condition blocks, decided three-valued: true, false, or unknown from what the snapshot knows.

Every ``operator: {key: [values]}`` test is decided on its own and the block
is their conjunction: any false test makes the statement not apply; any test
whose key's value is unknown leaves it "maybe", and that test is returned so
the decision can carry it. The AWS rules implemented:

- values of one key are alternatives (any matches); negated operators
  (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``...) match when none does;
- a key absent from the request: ``...IfExists`` tests pass, ``ForAllValues``
  passes (vacuously), ``ForAnyValue`` fails, negated operators pass, the rest
  fail; ``Null`` tests presence itself;
- ``ForAnyValue``/``ForAllValues`` compare each of a multi-valued key's values;
- ``ArnEquals`` and ``ArnLike`` both accept wildcards (as AWS documents);
- an operator this module does not know leaves the test unknown.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cloudwarden.graph.aws_iam.matching import (
    ABSENT,
    MAYBE,
    NO,
    UNKNOWN,
    YES,
    Resolver,
    Unresolved,
    action_regex,
    arn_regex,
    substitute,
)

Compare = Callable[[str, str], bool]


def _string_like(value: str, pattern: str) -> bool:
    # Case-sensitive glob: reuse the action regex builder on the un-lowered pattern.
    return action_regex(pattern).fullmatch(value) is not None


def _arn_like(value: str, pattern: str) -> bool:
    return arn_regex(pattern).fullmatch(value) is not None


def _ip(value: str, cidr: str) -> bool:
    return ipaddress.ip_address(value.split("/")[0]) in ipaddress.ip_network(cidr, strict=False)


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> datetime:
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), tz=UTC)
    when = datetime.fromisoformat(text)  # Python 3.11 reads a trailing "Z"
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _ordered(convert: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Compare:
    return lambda value, wanted: test(convert(value), convert(wanted))


# Base operator (lower-case) -> (comparison, negated).
OPERATORS: dict[str, tuple[Compare, bool]] = {
    "stringequals": (lambda v, c: v == c, False),
    "stringnotequals": (lambda v, c: v == c, True),
    "stringequalsignorecase": (lambda v, c: v.casefold() == c.casefold(), False),
    "stringnotequalsignorecase": (lambda v, c: v.casefold() == c.casefold(), True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "bool": (lambda v, c: v.lower() == c.lower(), False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "binaryequals": (lambda v, c: v == c, False),
    "numericequals": (_ordered(_number, lambda a, b: a == b), False),
    "numericnotequals": (_ordered(_number, lambda a, b: a == b), True),
    "numericlessthan": (_ordered(_number, lambda a, b: a < b), False),
    "numericlessthanequals": (_ordered(_number, lambda a, b: a <= b), False),
    "numericgreaterthan": (_ordered(_number, lambda a, b: a > b), False),
    "numericgreaterthanequals": (_ordered(_number, lambda a, b: a >= b), False),
    "dateequals": (_ordered(_date, lambda a, b: a == b), False),
    "datenotequals": (_ordered(_date, lambda a, b: a == b), True),
    "datelessthan": (_ordered(_date, lambda a, b: a < b), False),
    "datelessthanequals": (_ordered(_date, lambda a, b: a <= b), False),
    "dategreaterthan": (_ordered(_date, lambda a, b: a > b), False),
    "dategreaterthanequals": (_ordered(_date, lambda a, b: a >= b), False),
}


def parse_operator(operator: str) -> tuple[str, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ``("foranyvalue", "stringlike", True)``."""
    op = operator.lower()
    qualifier = ""
    for prefix in ("foranyvalue:", "forallvalues:"):
        if op.startswith(prefix):
            qualifier, op = prefix[:-1], op[len(prefix):]
    if_exists = op.endswith("ifexists") and op != "ifexists"
    return qualifier, op.removesuffix("ifexists") if if_exists else op, if_exists


def evaluate_test(operator: str, key: str, wanted: list[str], lookup: Resolver) -> int:
    """One ``operator: {key: wanted}`` test: YES, NO or MAYBE (value unknown or operator not supported)."""
    qualifier, base, if_exists = parse_operator(operator)
    try:
        wanted = [w for w in (substitute(str(v), lookup) for v in wanted) if w is not None]
    except Unresolved:
        return MAYBE
    value = lookup(key.lower())
    if value is UNKNOWN:
        return MAYBE
    if base == "null":
        expect_absent = any(str(w).lower() == "true" for w in wanted)
        return YES if (value is ABSENT or not value) == expect_absent else NO
    entry = OPERATORS.get(base)
    if entry is None:
        return MAYBE
    compare, negated = entry
    if value is ABSENT or not value:
        if if_exists or qualifier == "forallvalues" or (negated and qualifier != "foranyvalue"):
            return YES
        return NO
    values = [str(v) for v in value]  # type: ignore[union-attr]

    def one(v: str) -> bool:
        try:
            hit = any(compare(v, w) for w in wanted)
        except (ValueError, TypeError):
            hit = False  # a malformed value never matches, as in AWS
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return YES if all(one(v) for v in values) else NO
    if qualifier == "foranyvalue" or not negated:
        return YES if any(one(v) for v in values) else NO
    return YES if all(one(v) for v in values) else NO


def evaluate(condition: dict[str, dict[str, list[str]]] | None, lookup: Resolver) -> tuple[int, dict[str, Any]]:
    """A whole condition block: (YES|NO|MAYBE, the tests left undecided as ``{operator: {key: values}}``)."""
    if not condition:
        return YES, {}
    result = YES
    undecided: dict[str, dict[str, list[str]]] = {}
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            outcome = evaluate_test(operator, key, wanted, lookup)
            if outcome == NO:
                return NO, {}
            if outcome == MAYBE:
                result = MAYBE
                undecided.setdefault(operator, {})[key] = list(wanted)
    return result, undecided


def keys_of(condition: dict[str, dict[str, list[str]]] | None) -> set[str]:
    """Every condition key a block tests, lower-case."""
    return {key.lower() for tests in (condition or {}).values() for key in tests}
