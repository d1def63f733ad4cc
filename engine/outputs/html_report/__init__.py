"""``--format html``: one self-contained HTML page, readable offline and safe to open.

Severity and compliance summaries, the trend of recorded scans (inline SVG from the history
store when the scan recorded one), attack paths drawn as graphs (inline SVG computed here from
the hops, no Mermaid or other CDN script), and a filterable findings table. Nothing is loaded
from anywhere: CSS and script are inline and allowed by hash in the page's Content-Security-
Policy, which forbids every other source. Every value from the estate is escaped (resource
names are attacker-controlled and may hold markup).
"""

from __future__ import annotations

from datetime import UTC, datetime

from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo
from cloudwarden.engine.outputs.html_report.assets import (
    CSS,
    JS,
    content_security_policy,
)
from cloudwarden.engine.outputs.html_report.sections import (
    compliance_section,
    findings_section,
    notes_section,
    paths_section,
    severity_section,
    trend_section,
)
from cloudwarden.engine.outputs.html_report.svg import esc


def _header(info: RunInfo) -> str:
    generated = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    facts = [f"cloudwarden {info.tool_version}", f"snapshot {info.snapshot or 'live'}"]
    if info.collected_at:
        facts.append(f"collected {info.collected_at}")
    facts.append(f"report generated {generated}")
    report = info.suppressions
    if report is not None:
        facts.append(f"suppressions {report.file}: {len(report.applied)} finding(s) suppressed, "
                     f"{len(report.expired)} expired entr{'y' if len(report.expired) == 1 else 'ies'}")
    return ('<header><h1>cloudwarden security report</h1>'
            + "".join(f'<p class="meta">{esc(fact)}</p>' for fact in facts) + "</header>")


def render(evaluation: Evaluation, info: RunInfo) -> str:
    """The complete HTML document."""
    body = "".join((
        _header(info),
        "<main>",
        severity_section(evaluation),
        trend_section(info),
        compliance_section(evaluation, info),
        paths_section(evaluation),
        findings_section(evaluation, info),
        notes_section(evaluation, info),
        "</main>",
    ))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{esc(content_security_policy())}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>cloudwarden report</title><style>{CSS}</style></head><body>{body}"
            f"<script>{JS}</script></body></html>\n")
