"""Benchmark (issues 4 and 5): Azure and GCP inventories at scale, from records to findings.

Each cloud's planted estate (fixtures/azure/rows, fixtures/gcp/assets: records shaped as
Resource Graph and Cloud Asset Inventory return them) is cloned into many subscriptions or
projects with fresh ids, serialized as an export, then: decoded (json.loads: the plain-Python
floor every importer pays), normalized into a snapshot, analyzed (that cloud's analyzers) and
evaluated with the whole built-in pack. Ratios are against the decode time of the same
bytes, measured in the same process.

    .venv/bin/python benchmarks/bench_clouds.py [--copies 200] [--cloud azure|gcp|both]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from pathlib import Path
from typing import Any

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.policy import builtin_policy_dir, load_policies
from cloudwarden.graph.analyzers import all_analyzers, derive
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.merge import merge_partials

ROOT = Path(__file__).resolve().parents[1]
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def peak_mb() -> float:
    """Peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def azure_export(copies: int) -> str:
    """The planted subscription cloned ``copies`` times; management groups and built-in roles shared."""
    from cloudwarden.providers.azure.normalize.builtin_roles import builtin_roles

    rows = json.loads((ROOT / "fixtures/azure/rows/planted-subscription.json").read_text())
    # Management groups and the assignments made at them exist once per tenant, not per subscription.
    shared = [r for r in rows if r["type"].lower() == "microsoft.management/managementgroups"
              or "/providers/microsoft.management/managementgroups/" in
              str((r.get("properties") or {}).get("scope", "")).lower()]
    cloned = [r for r in rows if r not in shared]
    keep = {g.lower() for g in _GUID.findall(json.dumps(shared))}
    keep |= {str(k).rsplit("/", 1)[-1].lower() for k in builtin_roles()}
    keep |= {str(r.get("tenantId", "")).lower() for r in rows}
    keep -= {str(r.get("subscriptionId", "")).lower() for r in cloned}  # every copy is its own subscription
    text = json.dumps(cloned)
    out = list(shared)
    for i in range(copies):
        copy = _GUID.sub(lambda m: m.group(0) if m.group(0).lower() in keep else m.group(0)[:24] + f"{i:012x}", text)
        out.extend(json.loads(copy))
    return json.dumps({"data": out, "count": len(out)})


def gcp_export(copies: int) -> str:
    """The planted projects cloned ``copies`` times (ids, numbers and bucket names made unique)."""
    assets = json.loads((ROOT / "fixtures/gcp/assets/acme-estate.json").read_text())

    def kind(a: dict[str, Any]) -> str:
        return str(a.get("assetType") or a.get("asset_type") or "")

    shared = [a for a in assets if kind(a).endswith(("/Organization", "/Folder"))]
    cloned = [a for a in assets if a not in shared]
    names: set[str] = set()
    for a in cloned:
        data = (a.get("resource") or {}).get("data") or {}
        if kind(a) == "cloudresourcemanager.googleapis.com/Project":
            names |= {str(data.get("projectId") or ""), str(data.get("projectNumber") or "")}
        if kind(a) == "storage.googleapis.com/Bucket":
            names.add(str(a["name"]).rsplit("/", 1)[-1])
        names |= {x.split("/", 1)[1] for x in a.get("ancestors", []) if x.startswith("projects/")}
    names.discard("")
    pattern = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w])")
    text = json.dumps(cloned)
    out = list(shared)
    for i in range(copies):
        out.extend(json.loads(pattern.sub(lambda m: f"{m.group(1)}{i}" if m.group(1).isdigit() else f"{m.group(1)}-c{i}",
                                          text)))
    return "\n".join(json.dumps(a) for a in out)


def run(cloud: str, copies: int) -> dict[str, Any]:
    """Decode, normalize, analyze and evaluate one cloud's cloned estate; returns the figures."""
    text = azure_export(copies) if cloud == "azure" else gcp_export(copies)
    started = time.perf_counter()
    if cloud == "azure":
        records = json.loads(text)["data"]
    else:
        records = [json.loads(line) for line in text.splitlines()]
    decode = time.perf_counter() - started
    started = time.perf_counter()
    if cloud == "azure":
        from cloudwarden.providers.azure.normalize import normalize
    else:
        from cloudwarden.providers.gcp.normalize import normalize
    snapshot = merge_partials(normalize(records), "bench")
    normalized = time.perf_counter() - started
    started = time.perf_counter()
    graph = EstateGraph(snapshot)
    timings = derive(graph, only=[a.name for a in all_analyzers() if a.name.startswith(cloud)])
    analyzed = time.perf_counter() - started
    backend = get_backend("cel-expr-python")
    policies, problems = load_policies([builtin_policy_dir()], backend)
    assert not problems, problems
    started = time.perf_counter()
    result = evaluate(snapshot, policies, backend)
    evaluated = time.perf_counter() - started
    return {"cloud": cloud, "copies": copies, "records": len(records), "bytes": len(text), "nodes": len(snapshot.nodes),
            "fact_edges": len(snapshot.edges), "derived_edges": sum(1 for _ in graph.g.edges) - len(snapshot.edges),
            "decode_s": decode, "normalize_s": normalized, "records_per_s": len(records) / normalized,
            "normalize_vs_decode": normalized / decode, "analyze_s": analyzed, "analyzers": timings,
            "evaluate_s": evaluated, "findings": len(result.findings), "errors": len(result.errors()),
            "peak_mb": peak_mb()}


def main() -> None:
    """Print the figures of each cloud as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="subscriptions / projects (default 200)")
    parser.add_argument("--cloud", choices=["azure", "gcp", "both"], default="both")
    args = parser.parse_args()
    for cloud in (["azure", "gcp"] if args.cloud == "both" else [args.cloud]):
        figures = run(cloud, args.copies)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}, default=str))


if __name__ == "__main__":
    main()
