"""Inline SVG drawn in Python: attack paths as node-and-edge graphs, and the findings trend.

Every text that reaches the SVG (node ids, names, edge evidence) is cut to length first and
escaped last, so a truncation never splits an entity and nothing is read as markup.
"""

from __future__ import annotations

from html import escape
from typing import Any

from cloudwarden.engine.findings import SEVERITY_ORDER, PathHop
from cloudwarden.engine.outputs.paths_format import edge_text

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 170, 44, 150, 30, 16
SEVERITIES = sorted(SEVERITY_ORDER, key=lambda s: -SEVERITY_ORDER[s])


def esc(value: Any) -> str:
    """Text or attribute content, escaped (quotes included)."""
    return escape(str(value), quote=True)


def cut(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def node_label(node_id: str) -> tuple[str, str]:
    """A short name and a kind hint for a node known only by id (AWS ARN, Azure id, GCP name, member)."""
    if node_id == "internet":
        return "internet", "anyone"
    if node_id.startswith("arn:"):
        parts = node_id.split(":", 5)
        service, account = (parts[2], parts[4]) if len(parts) > 4 else ("", "")
        resource = parts[5] if len(parts) > 5 else ""
        if resource == "root":
            return f"account {account}", "account"
        sep = "/" if "/" in resource else ":"
        rtype, _, rest = resource.partition(sep)
        return (rest.rsplit("/", 1)[-1] or rtype or node_id), f"{service} {rtype}".strip() if rest else service
    if node_id.startswith("/"):  # Azure ids, and GCP full names ("//service/...")
        segments = [s for s in node_id.split("/") if s]
        return segments[-1], segments[-2] if len(segments) > 1 else ""
    prefix, sep, rest = node_id.partition(":")
    if sep and rest and " " not in prefix:
        return rest, prefix
    return node_id, ""


def _layers(hops: list[PathHop]) -> tuple[list[str], dict[str, int]]:
    """Nodes in first-seen order and their column: longest distance from a source, sources pulled
    right next to their first successor (so a side entry does not stretch across the figure)."""
    order: dict[str, None] = {}
    for hop in hops:
        order.setdefault(hop.from_, None)
        order.setdefault(hop.to, None)
    nodes = list(order)
    layer = {n: 0 for n in nodes}
    for _ in range(len(nodes)):  # Bellman-Ford style relaxation; a cycle stops at len(nodes) columns
        changed = False
        for hop in hops:
            if layer[hop.from_] + 1 > layer[hop.to] and layer[hop.from_] + 1 < len(nodes):
                layer[hop.to] = layer[hop.from_] + 1
                changed = True
        if not changed:
            break
    has_incoming = {h.to for h in hops}
    for node in nodes:
        successors = [layer[h.to] for h in hops if h.from_ == node]
        if node not in has_incoming and successors:
            layer[node] = max(min(successors) - 1, 0)
    return nodes, layer


def path_svg(hops: list[PathHop], key: str, labels: dict[str, tuple[str, str]] | None = None) -> str:
    """An attack path (or several sharing hops) as a left-to-right graph with labeled edges.

    ``key`` makes the arrow marker id unique in the page; ``labels`` overrides the
    name and kind shown for known nodes (the finding's own resource).
    """
    labels = labels or {}
    nodes, layer = _layers(hops)
    rows: dict[int, int] = {}
    pos: dict[str, tuple[int, int]] = {}
    for node in nodes:
        col = layer[node]
        row = rows.get(col, 0)
        rows[col] = row + 1
        pos[node] = (MARGIN + col * (NODE_W + GAP_X), MARGIN + 14 + row * (NODE_H + GAP_Y))
    width = MARGIN * 2 + (max(layer.values(), default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    height = MARGIN * 2 + 14 + max(rows.values(), default=1) * (NODE_H + GAP_Y) - GAP_Y + 24
    marker = f"arrow-{esc(key)}"
    out = [(f'<svg class="attack-path" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="attack path">'),
           (f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
            f'orient="auto"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>')]
    seen: dict[tuple[str, str], int] = {}
    for hop in hops:
        pair = (hop.from_, hop.to)
        seen[pair] = seen.get(pair, -1) + 1  # parallel edges (reads_from and writes_to) bow apart
        out.append(_edge(hop, pos, marker, bend=seen[pair] * 22))
    targets = {h.to for h in hops} - {h.from_ for h in hops}
    starts = {h.from_ for h in hops} - {h.to for h in hops}
    for node in nodes:
        name, kind = labels.get(node) or node_label(node)
        x, y = pos[node]
        role = "start" if node in starts else "target" if node in targets else "hop"
        out.append(f'<g class="node {role}" data-node-id="{esc(node)}"><title>{esc(node)}</title>'
                   f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                   f'<text x="{x + 8}" y="{y + 18}">{esc(cut(name, 26))}</text>'
                   f'<text class="kind" x="{x + 8}" y="{y + 34}">{esc(cut(kind, 30))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _edge(hop: PathHop, pos: dict[str, tuple[int, int]], marker: str, bend: int = 0) -> str:
    (x1, y1), (x2, y2) = pos[hop.from_], pos[hop.to]
    label = edge_text(hop.edge, hop.detail)
    if x2 > x1:
        sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
        mid = (sx + ex) // 2
        d = f"M{sx},{sy} C{mid},{sy - 2 * bend} {mid},{ey - 2 * bend} {ex},{ey}"
        lx, ly = mid, (sy + ey) // 2 - 6 - int(1.5 * bend)
    else:  # a hop back to an earlier column (or within one): arc under the boxes
        sx, sy, ex, ey = x1 + NODE_W // 2, y1 + NODE_H, x2 + NODE_W // 2, y2 + NODE_H
        low = max(sy, ey) + GAP_Y + bend
        d = f"M{sx},{sy} C{sx},{low} {ex},{low} {ex},{ey}"
        lx, ly = (sx + ex) // 2, low + 4
    return (f'<g class="edge" data-edge="{esc(hop.edge)}" data-from="{esc(hop.from_)}" data-to="{esc(hop.to)}">'
            f'<title>{esc(label)}</title><path d="{d}" marker-end="url(#{marker})"/>'
            f'<text x="{lx}" y="{ly}" text-anchor="middle">{esc(cut(label, 26))}</text></g>')


def trend_svg(points: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    """Unsuppressed findings per severity across recorded scans (oldest left), one line each."""
    width, height, left, right, top, bottom = 760, 240, 44, 120, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((p["by_severity"].get(s, 0) for p in points for s in SEVERITIES), default=0) or 1
    step = plot_w / max(len(points) - 1, 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return round(left + i * step, 1), round(top + plot_h - value * plot_h / peak, 1)

    out = [(f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="findings per scan">'), '<g class="grid">']
    for value in sorted({0, peak // 2, peak}):
        _, y = xy(0, value)
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}"/>')
    out.append('</g><g class="axis">')
    for value in sorted({0, peak // 2, peak}):
        _, y = xy(0, value)
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{value}</text>')
    every = max(1, len(points) // 12)
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            x, _ = xy(i, 0)
            out.append(f'<text x="{x}" y="{height - bottom + 16}" text-anchor="middle">#{esc(p["id"])}</text>')
    out.append("</g>")
    for s in SEVERITIES:
        coords = [xy(i, p["by_severity"].get(s, 0)) for i, p in enumerate(points)]
        line = " ".join(f"{x},{y}" for x, y in coords)
        out.append(f'<g class="series sev-{s}" data-severity="{s}"><polyline points="{line}"/>')
        for (x, y), p in zip(coords, points):
            value = p["by_severity"].get(s, 0)
            out.append(f'<circle cx="{x}" cy="{y}" r="3"><title>scan #{esc(p["id"])} {esc(p.get("finished_at", ""))}: '
                       f'{value} {s}</title></circle>')
        out.append("</g>")
    out.append('<g class="legend">')
    for i, s in enumerate(SEVERITIES):
        y = top + 10 + i * 18
        out.append(f'<rect class="sev-{s}" x="{width - right + 16}" y="{y - 9}" width="10" height="10"/>'
                   f'<text x="{width - right + 32}" y="{y}">{s}</text>')
    out.append("</g></svg>")
    return "".join(out)
