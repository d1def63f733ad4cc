"""Benchmark (a): the full pack over synthetic normalized resources.

Reports policy x resource evaluations per second for each CEL backend and for a
plain-Python equivalent of the same checks run in the same process, plus the
ratio, and cross-checks that all of them find the same number of findings.

    .venv/bin/python benchmarks/bench_evaluate.py [--resources 100000] [--celpy-resources 5000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plain_checks import PLAIN_CHECKS  # noqa: E402
from synthetic import synthetic_nodes  # noqa: E402

from cloudwarden.engine.cel import get_backend  # noqa: E402
from cloudwarden.engine.evaluate import evaluate, resource_view  # noqa: E402
from cloudwarden.engine.policy import builtin_policy_dir, load_policies  # noqa: E402
from cloudwarden.graph.snapshot import Snapshot  # noqa: E402


def resource_policies(backend):  # type: ignore[no-untyped-def]
    """The pack's per-resource policies (path policies need the graph: see bench_graph.py)."""
    policies, problems = load_policies([builtin_policy_dir()], backend)
    assert not problems, problems
    return [p for p in policies if not p.uses_graph]


def run_cel(snapshot: Snapshot, backend_name: str) -> tuple[int, int, float]:
    """(evaluations, findings, seconds) of the whole pack through ``evaluate``."""
    backend = get_backend(backend_name)
    policies = resource_policies(backend)
    started = time.perf_counter()
    result = evaluate(snapshot, policies, backend)
    return result.stats.evaluations, len(result.findings), time.perf_counter() - started


def run_plain(snapshot: Snapshot) -> tuple[int, int, float, list[str]]:
    """The same checks as hand-written Python over the same resource views."""
    policies = resource_policies(get_backend())
    by_kind: dict[str, list] = {}
    missing = [p.id for p in policies if p.id not in PLAIN_CHECKS]
    for p in policies:
        if p.id in PLAIN_CHECKS:
            for kind in p.kinds:
                by_kind.setdefault(kind, []).append((p, PLAIN_CHECKS[p.id]))
    started = time.perf_counter()
    evaluations = findings = 0
    for node in snapshot.nodes:
        checks = by_kind.get(node.kind)
        if not checks:
            continue
        view = resource_view(node)
        for policy, (match, check) in checks:
            if policy.clouds and node.cloud not in policy.clouds:
                continue
            evaluations += 1
            if match is not None and match(view) is not True:
                continue
            try:
                verdict = check(view)
            except (TypeError, KeyError, AttributeError):
                verdict = None  # unknown, as in the CEL engine
            if verdict is False:
                findings += 1
    return evaluations, findings, time.perf_counter() - started, missing


def main() -> None:
    """Run every variant and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--celpy-resources", type=int, default=5_000)
    args = parser.parse_args()

    snapshot = Snapshot(nodes=synthetic_nodes(args.resources))
    evals, cel_findings, cel_s = run_cel(snapshot, "cel-expr-python")
    p_evals, p_findings, p_s, missing = run_plain(snapshot)
    small = Snapshot(nodes=snapshot.nodes[: args.celpy_resources])
    s_evals, s_findings, s_s = run_cel(small, "cel-python")
    sp_evals, sp_findings, sp_s, _ = run_plain(small)

    print(f"resources: {args.resources:,}; {len(resource_policies(get_backend()))} per-resource policies;"
          " one process, one core")
    print(f"{'variant':<34}{'evaluations':>12}{'findings':>10}{'seconds':>9}{'evals/s':>12}")
    rows = [
        ("cel-expr-python (default)", evals, cel_findings, cel_s),
        ("plain Python, same checks", p_evals, p_findings, p_s),
        (f"cel-python on {args.celpy_resources:,}", s_evals, s_findings, s_s),
        (f"plain Python on {args.celpy_resources:,}", sp_evals, sp_findings, sp_s),
    ]
    for name, n, f, s in rows:
        print(f"{name:<34}{n:>12,}{f:>10,}{s:>9.2f}{n / s:>12,.0f}")
    print(f"ratio cel-expr-python / plain Python: {(evals / cel_s) / (p_evals / p_s):.2f}x")
    print(f"ratio cel-python / plain Python:      {(s_evals / s_s) / (sp_evals / sp_s):.3f}x")
    if missing:
        print(f"policies without a plain-Python twin (not in the plain run): {', '.join(missing)}")
    if cel_findings != p_findings and not missing:
        print(f"WARNING: findings differ (CEL {cel_findings} vs plain {p_findings})")


if __name__ == "__main__":
    main()
