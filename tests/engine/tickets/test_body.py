"""Ticket titles and bodies: content, the path diagram, and estate text that must stay inert."""

from __future__ import annotations

import re

import msgspec
from cloudwarden.engine.findings import Finding
from cloudwarden.engine.outputs.paths_format import render_mermaid
from cloudwarden.engine.tickets.body import MAX_RESOURCES, attack_path_mermaid, markdown, read_marker, ticket_content
from cloudwarden.engine.tickets.jira import adf, wiki
from cloudwarden.engine.tickets.model import desired_tickets, group_key, read_findings
from cloudwarden.graph.model import Node
from cloudwarden.graph.paths import AttackPath, Hop, PathQuery, PathSearch

from tests.engine.tickets.conftest import FINDINGS, GROWN, KEY_ROTATION, PATH_FINDING

HOSTILE = "`evil` @octocat #1 <img src=x> -->"


def finding(**changes: object) -> Finding:
    base = next(f for f in read_findings(FINDINGS) if f.id == KEY_ROTATION)
    return msgspec.structs.replace(base, **changes)


def body_of(*findings: Finding, group_by: str = "finding") -> str:
    return markdown(ticket_content(next(iter(desired_tickets(findings, group_by).drafts.values()))))


def test_a_finding_body_has_resource_evidence_remediation_and_compliance() -> None:
    body = body_of(finding(compliance={"cis-aws-3.0": ["3.6"]}))
    for text in ("**Resource id:** `arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`",
                 "### Evidence", '"enabled": false', "### Remediation", "Enable automatic key rotation.",
                 "`aws.kms.enable-key-rotation`", "### Compliance", "**cis-aws-3.0:** 3.6"):
        assert text in body


def test_the_marker_reads_back_as_the_key_and_digest() -> None:
    content = ticket_content(desired_tickets([finding()]).drafts[KEY_ROTATION])
    assert read_marker(markdown(content)) == (KEY_ROTATION, content.digest)


def test_the_path_diagram_is_the_paths_command_mermaid_rendering() -> None:
    path_finding = next(f for f in read_findings(FINDINGS) if f.id == PATH_FINDING)
    hops = [Hop(from_=h.from_, to=h.to, edge=h.edge, detail=h.detail) for h in path_finding.path]
    nodes = {"internet": Node(id="internet", cloud="any", kind="internet", name="internet"),
             path_finding.resource.id: Node(id=path_finding.resource.id, cloud="aws", kind="storage.bucket",
                                            name="customer-data")}
    search = PathSearch(query=PathQuery(), paths=[AttackPath(source="internet", target=path_finding.resource.id,
                                                             hops=hops, length=3)], nodes=nodes)
    assert attack_path_mermaid([path_finding]) == render_mermaid(search, {}).rstrip("\n")


def test_an_estate_value_is_a_code_span_longer_than_any_backtick_run_in_it() -> None:
    body = body_of(finding(resource=msgspec.structs.replace(finding().resource, name=HOSTILE)))
    assert f"- **Resource:** `` {HOSTILE} ``" in body


def test_estate_text_cannot_close_the_hidden_marker() -> None:
    body = body_of(finding(message=HOSTILE))
    assert body.splitlines()[0].count("-->") == 1 and body.count("<!--") == 1


def test_evidence_with_a_fence_inside_gets_a_longer_fence() -> None:
    body = body_of(finding(evidence={"note": "```\n# injected"}))
    assert "````json\n" in body and "\n````\n" in body


def test_the_title_is_one_line_without_control_characters() -> None:
    content = ticket_content(desired_tickets([finding(title="Keys\x1b[31m rotate\nnow" + "!" * 400)]).drafts[KEY_ROTATION])
    assert "\x1b" not in content.title and "\n" not in content.title and len(content.title) <= 250


def test_a_grouped_body_lists_at_most_the_cap_and_counts_the_rest() -> None:
    many = [finding(id=f"{n:032x}", resource=msgspec.structs.replace(finding().resource, id=f"key-{n:03d}"))
            for n in range(MAX_RESOURCES + 7)]
    body = body_of(*many, group_by="policy")
    assert len(re.findall(r"^- `alias/payments` `key-\d+`", body, re.MULTILINE)) == MAX_RESOURCES and "... and 7 more" in body


def test_the_digest_changes_only_when_the_content_changes() -> None:
    def digests(path):  # type: ignore[no-untyped-def]
        return {k: ticket_content(d).digest for k, d in desired_tickets(read_findings(path), "policy").drafts.items()}

    before, again, grown = digests(FINDINGS), digests(FINDINGS), digests(GROWN)
    assert before == again
    assert {k for k in before if grown[k] != before[k]} == {group_key("bucket-not-public")}


def test_jira_documents_have_no_empty_text_nodes_and_end_with_the_marker() -> None:
    content = ticket_content(desired_tickets([finding(message="")]).drafts[KEY_ROTATION])
    doc = adf(content)

    def texts(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            yield from ([node["text"]] if "text" in node else [])
            for child in node.get("content", []):
                yield from texts(child)

    assert all(texts(doc)) and doc["content"][-1]["content"][0]["text"] == content.marker


def test_jira_wiki_text_escapes_mentions_and_macros() -> None:
    text = wiki(ticket_content(desired_tickets([finding(message="[~admin] {html}x{html}")]).drafts[KEY_ROTATION]))
    assert "{{\\[\\~admin\\] \\{html\\}x\\{html\\}}}" in text
