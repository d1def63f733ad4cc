"""End to end: ``cloudwarden scan aws`` on a moto estate with planted misconfigurations.

Every planted issue must be reported on the right resource, and no clean twin may be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.aws_managed_policies

from cloudwarden.engine.cli import main
from tests.estates import Expect
from tests.estates.build_demo import plant_all


@pytest.fixture
def planted(aws: str, tmp_path: Path) -> tuple[list[Expect], dict]:
    expects = plant_all()
    report = tmp_path / "findings.json"
    code = main(["-q", "scan", "aws", "--region", "us-east-1", "--format", "json", "-o", str(report),
                 "--save-snapshot", str(tmp_path / "estate.json.gz")])
    assert code == 0
    return expects, json.loads(report.read_text())


def _reported(doc: dict) -> set[tuple[str, str, str]]:
    return {(f["policy"], f["resource"]["kind"], f["resource"]["name"]) for f in doc["findings"]}


def test_every_planted_issue_is_reported_on_its_resource(planted: tuple[list[Expect], dict]) -> None:
    expects, doc = planted
    reported = _reported(doc)
    missing = [e for e in expects if e.fires and (e.policy, e.kind, e.name) not in reported]
    assert missing == []


def test_no_clean_twin_is_reported(planted: tuple[list[Expect], dict]) -> None:
    expects, doc = planted
    reported = _reported(doc)
    false_positives = [e for e in expects if not e.fires and (e.policy, e.kind, e.name) in reported]
    assert false_positives == []


def test_every_expectation_names_a_policy_of_the_pack(planted: tuple[list[Expect], dict]) -> None:
    from cloudwarden.engine.cel import get_backend
    from cloudwarden.engine.policy import builtin_policy_dir, load_policies

    ids = {p.id for p in load_policies([builtin_policy_dir()], get_backend())[0]}
    expects, _ = planted
    assert sorted({e.policy for e in expects} - ids) == []


def test_the_planted_estate_has_no_policy_errors(planted: tuple[list[Expect], dict]) -> None:
    _, doc = planted
    errors = [u for u in doc["undetermined"] if u["error"]]
    assert errors == []
