"""Graph-aware CEL functions: what policies may ask of the attack-path graph.

Every function takes node ids (strings) and answers from derived edges, so the
same policy works on every cloud whose analyzers produce those edges:

- ``internet_exposed(id) -> bool`` and ``exposed_ports(id) -> list(list(int))``
  (``reaches`` from the ``internet`` node, directly or through load balancers;
  lateral movement through another workload is not exposure);
- ``identities(id) -> list(string)``: what a workload runs as (``runs_as``);
- ``is_admin(id) -> bool`` and ``can_escalate_to_admin(id) -> bool``;
- ``writers(id)`` / ``readers(id) -> list(string)``: principals with a specific
  grant (admin-equivalent principals are left to their own policies);
- ``writable(id)`` / ``readable(id) -> list(string)``: what a principal can write
  or read among data and key kinds;
- ``lineage(id) -> list(string)``: data upstream of a model or endpoint
  (artifacts, training data), following ``reads_from`` and producers' inputs;
- ``pipeline_identities(id) -> list(string)``: identities of the node and of the
  workloads upstream of it (who legitimately writes its data);
- ``untrusted_trusts(id) -> list(string)``: third-party, wildcard or whole-account
  trusts of a role without an external id.

The functions are declared in every CEL environment (so policies type-check
anywhere); they answer from ``CURRENT``, the graph of the run being evaluated.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from cloudwarden.engine.cel.base import CustomFunction
from cloudwarden.engine.findings import PathHop
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID
from cloudwarden.graph.network import reachable_from_internet

WRITE_LEVELS = frozenset({"write", "admin", "permissions"})
READ_LEVELS = frozenset({"read", "admin"})
DATA_KINDS = frozenset({
    "storage.bucket", "database.instance", "secret", "kms.key", "ai.model", "ai.endpoint", "ai.training_job",
})


class GraphQueries:
    """Answers over one derived graph, with the indexes computed once."""

    def __init__(self, graph: EstateGraph | None) -> None:
        self.graph = graph
        self._exposures: dict[str, list[dict[str, Any]]] = {}
        self._upstreams: dict[str, list[str]] = {}
        # Chains need escalation or impersonation edges (on GCP, impersonating an owner is the whole path).
        self._escalations_derived = graph is not None and any(
            True for kind in ("can_escalate", "can_assume") for _ in graph.edges(kind))

    def exposure(self, node_id: str) -> list[dict[str, Any]]:
        """How the internet reaches the node, directly or through load balancers (not through workloads)."""
        if self.graph is None or node_id not in self._exposures:
            if self.graph is None:
                return []
            self._exposures[node_id] = reachable_from_internet(self.graph, node_id)
        return self._exposures[node_id]

    def internet_exposed(self, node_id: str) -> bool:
        """Whether the internet reaches the node (a compromised workload in between does not count)."""
        return bool(self.exposure(node_id))

    def exposed_ports(self, node_id: str) -> list[list[int]]:
        """The port ranges on which the internet reaches the node."""
        spans = {tuple(p) for access in self.exposure(node_id) for p in access.get("ports") or []}
        return [list(span) for span in sorted(spans)]

    def identities(self, node_id: str) -> list[str]:
        """The identities a workload runs as."""
        return sorted({e.target for e in self._out(node_id, "runs_as")})

    def is_admin(self, node_id: str) -> bool:
        """Whether a principal holds admin-equivalent access (an ``admin`` grant on its account)."""
        return any(e.detail.get("admin") for e in self._out(node_id, "can_access"))

    def can_escalate_to_admin(self, node_id: str) -> bool:
        """Whether a chain of escalations and assumptions leads the principal to admin."""
        return bool(self.escalation_chains(node_id))

    def escalation_chains(self, node_id: str) -> list[Any]:
        """Escalation chains to admin (edges), shortest first."""
        if self.graph is None or not self._escalations_derived:
            return []
        from cloudwarden.graph.escalation.chains import escalation_chains

        return escalation_chains(self.graph, node_id)

    def writers(self, node_id: str) -> list[str]:
        """Principals with a specific grant to write (or administer, or change permissions of) the node."""
        return self._grantees(node_id, WRITE_LEVELS)

    def readers(self, node_id: str) -> list[str]:
        """Principals with a specific grant to read the node; ``internet`` when it is public."""
        readers = self._grantees(node_id, READ_LEVELS)
        node = self.graph.node(node_id) if self.graph else None
        if node is not None and node.props.get("public") is True:
            readers.append(INTERNET_ID)
        return readers

    def writable(self, node_id: str) -> list[str]:
        """Data and keys the principal can write."""
        return self._granted(node_id, WRITE_LEVELS)

    def readable(self, node_id: str) -> list[str]:
        """Data and keys the principal can read."""
        return self._granted(node_id, READ_LEVELS)

    def lineage(self, node_id: str) -> list[str]:
        """Data upstream of a model or endpoint: what it reads, and what its producers read."""
        return sorted(n for n in self._upstream(node_id) if self._kind(n) == "storage.bucket")

    def lineage_path(self, node_id: str, data_id: str) -> list[Any]:
        """The ``reads_from`` / ``writes_to`` edges that connect a node to upstream data, nearest first."""
        if self.graph is None:
            return []
        via: dict[str, Any] = {node_id: None}
        queue = deque([node_id])
        while queue and data_id not in via:
            current = queue.popleft()
            steps = [(e.target, e) for e in self._out(current, "reads_from")]
            steps += [(e.source, e) for e in self.graph.in_edges(current, "writes_to")]
            for nxt, edge in steps:
                if nxt not in via:
                    via[nxt] = (current, edge)
                    queue.append(nxt)
        chain = []
        current = data_id
        while via.get(current) is not None:
            previous, edge = via[current]
            chain.append(edge)
            current = previous
        return [PathHop(from_=e.source, to=e.target, edge=e.kind, detail=e.detail) for e in reversed(chain)]

    def pipeline_identities(self, node_id: str) -> list[str]:
        """The identities of the node and of the workloads upstream of it (its own pipeline)."""
        found = set(self.identities(node_id))
        for upstream in self._upstream(node_id):
            found.update(self.identities(upstream))
        return sorted(found)

    def untrusted_trusts(self, node_id: str) -> list[str]:
        """Principals a role trusts without an external id although they are third parties or wildcards."""
        out = []
        for edge in self._out(node_id, "trusts"):
            d = edge.detail
            risky = d.get("wildcard") or d.get("third_party") or d.get("whole_account")
            if risky and not d.get("external_id") and not d.get("federated"):
                out.append(edge.target)
        return sorted(set(out))

    # --- internals -----------------------------------------------------------

    def _upstream(self, node_id: str) -> list[str]:
        """Everything upstream: followed ``reads_from`` edges, and the producers (``writes_to``) of each."""
        if self.graph is None:
            return []
        if node_id in self._upstreams:
            return self._upstreams[node_id]
        seen = {node_id}
        queue = deque([node_id])
        while queue:
            current = queue.popleft()
            upstream = [e.target for e in self._out(current, "reads_from")]
            upstream += [e.source for e in self.graph.in_edges(current, "writes_to")]
            for nxt in upstream:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        seen.discard(node_id)
        self._upstreams[node_id] = sorted(seen)
        return self._upstreams[node_id]

    def _kind(self, node_id: str) -> str | None:
        node = self.graph.node(node_id) if self.graph is not None else None
        return node.kind if node is not None else None

    def _out(self, node_id: str, kind: str) -> list[Any]:
        return list(self.graph.out_edges(node_id, kind)) if self.graph is not None else []

    def _grantees(self, node_id: str, levels: frozenset[str]) -> list[str]:
        if self.graph is None:
            return []
        return sorted({e.source for e in self.graph.in_edges(node_id, "can_access")
                       if levels & set(e.detail.get("levels") or [])})

    def _granted(self, node_id: str, levels: frozenset[str]) -> list[str]:
        if self.graph is None:
            return []
        out = set()
        for edge in self.graph.out_edges(node_id, "can_access"):
            target = self.graph.node(edge.target)
            if target is not None and target.kind in DATA_KINDS and levels & set(edge.detail.get("levels") or []):
                out.add(edge.target)
        return sorted(out)


class _Current:
    """The queries of the run being evaluated (evaluation is single-threaded)."""

    queries = GraphQueries(None)


CURRENT = _Current()


def use_graph(graph: EstateGraph | None) -> GraphQueries:
    """Make ``graph`` the one graph functions answer from; returns its queries."""
    CURRENT.queries = GraphQueries(graph)
    return CURRENT.queries


def _bind(method: str) -> Any:
    return lambda node_id: getattr(CURRENT.queries, method)(str(node_id))


GRAPH_FUNCTIONS: tuple[CustomFunction, ...] = tuple(
    CustomFunction(name, ("string",), returns, _bind(name))
    for name, returns in (
        ("internet_exposed", "bool"),
        ("exposed_ports", "list(list(int))"),
        ("identities", "list(string)"),
        ("is_admin", "bool"),
        ("can_escalate_to_admin", "bool"),
        ("writers", "list(string)"),
        ("readers", "list(string)"),
        ("writable", "list(string)"),
        ("readable", "list(string)"),
        ("lineage", "list(string)"),
        ("pipeline_identities", "list(string)"),
        ("untrusted_trusts", "list(string)"),
    )
)
GRAPH_FUNCTION_NAMES = frozenset(f.name for f in GRAPH_FUNCTIONS)
