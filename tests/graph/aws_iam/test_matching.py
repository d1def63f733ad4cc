"""Wildcard matching of actions and ARNs, and policy variables."""

from __future__ import annotations

import pytest
from cloudwarden.graph.aws_iam.matching import (
    ABSENT,
    UNKNOWN,
    Unresolved,
    action_matches,
    arn_matches,
    covers,
    intersects,
    substitute,
)


def test_a_wildcard_in_an_arn_segment_stays_within_that_segment() -> None:
    assert arn_matches("arn:aws:iam::*:role/app", "arn:aws:iam::111111111111:role/app")
    assert not arn_matches("arn:aws:s3:::*", "arn:aws:s3:us-east-1:111111111111:accesspoint/ap")


def test_a_wildcard_in_the_resource_segment_spans_slashes_and_colons() -> None:
    assert arn_matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y:z")


def test_question_mark_matches_exactly_one_character() -> None:
    assert arn_matches("arn:aws:s3:::b?", "arn:aws:s3:::b1")
    assert not arn_matches("arn:aws:s3:::b?", "arn:aws:s3:::b12")


def test_action_matching_expects_lower_case_and_accepts_star() -> None:
    assert action_matches("s3:get*", "s3:getobject")
    assert action_matches("*", "iam:createuser")
    assert not action_matches("s3:get*", "s3:putobject")


def test_intersects_and_covers_read_a_wildcard_resource_as_some_or_all() -> None:
    assert intersects("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*")
    assert not covers("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*")
    assert covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/*")
    assert not intersects("arn:aws:s3:::c/*", "arn:aws:s3:::b/*")


def test_variables_are_substituted_and_their_wildcards_stay_literal() -> None:
    resolved = substitute("arn:aws:s3:::b/${aws:username}/*", lambda k: ["a*b"])
    assert not arn_matches(resolved, "arn:aws:s3:::b/axxb/file")
    assert arn_matches(resolved, "arn:aws:s3:::b/a*b/file")


def test_an_absent_variable_matches_nothing_unless_it_has_a_default() -> None:
    assert substitute("x/${aws:username}", lambda k: ABSENT) is None
    assert substitute("x/${aws:username, 'none'}", lambda k: ABSENT) == "x/none"


def test_an_unknown_variable_is_reported() -> None:
    with pytest.raises(Unresolved):
        substitute("x/${aws:SourceVpc}", lambda k: UNKNOWN)


def test_escaped_characters_are_literal() -> None:
    assert arn_matches(substitute("arn:aws:s3:::b/${*}", lambda k: UNKNOWN), "arn:aws:s3:::b/*")
    assert not arn_matches(substitute("arn:aws:s3:::b/${*}", lambda k: UNKNOWN), "arn:aws:s3:::b/x")
