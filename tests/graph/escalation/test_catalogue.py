"""The escalation catalogue is well-formed data, and every technique has a scenario both ways."""

from __future__ import annotations

import re

import pytest

from cloudwarden.graph.aws_iam.access_levels import access_level
from cloudwarden.graph.escalation import checker_for, escalation_techniques
from cloudwarden.graph.escalation.catalogue import TARGETS, technique
from tests.graph.escalation.conftest import EscalationEstate

TECHNIQUES = escalation_techniques()
IDS = [t.id for t in TECHNIQUES]


def test_technique_ids_are_unique_and_kebab_case() -> None:
    assert len(IDS) == len(set(IDS))
    assert [i for i in IDS if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i)] == []


def test_the_catalogue_covers_the_documented_families() -> None:
    families = {i.split("-")[0] for i in IDS}
    assert {"iam", "passrole", "lambda", "ssm", "sagemaker", "sts", "ec2"} <= families
    assert len(TECHNIQUES) >= 30


@pytest.mark.parametrize("tech", TECHNIQUES, ids=IDS)
def test_technique_names_a_known_target_and_binds_every_action(tech) -> None:
    assert tech.target in TARGETS
    assert tech.needs, "a technique needs at least one action"
    for need in tech.needs:
        assert need.on in {"target", "role", "compute", "new"}
        assert (need.on == "new") == bool(need.creates)
        assert need.on != "role" or tech.target == "service-role"
        assert need.on != "compute" or tech.compute


@pytest.mark.parametrize("tech", TECHNIQUES, ids=IDS)
def test_every_required_action_is_a_real_aws_action(tech) -> None:
    assert [a for a in tech.actions if access_level(a) is None] == []


@pytest.mark.parametrize("tech", TECHNIQUES, ids=IDS)
def test_passrole_techniques_name_the_service_they_hand_the_role_to(tech) -> None:
    passes = "iam:PassRole" in tech.actions
    assert passes == (tech.target == "service-role")
    assert passes == bool(tech.service and tech.service.endswith(".amazonaws.com"))


@pytest.mark.parametrize("tech", TECHNIQUES, ids=IDS)
def test_technique_has_a_checker_unless_an_existing_edge_says_it(tech) -> None:
    assert (checker_for(tech) is None) == (tech.target == "assumable-role")


@pytest.mark.parametrize("tech", TECHNIQUES, ids=IDS)
def test_technique_cites_a_public_write_up(tech) -> None:
    assert tech.references and all(isinstance(r, str) and r for r in tech.references)


def test_unknown_technique_id_is_a_named_error() -> None:
    with pytest.raises(KeyError, match="no-such-technique"):
        technique("no-such-technique")


def test_every_technique_has_a_scenario_that_escalates_and_a_twin_that_does_not(
        escalation_estate: EscalationEstate) -> None:
    both = {(c.technique, c.escalates) for c in escalation_estate.cases}
    assert [i for i in IDS if (i, True) not in both or (i, False) not in both] == []
