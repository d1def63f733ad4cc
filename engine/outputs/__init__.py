"""Output formats, one module each, registered by name for ``--format``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from cloudwarden.engine.findings import Evaluation


@dataclass(frozen=True)
class RunInfo:
    """What a report says about the run besides its findings."""

    tool_version: str
    snapshot: str | None = None
    collected_at: str | None = None
    policies: tuple = ()  # the Policy objects evaluated (rule metadata for SARIF)


Renderer = Callable[[Evaluation, RunInfo], str]

FORMATS: dict[str, str] = {
    "table": "cloudwarden.engine.outputs.table",
    "json": "cloudwarden.engine.outputs.json_format",
    "sarif": "cloudwarden.engine.outputs.sarif",
    "csv": "cloudwarden.engine.outputs.csv_format",
}


def renderer(name: str) -> Renderer:
    """The ``render`` function of the format called ``name``."""
    return importlib.import_module(FORMATS[name]).render
