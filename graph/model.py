"""The normalized model: nodes, edges and the vocabulary every cloud maps onto.

Nodes and edges are ``msgspec.Struct`` types so that a snapshot of a million
nodes decodes and validates in one pass. The vocabulary (clouds, kinds, edge
kinds, access levels) is firm: extend it, never rename it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Cloud = Literal["aws", "azure", "gcp", "any"]
CLOUDS: tuple[str, ...] = ("aws", "azure", "gcp")

EDGE_KINDS: frozenset[str] = frozenset(
    {
        "contains",
        "member_of",
        "has_policy",
        "can_assume",
        "runs_as",
        "in_vpc",
        "in_subnet",
        "protected_by",
        "routes_to",
        "encrypted_by",
        "reaches",
        "can_access",
        "can_escalate",
        "trusts",
        "reads_from",
        "writes_to",
    }
)

ACCESS_LEVELS: tuple[str, ...] = ("read", "write", "admin", "permissions", "list", "tagging")

INTERNET_ID = "internet"


class Node(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One normalized resource or principal.

    ``id`` is globally unique (ARN, Azure resource ID, GCP full resource name).
    ``reference`` marks a node known only because something points at it (an
    external account in a trust policy, a key in another account): it was not
    collected, so policies do not judge it.
    """

    id: str
    cloud: Cloud
    kind: str
    native_type: str = ""
    account: str | None = None
    region: str | None = None
    name: str = ""
    tags: dict[str, str] = {}
    props: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    reference: bool = False


class Edge(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A directed fact or derived relation between two node ids.

    ``detail`` carries the evidence that made the edge true (statements, rules,
    routes, ports) so that every path can be explained hop by hop.
    """

    source: str
    target: str
    kind: str
    detail: dict[str, Any] = {}
    derived: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of an edge: at most one edge of a kind between two nodes."""
        return (self.source, self.target, self.kind)


class CoverageGap(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Something that could not be collected, so its absence is not a clean result."""

    service: str
    reason: Literal["access_denied", "throttled", "not_enabled", "unsupported", "error"]
    message: str
    region: str | None = None
    operation: str | None = None
    resource: str | None = None


class Source(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One account (subscription, project) of a collection run and what it covered."""

    cloud: Cloud
    account: str
    regions: list[str] = []
    services: list[str] = []
    errors: list[CoverageGap] = []


def internet_node() -> Node:
    """The pseudo-node that every exposure path starts from."""
    return Node(id=INTERNET_ID, cloud="any", kind="internet", name="internet")
