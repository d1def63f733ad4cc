"""IAM policy documents: normalization and the admin / wildcard / trust summaries."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from cloudwarden.providers.aws.policy_document import (
    PolicyDocumentError,
    is_admin_equivalent,
    normalize_document,
    requires_external_id,
    trust_statements,
    wildcard_services,
)


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


# --- normalize_document ----------------------------------------------------------


def test_a_single_statement_object_becomes_a_list() -> None:
    norm = normalize_document({"Version": "2012-10-17", "Statement": ALLOW_ALL})
    assert isinstance(norm["Statement"], list) and len(norm["Statement"]) == 1


def test_string_valued_action_and_resource_become_lists() -> None:
    stmt = normalize_document(_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}))[
        "Statement"][0]
    assert stmt["Action"] == ["s3:GetObject"]
    assert stmt["Resource"] == ["arn:aws:s3:::b/*"]


def test_not_action_and_not_resource_become_lists() -> None:
    stmt = normalize_document(_doc({"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:x"}))["Statement"][0]
    assert stmt["NotAction"] == ["iam:*"] and stmt["NotResource"] == ["arn:x"]


def test_principal_star_is_written_as_any_aws_principal() -> None:
    stmt = normalize_document(_doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*"}))["Statement"][0]
    assert stmt["Principal"] == {"AWS": ["*"]}


def test_principal_values_become_lists() -> None:
    stmt = normalize_document(_doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}))["Statement"][0]
    assert stmt["Principal"] == {"Service": ["ec2.amazonaws.com"]}


def test_condition_values_become_lists() -> None:
    stmt = normalize_document(_doc({**ALLOW_ALL, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))[
        "Statement"][0]
    assert stmt["Condition"] == {"Bool": {"aws:SecureTransport": ["true"]}}


def test_a_json_string_document_is_parsed() -> None:
    assert normalize_document(json.dumps(_doc(ALLOW_ALL)))["Statement"][0]["Action"] == ["*"]


def test_a_url_encoded_document_is_decoded() -> None:
    assert normalize_document(quote(json.dumps(_doc(ALLOW_ALL))))["Statement"][0]["Resource"] == ["*"]


def test_a_document_that_is_not_json_is_a_clear_error() -> None:
    with pytest.raises(PolicyDocumentError):
        normalize_document("not a policy")


def test_a_missing_document_has_no_statements() -> None:
    assert normalize_document(None) == {"Statement": []}


# --- is_admin_equivalent -----------------------------------------------------------


def test_allow_star_on_star_is_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc(ALLOW_ALL)) is True


def test_allow_star_colon_star_on_star_is_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]})) is True


def test_a_string_document_can_be_judged_directly() -> None:
    assert is_admin_equivalent(json.dumps({"Statement": ALLOW_ALL})) is True


def test_a_condition_makes_star_on_star_not_admin_equivalent() -> None:
    conditional = {**ALLOW_ALL, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    assert is_admin_equivalent(_doc(conditional)) is False


def test_star_on_a_specific_resource_is_not_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"})) is False


def test_star_with_not_resource_is_not_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b"})) is False


def test_allow_with_not_action_is_not_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})) is False


def test_a_deny_statement_alone_is_not_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Deny", "Action": "*", "Resource": "*"})) is False


def test_an_unconditional_deny_takes_admin_equivalence_away() -> None:
    assert is_admin_equivalent(_doc(ALLOW_ALL, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})) is False


def test_a_conditional_deny_leaves_admin_equivalence() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    assert is_admin_equivalent(_doc(ALLOW_ALL, deny)) is True


def test_a_deny_of_nothing_leaves_admin_equivalence() -> None:
    assert is_admin_equivalent(_doc(ALLOW_ALL, {"Effect": "Deny", "NotAction": "*", "Resource": "*"})) is True


def test_a_service_wildcard_is_not_admin_equivalent() -> None:
    assert is_admin_equivalent(_doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})) is False


# --- wildcard_services -----------------------------------------------------------------


def test_service_wildcards_on_every_resource_are_listed_sorted_and_lower_case() -> None:
    doc = _doc({"Effect": "Allow", "Action": ["S3:*", "iam:*", "ec2:Describe*"], "Resource": "*"})
    assert wildcard_services(doc) == ["iam", "s3"]


def test_a_string_valued_service_wildcard_is_listed() -> None:
    assert wildcard_services(_doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})) == ["kms"]


def test_star_is_reported_as_every_service() -> None:
    assert wildcard_services(_doc(ALLOW_ALL)) == ["*"]


def test_service_wildcards_on_specific_resources_are_not_listed() -> None:
    assert wildcard_services(_doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})) == []


def test_conditional_service_wildcards_are_not_listed() -> None:
    stmt = {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert wildcard_services(_doc(stmt)) == []


def test_not_action_grants_are_not_listed_as_service_wildcards() -> None:
    assert wildcard_services(_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})) == []


def test_a_deny_of_the_whole_service_removes_it() -> None:
    doc = _doc({"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"},
               {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert wildcard_services(doc) == ["s3"]


def test_a_deny_of_some_actions_keeps_the_service() -> None:
    doc = _doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
               {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"})
    assert wildcard_services(doc) == ["iam"]


# --- trust_statements ---------------------------------------------------------------------


def test_trust_statements_list_principals_by_type() -> None:
    trust = trust_statements(_doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}))
    assert trust == [{
        "effect": "Allow",
        "principals": {"AWS": [], "Service": ["ec2.amazonaws.com"], "Federated": []},
        "actions": ["sts:AssumeRole"],
        "not_actions": [],
        "conditions": {},
        "external_id": False,
        "not_principal": False,
    }]


def test_a_trust_statement_requiring_an_external_id_is_flagged() -> None:
    stmt = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t"}}}
    [trust] = trust_statements(_doc(stmt))
    assert trust["external_id"] is True
    assert trust["principals"]["AWS"] == ["arn:aws:iam::111122223333:root"]


def test_an_if_exists_external_id_condition_does_not_require_one() -> None:
    assert requires_external_id({"StringEqualsIfExists": {"sts:ExternalId": ["x"]}}) is False


def test_a_negated_external_id_condition_does_not_require_one() -> None:
    assert requires_external_id({"StringNotEquals": {"sts:ExternalId": ["x"]}}) is False


def test_a_not_principal_trust_statement_is_marked() -> None:
    [trust] = trust_statements(_doc({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*"}))
    assert trust["not_principal"] is True and trust["principals"]["AWS"] == ["arn:aws:iam::1:root"]
