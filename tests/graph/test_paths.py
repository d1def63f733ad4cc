"""Path queries on a hand-built estate whose derived edges are already in the snapshot.

fixtures/snapshots/paths-estate.json: internet -reaches-> web-1 -runs_as-> web-role
-can_access-> customer-data (3 hops); web-role -can_assume-> data-admin -can_access-> customer-data
and web-1 -reaches-> app -runs_as-> app-role -can_access-> customer-data (4 hops each);
web-role -can_access-> app-logs; structural edges (contains, protected_by, encrypted_by, trusts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node
from cloudwarden.graph.paths import NodeSelector, PathQuery, PathQueryError, find_paths
from cloudwarden.graph.snapshot import load_snapshot

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "snapshots" / "paths-estate.json"
A = "111122223333"
WEB = f"arn:aws:ec2:us-east-1:{A}:instance/i-0web"
APP = f"arn:aws:ec2:us-east-1:{A}:instance/i-0app"
WEB_ROLE = f"arn:aws:iam::{A}:role/web-role"
APP_ROLE = f"arn:aws:iam::{A}:role/app-role"
ADMIN = f"arn:aws:iam::{A}:role/data-admin"
DATA = "arn:aws:s3:::customer-data"
LOGS = "arn:aws:s3:::app-logs"
ACCOUNT = f"arn:aws:iam::{A}:root"


@pytest.fixture(scope="module")
def graph() -> EstateGraph:
    return EstateGraph(load_snapshot(ESTATE))


def ids(*node_ids: str) -> NodeSelector:
    return NodeSelector(text=",".join(node_ids), ids=frozenset(node_ids))


def node_paths(search) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[p.source, *(h.to for h in p.hops)] for p in search.paths]


def test_three_hop_path_from_internet_to_bucket_explains_each_hop(graph: EstateGraph) -> None:
    search = find_paths(graph, ids("internet"), ids(DATA), PathQuery(k=1))
    [path] = search.paths
    assert (path.source, path.target, path.length) == ("internet", DATA, 3)
    assert [(h.from_, h.to, h.edge) for h in path.hops] == [
        ("internet", WEB, "reaches"), (WEB, WEB_ROLE, "runs_as"), (WEB_ROLE, DATA, "can_access")]
    reaches, runs_as, access = (h.detail for h in path.hops)
    assert reaches["protocol"] == "tcp" and reaches["ports"] == [[22, 22], [443, 443]]
    assert runs_as == {"instance_profile": f"arn:aws:iam::{A}:instance-profile/web"}
    assert access["access"] == ["read"] and access["statements"][0]["sid"] == "ReadData"


def test_k_shortest_paths_are_distinct_and_in_length_order(graph: EstateGraph) -> None:
    search = find_paths(graph, ids("internet"), ids(DATA), PathQuery(k=3))
    paths = node_paths(search)
    assert len(paths) == 3 and len({tuple(p) for p in paths}) == 3
    assert [p.length for p in search.paths] == [3, 4, 4]
    assert paths[0] == ["internet", WEB, WEB_ROLE, DATA]
    assert {tuple(p) for p in paths[1:]} == {("internet", WEB, WEB_ROLE, ADMIN, DATA), ("internet", WEB, APP, APP_ROLE, DATA)}


def test_k_bounds_the_paths_per_pair(graph: EstateGraph) -> None:
    assert len(find_paths(graph, ids("internet"), ids(DATA), PathQuery(k=2)).paths) == 2


def test_max_hops_cuts_longer_paths(graph: EstateGraph) -> None:
    assert [p.length for p in find_paths(graph, ids("internet"), ids(DATA), PathQuery(max_hops=3)).paths] == [3]
    assert find_paths(graph, ids("internet"), ids(DATA), PathQuery(max_hops=2)).paths == []


def test_edge_kind_restriction_drops_paths_through_other_kinds(graph: EstateGraph) -> None:
    query = PathQuery(edge_kinds=("reaches", "runs_as", "can_access"))
    paths = node_paths(find_paths(graph, ids("internet"), ids(DATA), query))
    assert paths == [["internet", WEB, WEB_ROLE, DATA], ["internet", WEB, APP, APP_ROLE, DATA]]


def test_structural_edges_are_not_followed_by_default(graph: EstateGraph) -> None:
    # account -contains-> bucket and data-admin -trusts-> account are facts, not attack steps.
    assert find_paths(graph, ids(ACCOUNT), ids(DATA)).paths == []
    assert node_paths(find_paths(graph, ids(ACCOUNT), ids(DATA), PathQuery(edge_kinds=("contains",)))) == [
        [ACCOUNT, DATA]]


def test_many_to_many_selection_returns_every_connected_pair(graph: EstateGraph) -> None:
    search = find_paths(graph, ids(WEB, APP), ids(DATA, LOGS), PathQuery(k=1))
    assert {(p.source, p.target) for p in search.paths} == {(WEB, DATA), (WEB, LOGS), (APP, DATA)}
    assert [p.length for p in search.paths] == sorted(p.length for p in search.paths)


def test_a_node_selected_on_both_ends_is_not_a_path_to_itself(graph: EstateGraph) -> None:
    search = find_paths(graph, ids(WEB, APP), ids(WEB, APP), PathQuery(k=1))
    assert node_paths(search) == [[WEB, APP]]


def test_limit_truncates_and_says_so(graph: EstateGraph) -> None:
    search = find_paths(graph, ids("internet"), ids(DATA), PathQuery(limit=2))
    assert len(search.paths) == 2 and search.truncated
    assert not find_paths(graph, ids("internet"), ids(DATA), PathQuery(limit=3)).truncated


def test_a_test_selector_only_runs_on_nodes_the_search_reaches(graph: EstateGraph) -> None:
    tested: list[str] = []

    def is_bucket(node: Node) -> bool:
        tested.append(node.id)
        return node.kind == "storage.bucket"

    search = find_paths(graph, ids("internet"), NodeSelector(text="buckets", test=is_bucket), PathQuery(k=1))
    assert {p.target for p in search.paths} == {DATA, LOGS}
    assert ACCOUNT not in tested and set(tested) <= {"internet", WEB, APP, WEB_ROLE, APP_ROLE, ADMIN, DATA, LOGS}


def test_a_test_selector_stops_at_the_nearest_nodes_the_limit_can_serve(graph: EstateGraph) -> None:
    tested: list[str] = []

    def is_workload_or_bucket(node: Node) -> bool:
        tested.append(node.id)
        return node.kind in ("compute.instance", "storage.bucket")

    search = find_paths(graph, ids("internet"), NodeSelector(text="t", test=is_workload_or_bucket), PathQuery(limit=1))
    assert node_paths(search) == [["internet", WEB]] and search.truncated
    assert DATA not in tested and LOGS not in tested  # 3 hops away: beyond the two pairs needed


def test_a_test_source_selector_searches_back_from_the_targets(graph: EstateGraph) -> None:
    tested: list[str] = []

    def is_instance(node: Node) -> bool:
        tested.append(node.id)
        return node.kind == "compute.instance"

    search = find_paths(graph, NodeSelector(text="instances", test=is_instance), ids(DATA), PathQuery(k=1))
    assert {(p.source, p.length) for p in search.paths} == {(WEB, 2), (APP, 2)}
    assert "internet" in tested and LOGS not in tested and ACCOUNT not in tested


def test_the_answer_does_not_depend_on_the_side_searched_first(graph: EstateGraph) -> None:
    # Known ids on both ends: the side with fewer edges (here the one bucket) is searched first;
    # a test selector on the target forces the search to start from the sources instead.
    sources = ids("internet", WEB, APP)
    backward = find_paths(graph, sources, ids(DATA))
    forward = find_paths(graph, sources, NodeSelector(text="data", test=lambda n: n.id == DATA))
    assert node_paths(backward) == node_paths(forward) and len(backward.paths) == 7


def test_result_carries_the_nodes_on_its_paths(graph: EstateGraph) -> None:
    search = find_paths(graph, ids("internet"), ids(DATA), PathQuery(k=1))
    assert set(search.nodes) == {"internet", WEB, WEB_ROLE, DATA}
    assert search.nodes[WEB].name == "web-1"


@pytest.mark.parametrize("query", [PathQuery(max_hops=0), PathQuery(k=0), PathQuery(limit=0),
                                   PathQuery(edge_kinds=("teleports",))])
def test_bad_bounds_and_unknown_edge_kinds_are_refused(graph: EstateGraph, query: PathQuery) -> None:
    with pytest.raises(PathQueryError):
        find_paths(graph, ids("internet"), ids(DATA), query)


def test_an_access_grant_on_a_workload_does_not_hand_over_its_identity() -> None:
    from cloudwarden.graph.model import Edge
    from cloudwarden.graph.snapshot import Snapshot

    user, function, role = f"arn:aws:iam::{A}:user/dev", f"arn:aws:lambda:us-east-1:{A}:function:f", WEB_ROLE
    nodes = [Node(id=user, cloud="aws", kind="identity.user"), Node(id=function, cloud="aws", kind="compute.function"),
             Node(id=role, cloud="aws", kind="identity.role"), Node(id=DATA, cloud="aws", kind="storage.bucket")]
    edges = [Edge(source=user, target=function, kind="can_access", detail={"levels": ["write"]}),
             Edge(source=function, target=role, kind="runs_as"),
             Edge(source=role, target=DATA, kind="can_access", detail={"levels": ["write"]})]
    graph = EstateGraph(Snapshot(nodes=nodes, edges=edges))
    assert find_paths(graph, ids(user), ids(DATA)).paths == []
    graph.add_edge(Edge(source=user, target=function, kind="can_escalate", detail={"technique": "lambda-update-function-code"}))
    assert len(find_paths(graph, ids(user), ids(DATA)).paths) == 1
