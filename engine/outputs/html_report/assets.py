"""The report's stylesheet and script, inlined into the page (no external request, ever).

Both are fixed text: no value from a finding is ever interpolated into them. The page's
Content-Security-Policy allows exactly these two blocks by hash, so even markup that slipped
past escaping could neither run a script nor load anything.
"""

from __future__ import annotations

import base64
import hashlib

CSS = """
:root { --critical: #7f1d1d; --high: #c2410c; --medium: #b45309; --low: #0e7490; --info: #4b5563;
  --line: #d1d5db; --muted: #6b7280; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827;
  background: var(--bg); }
header, main > section { max-width: 1200px; margin: 0 auto; padding: 12px 24px; }
header h1 { margin: 8px 0 4px; font-size: 22px; }
.meta { color: var(--muted); margin: 0; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 110px; }
.card .count { display: block; font-size: 26px; font-weight: 700; }
.card .label { color: var(--muted); text-transform: uppercase; font-size: 11px; letter-spacing: .05em; }
.sev-critical .count, .badge.sev-critical { color: var(--critical); }
.sev-high .count, .badge.sev-high { color: var(--high); }
.sev-medium .count, .badge.sev-medium { color: var(--medium); }
.sev-low .count, .badge.sev-low { color: var(--low); }
.sev-info .count, .badge.sev-info { color: var(--info); }
.badge { font-weight: 700; text-transform: uppercase; font-size: 11px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
tr.suppressed td { color: var(--muted); }
.status-fail { color: var(--critical); font-weight: 600; }
.status-unknown { color: var(--medium); font-weight: 600; }
.status-pass { color: #166534; font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.filters input[type=search] { padding: 4px 8px; min-width: 260px; }
.note { color: var(--muted); }
.warn { color: var(--high); }
figure { margin: 12px 0 20px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg { max-width: 100%; height: auto; }
svg .node rect { fill: #eef2ff; stroke: #4338ca; stroke-width: 1.2; }
svg .node.start rect { fill: #fee2e2; stroke: #b91c1c; }
svg .node.target rect { fill: #fef3c7; stroke: #b45309; }
svg .node text, svg .edge text, svg .axis text, svg .legend text { font: 11px system-ui, sans-serif; fill: #111827; }
svg .node text.kind { fill: #6b7280; font-size: 10px; }
svg .edge path { fill: none; stroke: #374151; stroke-width: 1.3; }
svg .edge text { fill: #1f2937; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .arrowhead { fill: #374151; }
svg .axis line, svg .grid line { stroke: #d1d5db; }
svg .series polyline { fill: none; stroke-width: 2; }
svg .series.sev-critical polyline, svg .series.sev-critical circle, svg .legend .sev-critical { stroke: var(--critical); fill: var(--critical); }
svg .series.sev-high polyline, svg .series.sev-high circle, svg .legend .sev-high { stroke: var(--high); fill: var(--high); }
svg .series.sev-medium polyline, svg .series.sev-medium circle, svg .legend .sev-medium { stroke: var(--medium); fill: var(--medium); }
svg .series.sev-low polyline, svg .series.sev-low circle, svg .legend .sev-low { stroke: var(--low); fill: var(--low); }
svg .series.sev-info polyline, svg .series.sev-info circle, svg .legend .sev-info { stroke: var(--info); fill: var(--info); }
svg .series polyline { fill: none; }
details > summary { cursor: pointer; }
"""

# Filtering of the findings table; the rows carry data-severity, data-suppressed and data-search.
JS = """
(function () {
  "use strict";
  var table = document.getElementById("findings");
  var search = document.getElementById("filter-text");
  var showSuppressed = document.getElementById("filter-suppressed");
  var severityBoxes = Array.prototype.slice.call(document.querySelectorAll("input.sev-filter"));
  var shown = document.getElementById("shown-count");
  function apply() {
    if (!table) { return; }
    var wanted = {};
    severityBoxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var text = search ? search.value.trim().toLowerCase() : "";
    var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
    var visible = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = wanted[row.getAttribute("data-severity")] !== false;
      if (ok && row.getAttribute("data-suppressed") === "1" && showSuppressed && !showSuppressed.checked) { ok = false; }
      if (ok && text && (row.getAttribute("data-search") || "").indexOf(text) === -1) { ok = false; }
      row.hidden = !ok;
      if (ok) { visible++; }
    }
    if (shown) { shown.textContent = visible + " of " + rows.length + " findings shown"; }
  }
  severityBoxes.forEach(function (box) { box.addEventListener("change", apply); });
  if (search) { search.addEventListener("input", apply); }
  if (showSuppressed) { showSuppressed.addEventListener("change", apply); }
  apply();
  document.documentElement.setAttribute("data-ready", "1");
}());
"""


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline block."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    """Nothing may load; only the report's own style and script blocks may apply and run."""
    return (f"default-src 'none'; style-src {csp_hash(CSS)}; script-src {csp_hash(JS)}; img-src 'none'; "
            "base-uri 'none'; form-action 'none'")
