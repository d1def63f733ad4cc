"""The sample run every output-format test renders: fixtures/outputs (policies, evaluation, a path finding)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.findings import Evaluation, Finding
from cloudwarden.engine.policy import Policy, load_policies

OUTPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "outputs"


def sample_evaluation(with_path: bool = False) -> Evaluation:
    """Five findings (one per severity, the low one suppressed), coverage gaps, one policy error;
    ``with_path`` adds a three-hop attack-path finding."""
    found = msgspec.json.decode((OUTPUTS / "evaluation.json").read_bytes(), type=Evaluation)
    if with_path:
        found.findings.append(msgspec.json.decode((OUTPUTS / "attack-path-finding.json").read_bytes(), type=Finding))
    return found


def sample_policies() -> tuple[Policy, ...]:
    """The policies the sample findings come from."""
    loaded, problems = load_policies([OUTPUTS / "policies"], get_backend())
    assert not problems
    return tuple(loaded)


@pytest.fixture(scope="module")
def policies() -> tuple[Policy, ...]:
    """The sample policies (loaded once per module)."""
    return sample_policies()


@pytest.fixture
def evaluation() -> Evaluation:
    """A fresh copy of the sample run (tests may change it)."""
    return sample_evaluation()
