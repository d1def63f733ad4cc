"""``--format json``: the firm ``cloudwarden.findings/v1`` document."""

from __future__ import annotations

import msgspec

from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo

SCHEMA = "cloudwarden.findings/v1"


def document(evaluation: Evaluation, info: RunInfo) -> dict:
    """The findings document as plain data."""
    return {
        "schema": SCHEMA,
        "tool_version": info.tool_version,
        "snapshot": {"path": info.snapshot, "collected_at": info.collected_at},
        "summary": evaluation.summary(),
        "coverage": evaluation.coverage,
        "findings": msgspec.to_builtins(evaluation.findings),
        "undetermined": msgspec.to_builtins(evaluation.undetermined),
    }


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """Indented JSON, stable key order as declared."""
    return msgspec.json.format(msgspec.json.encode(document(evaluation, info)), indent=2).decode() + "\n"
