"""ArnIndex: which nodes an ARN pattern may match."""

from __future__ import annotations

from cloudwarden.graph.aws_iam.arn_index import ArnIndex

ROLES = [f"arn:aws:iam::111111111111:role/{name}" for name in ("app-web", "app-worker", "admin", "ci/deploy")]


def test_a_prefix_pattern_finds_only_the_matching_ids() -> None:
    index = ArnIndex(ROLES)
    assert index.matching("arn:aws:iam::111111111111:role/app-*") == tuple(sorted(ROLES[:2]))


def test_a_pattern_with_an_early_wildcard_still_tests_every_candidate() -> None:
    index = ArnIndex(ROLES)
    assert index.matching("arn:aws:iam::*:role/admin") == (ROLES[2],)


def test_a_variable_is_read_as_a_wildcard() -> None:
    index = ArnIndex(ROLES)
    assert ROLES[3] in index.matching("arn:aws:iam::111111111111:role/${aws:PrincipalTag/team}/*")


def test_an_object_pattern_finds_its_bucket() -> None:
    index = ArnIndex(["arn:aws:s3:::data", "arn:aws:s3:::logs"], lambda b: (b, b + "/*"))
    assert index.matching("arn:aws:s3:::data/reports/*") == ("arn:aws:s3:::data",)
