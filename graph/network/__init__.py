"""Network reachability: which workloads the internet, and other workloads, can open connections to.

- ``cidr``: address sets (exact range arithmetic for rules and routes);
- ``rules``: security-group (stateful, allow-only) and NACL (ordered, stateless) evaluation;
- ``topology``: the AWS network of a graph, indexed once; workload placements;
- ``aws_paths``: internet -> placement and placement -> placement evaluation, with hop evidence;
- ``workloads``, ``internet``, ``balancers``, ``lateral``: who takes part and the ``reaches`` edges;
- ``exposure``: questions over the derived edges (``reachable_from_internet``, ``internet_exposure``).

The analyzer that adds the edges is ``graph/analyzers/aws_reachability.py``.
"""

from cloudwarden.graph.network.exposure import (
    internet_exposure,
    reachable_from_internet,
)

__all__ = ["internet_exposure", "reachable_from_internet"]
