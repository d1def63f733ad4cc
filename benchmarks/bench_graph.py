"""Benchmark (issue 3): a synthetic organization of about 1,000,000 nodes.

The organization is the demo estate (a real snapshot from cloudwarden's AWS
collector) cloned into thousands of accounts, with cross-account trust between
neighbours, so every analyzer meets the shapes it meets in production. Reports
time and peak memory to load the snapshot, derive edges, run every path policy,
and the time of single internet-to-data path queries.

    .venv/bin/python benchmarks/bench_graph.py [--nodes 1000000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import gc
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.demo import load_demo
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.policy import builtin_policy_dir, load_policies
from cloudwarden.graph.analyzers import derive
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.paths import NodeSelector, PathQuery, find_paths
from cloudwarden.graph.snapshot import Snapshot, load_snapshot, write_snapshot

TEMPLATE_ACCOUNT = "123456789012"
_BUCKET = re.compile(rb"(arn:aws:s3:::|s3://)([a-z0-9][a-z0-9.-]*[a-z0-9])")


def peak_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def organization(target_nodes: int) -> Snapshot:
    """Clone the demo estate into as many accounts as it takes to reach ``target_nodes``."""
    template = load_demo()
    per_account = [n for n in template.nodes if n.id != "internet"]
    copies = max(1, target_nodes // len(per_account))
    nodes_json = msgspec.json.encode(per_account)
    edges_json = msgspec.json.encode(template.edges)
    nodes: list[Node] = [Node(id="internet", cloud="any", kind="internet", name="internet")]
    edges: list[Edge] = []
    decode_nodes = msgspec.json.Decoder(list[Node])
    decode_edges = msgspec.json.Decoder(list[Edge])
    for i in range(copies):
        account = f"{200000000000 + i:012d}".encode()
        # S3 ARNs carry no account: bucket names are global, so each copy gets its own.
        rename = (lambda m, a=account: m.group(1) + m.group(2) + b"-" + a)  # noqa: E731
        nodes.extend(decode_nodes.decode(_BUCKET.sub(rename, nodes_json.replace(TEMPLATE_ACCOUNT.encode(), account))))
        cloned = decode_edges.decode(_BUCKET.sub(rename, edges_json.replace(TEMPLATE_ACCOUNT.encode(), account)))
        edges.extend(cloned)
    seen: set[str] = set()
    unique = [n for n in nodes if not (n.id in seen or seen.add(n.id))]  # type: ignore[func-returns-value]
    return Snapshot(schema="cloudwarden.snapshot/v1", collected_at=template.collected_at, tool_version="bench",
                    sources=[], nodes=unique, edges=edges)


def main() -> None:
    """Build, save, load, derive, evaluate, query; print a table of seconds and peak memory."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the synthetic snapshot at this path")
    args = parser.parse_args()

    rows: list[tuple[str, float, float]] = []
    started = time.perf_counter()
    org = organization(args.nodes)
    rows.append(("build synthetic organization", time.perf_counter() - started, peak_mb()))
    print(f"organization: {len(org.nodes):,} nodes, {len(org.edges):,} fact edges", file=sys.stderr)
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "org.json.gz"
    write_snapshot(org, path)
    del org
    gc.collect()

    started = time.perf_counter()
    snapshot = load_snapshot(path)
    graph = EstateGraph(snapshot)
    rows.append(("load snapshot + build graph", time.perf_counter() - started, peak_mb()))

    started = time.perf_counter()
    timings = derive(graph)
    rows.append(("derive edges (all analyzers)", time.perf_counter() - started, peak_mb()))
    derived = sum(1 for e in graph.edges() if e.derived)
    edges_total = graph.g.number_of_edges()

    backend = get_backend()
    policies, problems = load_policies([builtin_policy_dir()], backend)
    assert not problems, problems
    path_policies = [p for p in policies if p.uses_graph]
    started = time.perf_counter()
    result = evaluate(snapshot, path_policies, backend, graph)
    rows.append((f"evaluate {len(path_policies)} path policies", time.perf_counter() - started, peak_mb()))

    data = [n.id for n in graph.nodes_of("storage.bucket")][:1000]
    query_times = []
    for target in data[:: max(1, len(data) // 5)][:5]:
        started = time.perf_counter()
        find_paths(graph, NodeSelector("internet", ids=frozenset({"internet"})),
                   NodeSelector(target, ids=frozenset({target})), PathQuery(k=3, max_hops=6))
        query_times.append(time.perf_counter() - started)
    started = time.perf_counter()
    many = find_paths(graph, NodeSelector("internet", ids=frozenset({"internet"})),
                      NodeSelector("kind:storage.bucket", ids=frozenset(n.id for n in graph.nodes_of("storage.bucket"))),
                      PathQuery(k=1, max_hops=6, limit=100))
    rows.append(("query internet -> kind:storage.bucket", time.perf_counter() - started, peak_mb()))

    print(f"graph: {graph.g.number_of_nodes():,} nodes, {edges_total:,} edges ({derived:,} derived)")
    print(f"{'step':<40}{'seconds':>10}{'peak MB':>10}")
    for name, seconds, mb in rows:
        print(f"{name:<40}{seconds:>10.1f}{mb:>10.0f}")
    for name, seconds in timings.items():
        print(f"  analyzer {name:<30}{seconds:>10.1f}")
    print(f"single internet -> bucket queries: {', '.join(f'{t:.3f}s' for t in query_times)}")
    print(f"paths found by the many-target query: {len(many.paths)}")
    print(f"findings from path policies: {len(result.findings):,}")
    total = sum(s for n, s, _ in rows[1:4])
    print(f"whole analysis (load + derive + path policies): {total:.1f}s, peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
