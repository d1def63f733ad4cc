"""Derived-edge analyzers, one small module per kind of derived edge.

Each module declares ``ANALYZER = Analyzer(name, run, after=(...))``; ``run``
reads the graph and returns new edges. ``derive`` runs them in dependency
order (escalation needs effective permissions, for instance). Adding an
analyzer is one module and one line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.memory import paused_gc
from cloudwarden.graph.model import Edge
from cloudwarden.graph.snapshot import Snapshot

log = logging.getLogger("cloudwarden.graph")


@dataclass(frozen=True)
class Analyzer:
    """A named producer of derived edges."""

    name: str
    run: Callable[[EstateGraph], Iterable[Edge]]
    after: tuple[str, ...] = ()
    description: str = ""


_MODULES: tuple[str, ...] = (
    "aws_can_access", "aws_can_assume", "aws_escalation", "aws_reachability",
    "azure_can_access", "azure_escalation", "azure_reachability",
    "gcp_can_access", "gcp_can_assume", "gcp_escalation", "gcp_reachability",
)


def all_analyzers() -> list[Analyzer]:
    """Every registered analyzer, in an order that respects ``after``."""
    found = {a.name: a for a in (importlib.import_module(f"{__name__}.{m}").ANALYZER for m in _MODULES)}
    ordered: list[Analyzer] = []
    done: set[str] = set()

    def visit(analyzer: Analyzer, stack: tuple[str, ...] = ()) -> None:
        if analyzer.name in done:
            return
        if analyzer.name in stack:
            raise ValueError(f"analyzer dependency cycle: {' -> '.join(stack + (analyzer.name,))}")
        for dep in analyzer.after:
            if dep in found:
                visit(found[dep], stack + (analyzer.name,))
        done.add(analyzer.name)
        ordered.append(analyzer)

    for analyzer in found.values():
        visit(analyzer)
    return ordered


def derive(graph: EstateGraph, only: Iterable[str] | None = None) -> dict[str, float]:
    """Run the analyzers on ``graph`` (all, or those named); returns seconds per analyzer."""
    wanted = set(only) if only is not None else None
    timings: dict[str, float] = {}
    with paused_gc():
        for analyzer in all_analyzers():
            if wanted is not None and analyzer.name not in wanted:
                continue
            started = time.perf_counter()
            added = graph.add_derived(analyzer.run(graph))
            timings[analyzer.name] = time.perf_counter() - started
            log.info("analyzer %s: %d edge(s) in %.2fs", analyzer.name, added, timings[analyzer.name])
    return timings


def analyze(snapshot: Snapshot) -> EstateGraph:
    """The snapshot's graph with every derived edge (derived edges already in the snapshot are kept)."""
    graph = EstateGraph(snapshot)
    derive(graph)
    return graph
