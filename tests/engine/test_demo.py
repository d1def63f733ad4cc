"""The shipped demo estate: produced by the project's own collector, and kept in sync with it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.aws_managed_policies

from cloudwarden.engine.cli import main
from cloudwarden.engine.demo import load_demo
from tests.estates.build_demo import collect_demo, plant_all, signature


def test_demo_scan_runs_and_reports_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "finding(s)" in out and "HIGH" in out


def test_shipped_demo_matches_what_the_collector_produces_today(aws: str) -> None:
    plant_all()
    fresh = collect_demo()
    assert signature(fresh) == signature(load_demo()), "run: python tests/estates/build_demo.py"


def test_demo_shows_every_cloud_with_an_attack_path(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["scan", "--demo", "--no-store", "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    clouds = {f["resource"]["cloud"] for f in findings}
    with_paths = {f["resource"]["cloud"] for f in findings if f["policy"] == "exposed-workload-can-write-data"}
    assert clouds == with_paths == {"aws", "azure", "gcp"}
