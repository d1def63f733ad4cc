"""The sections of the HTML report, each a function from the run to escaped HTML."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cloudwarden.engine.findings import Evaluation, Finding
from cloudwarden.engine.outputs import RunInfo
from cloudwarden.engine.outputs.html_report.svg import (
    SEVERITIES,
    cut,
    esc,
    path_svg,
    trend_svg,
)


def severity_section(evaluation: Evaluation) -> str:
    """One card per severity (unsuppressed counts), then suppressed, undetermined and gaps."""
    summary = evaluation.summary()
    cards = [f'<div class="card sev-{s}" data-severity="{s}"><span class="count" id="count-{s}">'
             f'{summary["by_severity"][s]}</span><span class="label">{s}</span></div>' for s in SEVERITIES]
    for key, label in (("findings", "total"), ("suppressed", "suppressed"), ("undetermined", "undetermined"),
                       ("coverage_gaps", "coverage gaps"), ("errors", "policy errors")):
        cards.append(f'<div class="card" data-count="{key}"><span class="count" id="count-{key}">{summary[key]}'
                     f'</span><span class="label">{label}</span></div>')
    return ('<section id="severity"><h2>Findings by severity</h2><div class="cards">' + "".join(cards) +
            f'</div><p class="note">{summary["evaluations"]} evaluations of {summary["policies"]} policies on '
            f'{summary["resources"]} resources.</p></section>')


def _natural(control: str) -> list[tuple[int, int, str]]:
    """Sort key: "1.10" after "1.9", numbers before words ("AC-3" < "AC-12")."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in control.replace("-", ".").split(".")]


def compliance_rows(evaluation: Evaluation, info: RunInfo) -> dict[str, dict[str, dict[str, Any]]]:
    """framework -> control -> {policies, findings, undetermined, status} (status fail, unknown or pass)."""
    mapped: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    sources = [(p.id, p.compliance) for p in info.policies] + [(f.policy, f.compliance) for f in evaluation.findings]
    for policy, compliance in sources:
        for framework, controls in (compliance or {}).items():
            for control in controls:
                mapped[framework][control].add(policy)
    failing: dict[str, int] = defaultdict(int)
    for f in evaluation.findings:
        if not f.suppressed:
            failing[f.policy] += 1
    unknown: dict[str, int] = defaultdict(int)
    for u in evaluation.undetermined:
        unknown[u.policy] += 1
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for framework in sorted(mapped):
        rows[framework] = {}
        for control in sorted(mapped[framework], key=_natural):
            policies = sorted(mapped[framework][control])
            n_fail, n_unknown = sum(failing[p] for p in policies), sum(unknown[p] for p in policies)
            status = "fail" if n_fail else "unknown" if n_unknown else "pass"
            rows[framework][control] = {"policies": policies, "findings": n_fail, "undetermined": n_unknown,
                                        "status": status}
    return rows


def compliance_section(evaluation: Evaluation, info: RunInfo) -> str:
    """Per framework: controls failing / undetermined / passing, then each control's policies."""
    rows = compliance_rows(evaluation, info)
    if not rows:
        return ('<section id="compliance"><h2>Compliance</h2><p class="note">No evaluated policy maps to a '
                'compliance framework.</p></section>')
    parts = ['<section id="compliance"><h2>Compliance</h2>']
    for framework, controls in rows.items():
        counts = {s: sum(1 for c in controls.values() if c["status"] == s) for s in ("fail", "unknown", "pass")}
        parts.append(f'<details class="framework" data-framework="{esc(framework)}"><summary><strong>'
                     f'{esc(framework)}</strong>: {counts["fail"]} of {len(controls)} control(s) failing, '
                     f'{counts["unknown"]} undetermined, {counts["pass"]} passing</summary>'
                     '<table><thead><tr><th>control</th><th>status</th><th class="num">findings</th>'
                     '<th class="num">undetermined</th><th>policies</th></tr></thead><tbody>')
        for control, c in controls.items():
            parts.append(f'<tr data-status="{c["status"]}"><td>{esc(control)}</td>'
                         f'<td class="status-{c["status"]}">{c["status"]}</td><td class="num">{c["findings"]}</td>'
                         f'<td class="num">{c["undetermined"]}</td><td>{esc(", ".join(c["policies"]))}</td></tr>')
        parts.append("</tbody></table></details>")
    parts.append("</section>")
    return "".join(parts)


def trend_section(info: RunInfo) -> str:
    """The chart of recorded scans, or why there is none."""
    head = '<section id="trend"><h2>Trend</h2>'
    if not info.trend:
        return head + ('<p class="note">No scan history: the history store was off (--no-store) or holds no '
                       'scan.</p></section>')
    note = '<p class="note">Only one scan recorded so far.</p>' if len(info.trend) == 1 else ""
    return head + note + trend_svg(info.trend) + "</section>"


def paths_section(evaluation: Evaluation) -> str:
    """Each finding's attack path as a graph (hop nodes and labeled edges)."""
    with_paths = [f for f in _ordered(evaluation.findings) if f.path]
    if not with_paths:
        return ""
    parts = [f'<section id="paths"><h2>Attack paths ({len(with_paths)})</h2>']
    for i, f in enumerate(with_paths):
        labels = {f.resource.id: (f.resource.name or f.resource.id, f.resource.kind)}
        state = " (suppressed)" if f.suppressed else ""
        parts.append(f'<figure class="path" data-finding="{esc(f.id)}"><figcaption><span class="badge sev-'
                     f'{esc(f.severity)}">{esc(f.severity)}</span> {esc(f.policy)}: {esc(cut(f.message, 200))}'
                     f'{state}</figcaption>{path_svg(f.path, f"p{i}", labels)}</figure>')
    parts.append("</section>")
    return "".join(parts)


def _ordered(findings: list[Finding]) -> list[Finding]:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (f.suppressed, rank.get(f.severity, 99), f.policy, f.resource.id))


def findings_section(evaluation: Evaluation, info: RunInfo) -> str:
    """The findings table with severity, text and suppressed filters (the page script applies them)."""
    report = info.suppressions
    boxes = "".join(f'<label><input type="checkbox" class="sev-filter" value="{s}" checked> {s}</label>'
                    for s in SEVERITIES)
    parts = [(f'<section id="findings-section"><h2>Findings</h2><div class="filters">{boxes}'
             '<label><input type="checkbox" id="filter-suppressed"> show suppressed</label>'
             '<input type="search" id="filter-text" placeholder="filter: policy, resource, account, message" '
             'aria-label="filter findings"><span id="shown-count" class="note"></span></div>'
             '<table id="findings"><thead><tr><th>severity</th><th>policy</th><th>resource</th>'
             '<th>account / region</th><th>message</th><th>status</th></tr></thead><tbody>')]
    for f in _ordered(evaluation.findings):
        r = f.resource
        where = " / ".join(x for x in (r.account, r.region) if x)
        entry = report.applied.get(f.id) if (report is not None and f.suppressed) else None
        status = "open"
        if f.suppressed:
            status = (f"suppressed until {entry.expires.isoformat()} ({entry.owner}): {entry.reason}"
                      if entry else "suppressed")
        search = " ".join((f.policy, f.severity, r.id, r.name, r.kind, r.account or "", r.region or "",
                           f.message)).lower()
        remediation = f.remediation.get("summary", "")
        css = ' class="suppressed"' if f.suppressed else ""
        parts.append(
            f'<tr data-severity="{esc(f.severity)}" data-suppressed="{int(f.suppressed)}" data-search="{esc(search)}"'
            f'{css} data-id="{esc(f.id)}">'
            f'<td><span class="badge sev-{esc(f.severity)}">{esc(f.severity)}</span></td><td>{esc(f.policy)}</td>'
            f'<td>{esc(r.kind)} <strong>{esc(r.name or r.id)}</strong><div class="id">{esc(r.id)}</div></td>'
            f'<td>{esc(where)}</td><td>{esc(f.message)}'
            + (f'<div class="note">fix: {esc(remediation)}</div>' if remediation else "")
            + f'</td><td>{esc(status)}</td></tr>')
    parts.append("</tbody></table></section>")
    return "".join(parts)


def notes_section(evaluation: Evaluation, info: RunInfo) -> str:
    """Coverage gaps (what was not checked), expired suppressions and policy errors."""
    parts = ['<section id="notes"><h2>What was not checked</h2>']
    if evaluation.coverage:
        parts.append(f'<p class="warn">{len(evaluation.coverage)} coverage gap(s): these parts of the estate '
                     'were NOT checked.</p><ul id="coverage">')
        for gap in evaluation.coverage:
            where = " ".join(str(x) for x in (gap.get("cloud"), gap.get("account"), gap.get("region") or "global",
                                                gap.get("service")) if x)
            extra = f" [{gap['resource']}]" if gap.get("resource") else ""
            parts.append(f"<li>{esc(where)}: {esc(gap.get('reason'))}: {esc(gap.get('message'))}{esc(extra)}</li>")
        parts.append("</ul>")
    else:
        parts.append('<p class="note">No coverage gap was recorded.</p>')
    undetermined = [u for u in evaluation.undetermined if not u.error]
    if undetermined:
        parts.append(f'<p class="note">{len(undetermined)} check(s) undetermined: a fact they need was not '
                     'collected.</p>')
    errors = evaluation.errors()
    if errors:
        parts.append('<p class="warn">Policy errors:</p><ul>' + "".join(
            f"<li>{esc(e.policy)} on {esc(e.resource)}: {esc(e.reason)}</li>" for e in errors[:50]) + "</ul>")
    report = info.suppressions
    if report is not None and report.expired:
        parts.append('<p class="warn">Expired suppressions (no longer applied):</p><ul id="expired">' + "".join(
            f"<li>{esc(s.where())}: expired {esc(s.expires.isoformat())}, owner {esc(s.owner)}: {esc(s.reason)}</li>"
            for s in report.expired) + "</ul>")
    parts.append("</section>")
    return "".join(parts)
