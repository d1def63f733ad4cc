"""One moto escalation estate per test session, collected and derived once, shared by the escalation tests.

The ``aws`` fixture is per test; building and collecting the whole estate
(every technique's can and cannot principals) takes seconds, so it is built
once here with the same environment ``aws`` sets, then restored.
"""

from __future__ import annotations

import importlib
import os
import urllib.request
from dataclasses import dataclass

import pytest

from cloudwarden.graph.analyzers import all_analyzers
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.snapshot import Snapshot
from tests.estates.aws_escalation import Case, plant

SERVICES = ["iam", "ec2", "lambda", "sagemaker"]
# The analyzers escalation depends on, in order (used while they are not yet registered in _MODULES).
ANALYZER_MODULES = ("aws_can_access", "aws_can_assume", "aws_escalation")


@dataclass
class EscalationEstate:
    """The derived escalation graph and the cases planted in it."""

    graph: EstateGraph
    cases: list[Case]


def derive_escalation(snapshot: Snapshot) -> EstateGraph:
    """A graph of ``snapshot`` with the access, assume and escalation edges derived."""
    graph = EstateGraph(snapshot)
    registered = {a.name: a for a in all_analyzers()}
    for module in ANALYZER_MODULES:
        analyzer = registered.get(module) or importlib.import_module(f"cloudwarden.graph.analyzers.{module}").ANALYZER
        graph.add_derived(analyzer.run(graph))
    return graph


@pytest.fixture(scope="session")
def escalation_estate(moto_endpoint: str) -> EscalationEstate:
    """The escalation estate of tests/estates/aws_escalation.py, collected from moto and derived."""
    from cloudwarden.providers.aws.collector import collect_aws
    from cloudwarden.providers.aws.scope import AwsScope

    with pytest.MonkeyPatch.context() as env:
        env.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
        urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.delenv(var, raising=False)
        for var, value in (("AWS_ENDPOINT_URL", moto_endpoint), ("AWS_ACCESS_KEY_ID", "testing"),
                           ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1"),
                           ("AWS_CONFIG_FILE", os.devnull), ("AWS_SHARED_CREDENTIALS_FILE", os.devnull),
                           ("AWS_EC2_METADATA_DISABLED", "true")):
            env.setenv(var, value)
        cases = plant()
        snapshot = collect_aws(AwsScope(regions=["us-east-1"], services=SERVICES), "t")
    return EscalationEstate(derive_escalation(snapshot), cases)
