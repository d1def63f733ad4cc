"""GCP IAM semantics over the normalized graph: bindings with inheritance, roles, IAM Conditions, deny policies.

- ``permissions``: permission matching (names and documented wildcard patterns), access levels, target families;
- ``cel``: a three-valued evaluator for the CEL of IAM Conditions (true, false, or undecided by the snapshot);
- ``hierarchy``: organization > folders > projects > resources by ``contains`` edges;
- ``bindings``: bindings by member, group and domain membership, deny policies;
- ``authorization``: ``GcpAuthorization`` (``permissions_on``, ``grants``, ``is_admin``), shared per graph.
"""

from __future__ import annotations

import weakref

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam.authorization import Access, GcpAuthorization
from cloudwarden.graph.gcp_iam.bindings import Binding

_SHARED: weakref.WeakKeyDictionary[EstateGraph, GcpAuthorization] = weakref.WeakKeyDictionary()


def shared_authorization(graph: EstateGraph) -> GcpAuthorization:
    """One ``GcpAuthorization`` per graph, shared by the GCP analyzers (built on first use)."""
    found = _SHARED.get(graph)
    if found is None:
        found = _SHARED[graph] = GcpAuthorization(graph)
    return found


__all__ = ["Access", "Binding", "GcpAuthorization", "shared_authorization"]
