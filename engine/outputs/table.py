"""``--format table``: findings for people, grouped by severity (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cloudwarden.engine.findings import SEVERITY_ORDER, Evaluation
from cloudwarden.engine.outputs import RunInfo
from cloudwarden.engine.outputs.paths_format import edge_text

STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def render(evaluation: Evaluation, info: RunInfo, width: int | None = None, color: bool = False) -> str:
    """A table per severity, then coverage gaps and undetermined counts; plain text unless ``color``."""
    buf = io.StringIO()
    # Resource names, tags and cloud error messages are untrusted text: never read them as rich
    # markup (a "[/]" would crash the report, a "[white on white]" hide a finding) or emoji codes.
    console = Console(file=buf, width=width or 160, force_terminal=color, no_color=not color, highlight=False,
                      markup=False, emoji=False)
    findings = sorted(
        (f for f in evaluation.findings if not f.suppressed),
        key=lambda f: (-SEVERITY_ORDER[f.severity], f.policy, f.resource.id),
    )
    for severity in sorted(SEVERITY_ORDER, key=lambda s: -SEVERITY_ORDER[s]):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        table = Table(title=Text(f"{severity.upper()} ({len(group)})", style=STYLES[severity]), title_justify="left",
                      expand=False, show_lines=False)
        table.add_column("policy", no_wrap=True)
        table.add_column("resource")
        table.add_column("account / region", no_wrap=True)
        table.add_column("message")
        for f in group:
            where = " / ".join(x for x in (f.resource.account, f.resource.region) if x)
            table.add_row(f.policy, f"{f.resource.kind} {f.resource.name}", where, f.message)
        console.print(table)
    _print_paths(console, findings)
    summary = evaluation.summary()
    counts = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items() if n)
    console.print(f"{summary['findings']} finding(s){': ' + counts if counts else ''}; "
                  f"{summary['evaluations']} evaluations of {summary['policies']} policies on {summary['resources']} resources")
    if summary["suppressed"]:
        console.print(f"{summary['suppressed']} suppressed finding(s) not shown")
    if evaluation.coverage:
        console.print(Text(f"{len(evaluation.coverage)} coverage gap(s): these were NOT checked", style="bold yellow"))
        for gap in evaluation.coverage[:20]:
            where = " ".join(str(x) for x in (gap.get("account"), gap.get("region") or "global", gap.get("service")) if x)
            console.print(f"  - {where}: {gap.get('reason')}: {gap.get('message')}"
                          + (f" [{gap['resource']}]" if gap.get("resource") else ""))
        if len(evaluation.coverage) > 20:
            console.print(f"  ... and {len(evaluation.coverage) - 20} more (see --format json)")
    if summary["undetermined"]:
        console.print(f"{summary['undetermined']} check(s) undetermined: a fact they need was not collected")
    if summary["errors"]:
        console.print(Text(f"{summary['errors']} policy evaluation error(s):", style="bold red"))
        for err in evaluation.errors()[:10]:
            console.print(f"  - {err.policy} on {err.resource}: {err.reason}")
    return buf.getvalue()


def _short(node_id: str) -> str:
    """The last segment of an id: enough to follow a path on screen (the JSON has full ids)."""
    if node_id.endswith(":root"):
        return f"account {node_id.split(':')[4] or node_id}"
    return node_id.rsplit("/", 1)[-1].rsplit(":", 1)[-1] if node_id != "internet" else node_id


def _print_paths(console: Console, findings: list) -> None:
    """Each finding's attack path, hop by hop with its evidence."""
    with_paths = [f for f in findings if f.path]
    if not with_paths:
        return
    console.print(Text(f"ATTACK PATHS ({len(with_paths)})", style="bold"))
    for f in with_paths:
        console.print(f"{f.policy}: {f.resource.kind} {f.resource.name}")
        for hop in f.path:
            console.print(f"  {_short(hop.from_)} --{edge_text(hop.edge, hop.detail)}--> {_short(hop.to)}")
