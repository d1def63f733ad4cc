"""Output formats, one module each, registered by name for ``--format``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudwarden.engine.findings import Evaluation


@dataclass(frozen=True)
class RunInfo:
    """What a report says about the run besides its findings."""

    tool_version: str
    snapshot: str | None = None
    collected_at: str | None = None
    policies: tuple = ()  # the Policy objects evaluated (rule metadata for SARIF)
    # Optional context some formats use; the defaults keep every renderer working without it.
    suppressions: Any = None  # the SuppressionReport of engine/suppressions.py (details per fingerprint)
    trend: tuple[dict[str, Any], ...] = ()  # scan history, oldest first: {id, finished_at, by_severity}
    evaluated: Mapping[str, Sequence[str]] | None = None  # policy id -> resource ids evaluated (JUnit)


Renderer = Callable[[Evaluation, RunInfo], str]

FORMATS: dict[str, str] = {
    "table": "cloudwarden.engine.outputs.table",
    "json": "cloudwarden.engine.outputs.json_format",
    "sarif": "cloudwarden.engine.outputs.sarif",
    "csv": "cloudwarden.engine.outputs.csv_format",
    "ocsf": "cloudwarden.engine.outputs.ocsf",
    "junit": "cloudwarden.engine.outputs.junit",
    "html": "cloudwarden.engine.outputs.html_report",
}


def renderer(name: str) -> Renderer:
    """The ``render`` function of the format called ``name``."""
    return importlib.import_module(FORMATS[name]).render
