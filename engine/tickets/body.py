"""Ticket titles and bodies: resource, evidence, attack path (Mermaid), remediation, compliance.

A body is built once as a few neutral blocks (heading, paragraph, bullets, code block), then
rendered per tracker: Markdown for GitHub and webhooks (here), Atlassian Document Format or wiki
text for Jira (``jira.py``). Every value that comes from the estate (names, ids, messages,
evidence) is attacker-influenced: in Markdown it is written only inside code spans or fenced
blocks sized to its content, so it cannot mention people, link issues, inject HTML or close
the hidden marker.

The marker ``<!-- cloudwarden:fingerprint=KEY cloudwarden:digest=HEX -->`` opens every GitHub
body; Jira carries the same text in the last paragraph. The digest is a hash of the title and
blocks, so a run updates a ticket only when its content changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

from cloudwarden.engine.findings import Finding
from cloudwarden.engine.outputs.paths_format import render_mermaid
from cloudwarden.engine.tickets.model import TicketDraft
from cloudwarden.graph.model import INTERNET_ID, Node
from cloudwarden.graph.paths import AttackPath, Hop, PathQuery, PathSearch

TITLE_MAX = 250  # Jira summaries stop at 255 characters; GitHub titles are longer
MAX_RESOURCES = 50  # per grouped ticket: keeps the body under Jira's 32k and GitHub's 64k limits
MAX_PATHS = 8
MAX_EVIDENCE = 2000

MARKER = re.compile(r"cloudwarden:fingerprint=([A-Za-z0-9][A-Za-z0-9._:-]{0,127})")
DIGEST = re.compile(r"cloudwarden:digest=([0-9a-f]{8,64})")


@dataclass(frozen=True)
class Text:
    """Plain prose (escaped by each renderer)."""

    text: str


@dataclass(frozen=True)
class Code:
    """An inline code span: every estate-provided value."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Bold prose."""

    text: str


Inline = Text | Code | Strong


@dataclass(frozen=True)
class Heading:
    """A section heading."""

    text: str


@dataclass(frozen=True)
class Paragraph:
    """A run of inline parts."""

    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Bullets:
    """A bulleted list, one run of inline parts per item."""

    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block: JSON evidence, a Mermaid diagram."""

    language: str
    text: str


Block = Heading | Paragraph | Bullets | CodeBlock


@dataclass(frozen=True)
class TicketContent:
    """A ticket's title and body blocks, with the key and digest the tracker stores."""

    key: str
    title: str
    blocks: tuple[Block, ...]
    digest: str

    @property
    def marker(self) -> str:
        """The machine-readable line that lets the next run find and compare this ticket."""
        return f"cloudwarden:fingerprint={self.key} cloudwarden:digest={self.digest}"


def read_marker(text: str) -> tuple[str | None, str | None]:
    """The key and digest in a ticket body (``None`` where absent)."""
    key, digest = MARKER.search(text), DIGEST.search(text)
    return (key.group(1) if key else None, digest.group(1) if digest else None)


def one_line(text: str, limit: int = 0) -> str:
    """Whitespace collapsed, control characters dropped, cut at ``limit`` (0: no cut)."""
    text = " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())
    return text if not limit or len(text) <= limit else text[: limit - 3] + "..."


def spaced(text: str) -> str:
    """``one_line``, keeping one leading and one trailing space where ``text`` had them."""
    core = one_line(text)
    lead = " " if text[:1].isspace() else ""
    return lead + core + (" " if core and text[-1:].isspace() else "")


# --- content ----------------------------------------------------------------------------------


def ticket_content(draft: TicketDraft) -> TicketContent:
    """The title and body of ``draft``."""
    first = draft.first
    if draft.group_by == "finding":
        name = first.resource.name or first.resource.id
        title = f"[cloudwarden] {draft.severity}: {first.title}: {name}"
        blocks = _finding_blocks(first)
    else:
        count = len(draft.findings)
        title = f"[cloudwarden] {draft.severity}: {first.title} ({draft.policy})"
        blocks = _group_blocks(draft, count)
    title = one_line(title, TITLE_MAX)
    canonical = json.dumps([title, [(type(b).__name__, asdict(b)) for b in blocks]], sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return TicketContent(key=draft.key, title=title, blocks=tuple(blocks), digest=digest)


def _facts(finding: Finding) -> list[tuple[Inline, ...]]:
    res = finding.resource
    where = [Code(res.cloud)] + [x for v in (res.account, res.region) if v for x in (Text(" / "), Code(v))]
    items: list[tuple[Inline, ...]] = [
        (Strong("Severity: "), Text(finding.severity)),
        (Strong("Policy: "), Code(finding.policy), Text(" " + finding.title)),
        (Strong("Resource: "), Code(res.name or res.id)),
        (Strong("Resource id: "), Code(res.id)),
        (Strong("Kind: "), Code(res.kind)),
        (Strong("Where: "), *where),
    ]
    if finding.categories:
        items.append((Strong("Categories: "), Text(", ".join(finding.categories))))
    return items


def _finding_blocks(finding: Finding) -> list[Block]:
    blocks: list[Block] = [Paragraph((Strong("Finding: "), Code(finding.message))), Bullets(tuple(_facts(finding)))]
    if finding.evidence:
        evidence = json.dumps(finding.evidence, indent=2, sort_keys=True, default=str)
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[:MAX_EVIDENCE] + "\n... (truncated; see the findings file)"
        blocks += [Heading("Evidence"), CodeBlock("json", evidence)]
    mermaid = attack_path_mermaid([finding])
    if mermaid:
        blocks += [Heading("Attack path"), CodeBlock("mermaid", mermaid)]
    return blocks + _remediation_blocks(finding) + _compliance_blocks(finding)


def _group_blocks(draft: TicketDraft, count: int) -> list[Block]:
    first = draft.first
    blocks: list[Block] = [
        Paragraph((Text(f"{count} resource{'s' if count != 1 else ''} fail{'s' if count == 1 else ''} policy "),
                   Code(first.policy), Text(": " + first.title))),
        Bullets(((Strong("Severity: "), Text(draft.severity)),
                 (Strong("Categories: "), Text(", ".join(first.categories) or "none")))),
        Heading("Resources"),
    ]
    items = []
    for finding in draft.findings[:MAX_RESOURCES]:
        res = finding.resource
        where = " / ".join(v for v in (res.cloud, res.account, res.region) if v)
        items.append((Code(res.name or res.id), Text(" "), Code(res.id), Text(" "), Code(where), Text(": "),
                      Code(finding.message)))
    blocks.append(Bullets(tuple(items)))
    if count > MAX_RESOURCES:
        blocks.append(Paragraph((Text(f"... and {count - MAX_RESOURCES} more (see the findings file)."),)))
    mermaid = attack_path_mermaid(draft.findings)
    if mermaid:
        blocks += [Heading("Attack paths"), CodeBlock("mermaid", mermaid)]
    return blocks + _remediation_blocks(first) + _compliance_blocks(first)


def _remediation_blocks(finding: Finding) -> list[Block]:
    summary = finding.remediation.get("summary")
    action = finding.remediation.get("action")
    if not summary and not action:
        return []
    blocks: list[Block] = [Heading("Remediation")]
    if summary:
        blocks.append(Paragraph((Text(one_line(str(summary))),)))
    if action:
        blocks.append(Paragraph((Text("Automated action: "), Code(str(action)), Text(" (see "),
                                 Code("cloudwarden remediate"), Text(")"))))
    return blocks


def _compliance_blocks(finding: Finding) -> list[Block]:
    if not finding.compliance:
        return []
    items = tuple((Strong(f"{framework}: "), Text(", ".join(controls)))
                  for framework, controls in sorted(finding.compliance.items()))
    return [Heading("Compliance"), Bullets(items)]


def attack_path_mermaid(findings: tuple[Finding, ...] | list[Finding]) -> str | None:
    """The findings' paths as one Mermaid flowchart (the ``paths --format mermaid`` renderer)."""
    paths: list[AttackPath] = []
    nodes: dict[str, Node] = {INTERNET_ID: Node(id=INTERNET_ID, cloud="any", kind="internet", name="internet")}
    for finding in findings:
        if not finding.path:
            continue
        hops = [Hop(from_=h.from_, to=h.to, edge=h.edge, detail=h.detail) for h in finding.path]
        paths.append(AttackPath(source=hops[0].from_, target=hops[-1].to, hops=hops, length=len(hops)))
        res = finding.resource
        nodes[res.id] = Node(id=res.id, cloud=res.cloud, kind=res.kind, name=res.name or res.id)  # type: ignore[arg-type]
        if len(paths) == MAX_PATHS:
            break
    if not paths:
        return None
    return render_mermaid(PathSearch(query=PathQuery(), paths=paths, nodes=nodes), {}).rstrip("\n")


# --- Markdown (GitHub, webhooks) --------------------------------------------------------------

# Active anywhere in a line: emphasis, code, links, HTML/entities, references, mentions, tables.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#@~|!&])")
# Active at the start of a line: lists, setext underlines, numbered lists.
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def _md_text(text: str) -> str:
    """Prose with every Markdown-active character backslash-escaped (edge spaces kept)."""
    return _MD_SPECIAL.sub(r"\\\1", spaced(text))


def _md_code(text: str) -> str:
    """A code span whose delimiter is longer than any backtick run inside (CommonMark 6.1)."""
    text = one_line(text) or " "
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_inline(parts: tuple[Inline, ...]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Code):
            out.append(_md_code(part.text))
        elif isinstance(part, Strong):
            out.append(f"**{_md_text(part.text.strip())}**" + (" " if part.text.endswith(" ") else ""))
        else:
            out.append(_md_text(part.text))
    return "".join(out)


def _md_fence(text: str) -> str:
    runs = re.findall(r"`{3,}", text)
    return "`" * (max((len(r) for r in runs), default=2) + 1)


def markdown(content: TicketContent) -> str:
    """The GitHub body: the hidden marker first (survives any truncation), then the blocks."""
    lines = [f"<!-- {content.marker} -->", ""]
    for block in content.blocks:
        if isinstance(block, Heading):
            lines += [f"### {_md_text(block.text)}", ""]
        elif isinstance(block, Paragraph):
            lines += [_MD_LINE_START.sub(r"\1\\\2", _md_inline(block.parts)), ""]
        elif isinstance(block, Bullets):
            lines += [f"- {_md_inline(item)}" for item in block.items] + [""]
        else:
            fence = _md_fence(block.text)
            lines += [f"{fence}{block.language}", block.text, fence, ""]
    lines.append("_Managed by `cloudwarden tickets sync`: the fingerprint above finds this ticket again._")
    return "\n".join(lines) + "\n"
