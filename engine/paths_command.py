"""``cloudwarden paths``: attack paths between selected nodes of a snapshot.

Exit codes: 0 when the query ran, whether or not a path exists ("no path" is an answer, not
an error, and is also said on stderr so an empty table is not mistaken for a failure); 2 on
bad input (snapshot, selector, unknown node id or kind, invalid CEL, bounds below 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.commands import EXIT_OK, UsageError
from cloudwarden.engine.outputs.paths_format import render
from cloudwarden.engine.selectors import (
    CEL_PREFIX,
    CelNodeTest,
    SelectorError,
    compile_cel_selector,
    parse_selector,
    uses_cel,
)
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.paths import DEFAULT_EDGE_KINDS, PathQuery, find_paths
from cloudwarden.graph.snapshot import atomic_write_bytes, load_snapshot


def query_document(args: argparse.Namespace, query: PathQuery) -> dict[str, Any]:
    """The ``query`` echoed in every output: what was asked, with defaults filled in."""
    return {"from": args.from_, "to": args.to, "max_hops": query.max_hops, "k": query.k,
            "edges": list(query.edge_kinds), "limit": query.limit, "derive": args.derive}


def run_paths(args: argparse.Namespace) -> int:
    """Load, optionally derive, select, search, render; see the module docstring for exit codes."""
    # Dedupe --edge while keeping the user's order: it decides which kind explains a hop.
    kinds = tuple(dict.fromkeys(args.edge)) if args.edge else DEFAULT_EDGE_KINDS
    for flag, value in (("--max-hops", args.max_hops), ("-k", args.k), ("--limit", args.limit)):
        if value < 1:  # checked before loading: a bad bound fails fast on a big snapshot
            raise UsageError(f"{flag} must be at least 1, got {value}")
    query = PathQuery(max_hops=args.max_hops, k=args.k, edge_kinds=kinds, limit=args.limit)
    ends = (("--from", args.from_), ("--to", args.to))
    backend = get_backend(args.cel_backend) if any(uses_cel(text) for _, text in ends) else None
    try:  # CEL first: a typo should not wait for a big snapshot to load
        compiled = {flag: compile_cel_selector(text[len(CEL_PREFIX):], backend, flag) for flag, text in ends
                    if uses_cel(text)}
        graph = EstateGraph(load_snapshot(args.snapshot))
        if args.derive:
            from cloudwarden.graph.analyzers import derive

            derive(graph)
        sources, targets = (parse_selector(text, graph, backend, flag, compiled.get(flag)) for flag, text in ends)
    except SelectorError as exc:
        raise UsageError(str(exc)) from None
    search = find_paths(graph, sources, targets, query)
    for flag, selector in (("--from", sources), ("--to", targets)):
        test = selector.test
        if isinstance(test, CelNodeTest) and test.failures:
            print(f"cloudwarden: warning: {flag} CEL failed on {test.failures} node(s), not selected "
                  f"(first: {test.first_failure})", file=sys.stderr)
    report = render(args.format, search, query_document(args, query))
    if args.output:
        atomic_write_bytes(Path(args.output), report.encode())
    else:
        sys.stdout.write(report)
    if not search.paths:
        print(f"no path from {args.from_} to {args.to} within {query.max_hops} hop(s)", file=sys.stderr)
    elif search.truncated:
        print(f"cloudwarden: {len(search.paths)} path(s) shown; more exist (raise --limit)", file=sys.stderr)
    return EXIT_OK
