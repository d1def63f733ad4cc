"""Renderers of ``cloudwarden paths`` results: table (people), json, dot (Graphviz), mermaid.

Node names, tags and ids are attacker-influenced text: rich markup is off, and every
label written into DOT or Mermaid source is escaped for that language.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import msgspec
from rich.console import Console
from rich.text import Text

from cloudwarden.graph.paths import AttackPath, PathSearch

SCHEMA = "cloudwarden.paths/v1"
FORMATS: tuple[str, ...] = ("table", "json", "dot", "mermaid")
_MAX_EVIDENCE = 60


# --- evidence in a few words ------------------------------------------------------------------


def _span(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high = value
        return str(low) if low == high else f"{low}-{high}"
    return str(value)


def _ports(item: dict[str, Any]) -> str:
    """``tcp 22,80-90`` from ``{protocol, ports: [[from, to]]}`` or ``{protocol, port}``."""
    protocol = item.get("protocol")
    ports = item.get("ports") if isinstance(item.get("ports"), list) else None
    if ports and all(isinstance(p, (list, tuple)) for p in ports):
        text = ",".join(_span(p) for p in ports)
    elif item.get("port") is not None:
        text = str(item["port"])
    else:
        text = ""
    return " ".join(str(x) for x in (protocol, text) if x)


def _words(value: Any) -> str:
    """A string, or a list of strings/numbers joined by commas; anything else is not words."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return ",".join(map(str, value))
    return ""


def evidence(detail: dict[str, Any]) -> str:
    """A short reading of an edge's evidence: ports, access levels, technique, profile..."""
    parts: list[str] = []
    # Network evidence: {protocol, ports} at the top, or in lists of such entries (one per way in).
    nested = [x for key in ("access", "ports", "rules", "services") if isinstance(detail.get(key), list)
              for x in detail[key] if isinstance(x, dict)]
    for item in [detail, *nested]:
        text = _ports(item)
        if text and text not in parts:
            parts.append(text)
    for key in ("levels", "access_levels", "access", "technique", "techniques"):
        text = _words(detail.get(key))
        if text:
            parts.append(text)
    actions = detail.get("actions")
    if isinstance(actions, list) and actions:
        parts.append(", ".join(map(str, actions[:2])) + (f" +{len(actions) - 2}" if len(actions) > 2 else ""))
    if detail.get("instance_profile"):
        parts.append(f"profile {str(detail['instance_profile']).rsplit('/', 1)[-1]}")
    if detail.get("conditional"):
        parts.append("conditional")
    text = "; ".join(parts)
    return text if len(text) <= _MAX_EVIDENCE else text[: _MAX_EVIDENCE - 3] + "..."


def edge_text(edge: str, detail: dict[str, Any]) -> str:
    """``kind(evidence)`` for one hop, as every text format prints it."""
    return _edge_text(edge, detail)


def _edge_text(edge: str, detail: dict[str, Any]) -> str:
    found = evidence(detail)
    return f"{edge}({found})" if found else edge


def _label(search: PathSearch, node_id: str) -> str:
    node = search.nodes.get(node_id)
    return _one_line(node.name if node is not None and node.name else node_id)


def _kind(search: PathSearch, node_id: str) -> str:
    node = search.nodes.get(node_id)
    return node.kind if node is not None else "?"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- formats ----------------------------------------------------------------------------------


def render_json(search: PathSearch, query: dict[str, Any]) -> str:
    """The ``cloudwarden.paths/v1`` document."""
    doc = {"schema": SCHEMA, "query": query, "paths": msgspec.to_builtins(search.paths), "truncated": search.truncated}
    return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode() + "\n"


def render_table(search: PathSearch, query: dict[str, Any], width: int | None = None) -> str:
    """One block per path, one ``A --edge(evidence)--> B`` line per hop, then the nodes' ids."""
    buf = io.StringIO()
    console = Console(file=buf, width=width or 160, force_terminal=False, no_color=True, highlight=False,
                      markup=False, emoji=False)
    total = len(search.paths)
    for number, path in enumerate(search.paths, 1):
        head = (f"path {number}/{total}: {_label(search, path.source)} => {_label(search, path.target)} "
                f"({path.length} hop{'s' if path.length != 1 else ''})")
        console.print(Text(head, style="bold"))
        for hop in path.hops:
            console.print(f"  {_label(search, hop.from_)} --{_one_line(_edge_text(hop.edge, hop.detail))}--> "
                          f"{_label(search, hop.to)} [{_kind(search, hop.to)}]")
        console.print()
    named = sorted(i for i in search.nodes if _label(search, i) != i)
    if named:
        console.print("nodes:")
        for node_id in named:
            console.print(f"  {_label(search, node_id)} ({_kind(search, node_id)}): {_one_line(node_id)}")
    if total:
        console.print(f"{total} path(s) from {_one_line(str(query.get('from')))} to {_one_line(str(query.get('to')))}"
                      + (f"; more exist beyond --limit {query.get('limit')}" if search.truncated else ""))
    return buf.getvalue()


def _hop_set(paths: list[AttackPath]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every distinct hop of every path, in first-seen order (paths share hops)."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        for hop in path.hops:
            seen.setdefault((hop.from_, hop.to, hop.edge), hop.detail)
    return [(*key, detail) for key, detail in seen.items()]


def _path_nodes(paths: list[AttackPath]) -> list[str]:
    order: dict[str, None] = {}
    for path in paths:
        order[path.source] = None
        for hop in path.hops:
            order[hop.to] = None
    return list(order)


def _dot(text: str) -> str:
    """A DOT double-quoted string body: backslashes and quotes escaped, one line."""
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def render_dot(search: PathSearch, query: dict[str, Any]) -> str:
    """A Graphviz digraph of the union of the paths (node: kind and name; edge: kind and evidence)."""
    lines = ["digraph cloudwarden_paths {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    ends = {p.source for p in search.paths} | {p.target for p in search.paths}
    for node_id in _path_nodes(search.paths):
        style = ", penwidth=2" if node_id in ends else ""
        label = f"{_dot(_kind(search, node_id))}\\n{_dot(_label(search, node_id))}"
        lines.append(f'  "{_dot(node_id)}" [label="{label}"{style}];')
    for source, target, edge, detail in _hop_set(search.paths):
        found = evidence(detail)
        label = _dot(edge) + (f"\\n{_dot(found)}" if found else "")
        lines.append(f'  "{_dot(source)}" -> "{_dot(target)}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


# Mermaid entity codes, applied in one pass (each code itself contains "#" and ";").
_MERMAID_CODES = {'"': "#quot;", "#": "#35;", ";": "#59;", "[": "#91;", "]": "#93;", "(": "#40;", ")": "#41;",
                  "{": "#123;", "}": "#125;", "|": "#124;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
_MERMAID_SPECIAL = re.compile("[" + re.escape("".join(_MERMAID_CODES)) + "]")


def _mermaid(text: str) -> str:
    return _MERMAID_SPECIAL.sub(lambda m: _MERMAID_CODES[m.group()], _one_line(text))


def render_mermaid(search: PathSearch, query: dict[str, Any]) -> str:
    """A ``flowchart LR`` of the union of the paths, with generated node ids and escaped labels."""
    ids = {node_id: f"n{i}" for i, node_id in enumerate(_path_nodes(search.paths))}
    lines = ["flowchart LR"]
    for node_id, short in ids.items():
        lines.append(f'  {short}["{_mermaid(_kind(search, node_id))}<br/>{_mermaid(_label(search, node_id))}"]')
    for source, target, edge, detail in _hop_set(search.paths):
        found = evidence(detail)
        label = _mermaid(edge + (f" {found}" if found else ""))
        lines.append(f'  {ids[source]} -->|"{label}"| {ids[target]}')
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[PathSearch, dict[str, Any]], str]] = {
    "table": render_table,
    "json": render_json,
    "dot": render_dot,
    "mermaid": render_mermaid,
}


def render(fmt: str, search: PathSearch, query: dict[str, Any]) -> str:
    """The path search rendered in ``fmt`` (one of ``FORMATS``)."""
    return RENDERERS[fmt](search, query)
