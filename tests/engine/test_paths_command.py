"""``cloudwarden paths``: selectors, exit codes and the four output formats.

The estate (fixtures/snapshots/paths-estate.json) has its derived edges already, so every test
runs with ``--no-derive`` and does not depend on the analyzers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.cli import build_parser, main
from cloudwarden.engine.outputs.paths_format import evidence
from cloudwarden.engine.selectors import SelectorError, kind_guard, parse_selector
from cloudwarden.graph import paths as graph_paths
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.snapshot import load_snapshot

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "snapshots" / "paths-estate.json"
A = "111122223333"
WEB = f"arn:aws:ec2:us-east-1:{A}:instance/i-0web"
APP = f"arn:aws:ec2:us-east-1:{A}:instance/i-0app"
WEB_ROLE = f"arn:aws:iam::{A}:role/web-role"
DATA = "arn:aws:s3:::customer-data"
LOGS = "arn:aws:s3:::app-logs"
SENSITIVE = 'cel:"classification" in resource.tags && resource.tags.classification == "sensitive"'


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["paths", "--snapshot", str(ESTATE), "--no-derive", *argv])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def graph() -> EstateGraph:
    return EstateGraph(load_snapshot(ESTATE))


# --- selectors --------------------------------------------------------------------------------


def test_internet_selector_is_the_internet_node(graph: EstateGraph) -> None:
    assert parse_selector("internet", graph).ids == {"internet"}


def test_node_id_selector_is_exactly_that_node(graph: EstateGraph) -> None:
    assert parse_selector(WEB, graph).ids == {WEB}


def test_kind_selector_is_every_node_of_the_kind(graph: EstateGraph) -> None:
    assert parse_selector("kind:storage.bucket", graph).ids == {DATA, LOGS}


def test_cel_selector_tests_the_resource_view_of_a_node(graph: EstateGraph) -> None:
    selector = parse_selector(SENSITIVE, graph, get_backend())
    assert selector.ids is None and selector.test is not None
    assert selector.test(graph.node(DATA)) and not selector.test(graph.node(LOGS))


def test_a_cel_selector_opening_with_a_kind_test_is_only_run_on_that_kind(graph: EstateGraph) -> None:
    text = 'resource.kind == "storage.bucket" && "classification" in resource.tags'
    guarded = parse_selector(f"cel:{text}", graph, get_backend())
    unguarded = parse_selector(f"cel:{text} || false", graph, get_backend())  # || defeats the shortcut
    assert guarded.test.kinds == {"storage.bucket"} and unguarded.test.kinds is None  # type: ignore[union-attr]
    assert [n for n in graph.g if guarded.test(graph.node(n))] == [n for n in graph.g if unguarded.test(graph.node(n))] == [DATA]  # type: ignore[misc]


@pytest.mark.parametrize(("source", "kinds"), [
    ('resource.kind == "storage.bucket"', {"storage.bucket"}),
    ('resource.kind in ["ai.model", "storage.bucket"] && resource.name == "a || b ? c"', {"ai.model", "storage.bucket"}),
    ('resource.kind == "storage.bucket" && resource.public || resource.name == "x"', None),
    ('resource.kind == "storage.bucket" && (resource.public ? true : false)', None),
    ('resource.kind == "storage.bucket" && r"\\" == "||"', None),
    ('resource.name == "x" && resource.kind == "storage.bucket"', None),
])
def test_kind_guard_is_taken_only_when_it_cannot_change_the_answer(source: str, kinds: set[str] | None) -> None:
    assert kind_guard(source) == (frozenset(kinds) if kinds is not None else None)


def test_unknown_node_id_is_refused_by_name(graph: EstateGraph) -> None:
    with pytest.raises(SelectorError, match="unknown node id 'arn:aws:s3:::nope'"):
        parse_selector("arn:aws:s3:::nope", graph)


# --- exit codes -------------------------------------------------------------------------------


def test_unknown_node_id_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--from", "internet", "--to", "arn:aws:s3:::nope")
    assert code == 2 and out == ""
    assert "--to: unknown node id 'arn:aws:s3:::nope'" in err and "Traceback" not in err


def test_unknown_kind_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--from", "kind:compute.toaster", "--to", DATA)
    assert code == 2 and "--from: unknown kind 'compute.toaster'" in err


@pytest.mark.parametrize("backend", ["cel-expr-python", "cel-python"])
def test_invalid_cel_exits_2_with_its_position(capsys: pytest.CaptureFixture[str], backend: str) -> None:
    code, _, err = run(capsys, "--from", "internet", "--to", "cel:resource.kind == ", "--cel-backend", backend)
    assert code == 2
    assert re.search(r"--to: invalid CEL at line 1, column \d+: ", err)


def test_invalid_cel_is_reported_before_the_snapshot_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["paths", "--snapshot", str(tmp_path / "missing.json"), "--from", "cel:resource.(", "--to", DATA])
    err = capsys.readouterr().err
    assert code == 2 and "--from: invalid CEL" in err and "missing.json" not in err


def test_cel_runtime_failures_are_not_selected_and_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--from", "internet", "--to", "cel:resource.props.no_such_facet == true")
    assert code == 0
    assert re.search(r"warning: --to CEL failed on \d+ node\(s\)", err) and "no path" in err


def test_max_hops_below_one_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--from", "internet", "--to", DATA, "--max-hops", "0")
    assert code == 2 and "--max-hops must be at least 1" in err


def test_bad_snapshot_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code = main(["paths", "--snapshot", str(bad), "--from", "internet", "--to", DATA])
    assert code == 2 and "not a cloudwarden snapshot" in capsys.readouterr().err


def test_no_path_exits_0_and_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--from", DATA, "--to", "internet")
    assert code == 0 and out == ""
    assert "no path from arn:aws:s3:::customer-data to internet" in err


def test_derive_runs_before_the_query_unless_no_derive(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from cloudwarden.graph import analyzers

    calls: list[EstateGraph] = []
    monkeypatch.setattr(analyzers, "derive", lambda g, only=None: calls.append(g) or {})
    main(["paths", "--snapshot", str(ESTATE), "--from", "internet", "--to", DATA])
    main(["paths", "--snapshot", str(ESTATE), "--from", "internet", "--to", DATA, "--no-derive"])
    capsys.readouterr()
    assert len(calls) == 1


def test_cli_defaults_are_the_library_defaults() -> None:
    args = build_parser().parse_args(["paths", "--snapshot", "s", "--from", "a", "--to", "b"])
    assert (args.max_hops, args.k, args.limit) == (
        graph_paths.DEFAULT_MAX_HOPS, graph_paths.DEFAULT_K, graph_paths.DEFAULT_LIMIT)
    assert args.derive is True and args.edge == []


# --- formats ----------------------------------------------------------------------------------


def test_json_has_the_schema_query_and_explained_hops(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "internet", "--to", SENSITIVE, "--format", "json", "-k", "1")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "cloudwarden.paths/v1" and doc["truncated"] is False
    assert doc["query"] == {"from": "internet", "to": SENSITIVE, "max_hops": 6, "k": 1,
                            "edges": list(graph_paths.DEFAULT_EDGE_KINDS), "limit": 100, "derive": False}
    [path] = doc["paths"]
    assert (path["source"], path["target"], path["length"]) == ("internet", DATA, 3)
    assert path["hops"][0] == {"from": "internet", "to": WEB, "edge": "reaches",
                               "detail": {"protocol": "tcp", "ports": [[22, 22], [443, 443]],
                                          "via": [f"arn:aws:ec2:us-east-1:{A}:internet-gateway/igw-0main",
                                                  f"arn:aws:ec2:us-east-1:{A}:security-group/sg-0web"]}}


def test_edge_flag_restricts_the_kinds_followed(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--from", "internet", "--to", DATA, "--format", "json",
                    "--edge", "reaches", "--edge", "runs_as", "--edge", "can_access")
    doc = json.loads(out)
    assert doc["query"]["edges"] == ["reaches", "runs_as", "can_access"]
    assert {h["edge"] for p in doc["paths"] for h in p["hops"]} == {"reaches", "runs_as", "can_access"}
    assert len(doc["paths"]) == 2


def test_table_has_one_block_per_path_and_a_line_per_hop(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "internet", "--to", DATA)
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("path ")] == ["path 1/3", "path 2/3", "path 3/3"]
    assert "  internet --reaches(tcp 22,443)--> web-1 [compute.instance]" in out
    assert "  web-1 --runs_as(profile web)--> web-role [identity.role]" in out
    assert "  web-role --can_access(read; s3:GetObject, s3:ListBucket)--> customer-data [storage.bucket]" in out
    assert "  web-role --can_assume--> data-admin [identity.role]" in out
    assert f"web-1 (compute.instance): {WEB}" in out


_QUOTED = r'"(?:[^"\\\n]|\\.)*"'
_DOT_LINE = re.compile(rf"""\s*(?:
    (?P<attr>(?:rankdir=\w+|(?:node|edge)\s*\[[^\]]*\]);)
  | (?P<src>{_QUOTED})\s*->\s*(?P<dst>{_QUOTED})\s*\[label={_QUOTED}\];
  | (?P<node>{_QUOTED})\s*\[label={_QUOTED}(?:,\s*\w+=\w+)*\];
)\s*$""", re.VERBOSE)


def test_dot_is_a_graphviz_digraph_of_the_hops(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "internet", "--to", DATA, "--format", "dot")
    assert code == 0
    lines = out.strip().splitlines()
    assert re.fullmatch(r"digraph \w+ \{", lines[0]) and lines[-1] == "}"
    nodes, edges = set(), set()
    for line in lines[1:-1]:
        match = _DOT_LINE.fullmatch(line)
        assert match, f"not a DOT statement: {line!r}"
        if match["node"]:
            nodes.add(json.loads(match["node"]))
        elif match["src"]:
            edges.add((json.loads(match["src"]), json.loads(match["dst"])))
    assert ("internet", WEB) in edges and (WEB, APP) in edges and len(edges) == 8
    assert {end for edge in edges for end in edge} == nodes
    assert r'label="compute.instance\napp \"blue\" [v2]"' in out


def test_mermaid_is_a_flowchart_with_escaped_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "internet", "--to", DATA, "--format", "mermaid")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert all(re.fullmatch(r'  n\d+\["[^"\[\]]*"\]|  n\d+ -->\|"[^"|]*"\| n\d+', line) for line in lines[1:])
    assert "app #quot;blue#quot; #91;v2#93;" in out
    assert sum("-->" in line for line in lines) == 8


def test_output_file_gets_the_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "paths.json"
    code, out, _ = run(capsys, "--from", "internet", "--to", DATA, "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["schema"] == "cloudwarden.paths/v1"


def test_evidence_reads_ports_access_technique_and_conditions() -> None:
    assert evidence({"protocol": "tcp", "ports": [[22, 22], [8000, 8080]]}) == "tcp 22,8000-8080"
    assert evidence({"protocol": "tcp", "ports": [[443, 443]], "access": [
        {"protocol": "tcp", "ports": [[443, 443]]}, {"protocol": "udp", "ports": [[53, 53]]}]}) == "tcp 443; udp 53"
    assert evidence({"levels": ["read", "write"], "actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                     "conditional": True}) == "read,write; s3:GetObject, s3:PutObject +1; conditional"
    assert evidence({"technique": "iam-passrole-ec2"}) == "iam-passrole-ec2"
    assert evidence({}) == ""
