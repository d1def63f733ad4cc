"""Find the nodes an ARN pattern may match without testing every node.

Ids are kept sorted; a pattern's literal prefix (up to its first wildcard or
policy variable) selects a contiguous run of ids, and only those are tested.
Answers are cached per pattern, since many principals share policies.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable

from cloudwarden.graph.aws_iam.matching import resource_matches

_VARIABLE = re.compile(r"\$\{[^}]*\}")  # a policy variable, read as "*" when looking for candidates


class ArnIndex:
    """Sorted node ids with a cached "which may this pattern match?" lookup."""

    def __init__(self, ids: Iterable[str], resources: Callable[[str], Iterable[str]] | None = None) -> None:
        """``resources(id)`` gives the ARNs a node is asked about (default: its id; a bucket adds its objects)."""
        self.ids = sorted(ids)
        self._resources = resources or (lambda node_id: (node_id,))
        self._cache: dict[str, tuple[str, ...]] = {}

    def matching(self, pattern: str) -> tuple[str, ...]:
        """Ids of nodes the pattern may match (variables count as ``*``, so the answer is a superset)."""
        found = self._cache.get(pattern)
        if found is None:
            probe = _VARIABLE.sub("*", pattern)
            if probe == "*":
                found = tuple(self.ids)
            else:
                cut = min((i for i in (probe.find("*"), probe.find("?")) if i >= 0), default=len(probe))
                prefix = probe[:cut]
                if ":s3:::" in prefix and "/" in prefix:
                    prefix = prefix.split("/", 1)[0]  # an object pattern finds its bucket
                hits = []
                for node_id in self.ids[bisect_left(self.ids, prefix):]:
                    if not node_id.startswith(prefix):
                        break
                    if any(resource_matches(probe, r, every=False) for r in self._resources(node_id)):
                        hits.append(node_id)
                found = tuple(hits)
            self._cache[pattern] = found
        return found
