"""``--format csv``: one row per finding, for spreadsheets and ticket imports."""

from __future__ import annotations

import csv
import io

from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo

COLUMNS = (
    "id", "policy", "severity", "title", "categories", "cloud", "account", "region",
    "resource_kind", "resource_id", "resource_name", "message", "compliance", "remediation", "suppressed",
)


def _cell(value: str) -> str:
    # Spreadsheets execute cells starting with these; resource names are attacker-controlled.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """CSV with a header row; cells that a spreadsheet would run as formulas are neutralized."""
    out = io.StringIO()
    # RFC 4180 CRLF rows: the writer quotes only fields holding a character of its line terminator,
    # so with a bare "\n" a carriage return inside a name went out unquoted and split the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in evaluation.findings:
        compliance = "; ".join(f"{fw}:{','.join(ids)}" for fw, ids in sorted(f.compliance.items()))
        row = [
            f.id, f.policy, f.severity, f.title, ";".join(f.categories), f.resource.cloud,
            f.resource.account or "", f.resource.region or "", f.resource.kind, f.resource.id,
            f.resource.name, f.message, compliance, str(f.remediation.get("summary", "")), str(f.suppressed).lower(),
        ]
        writer.writerow([_cell(str(c)) for c in row])
    return out.getvalue()
