"""Hand-built AWS snapshots for what moto cannot set up (SCPs) or what needs exact control (privilege comparisons).

Nodes and edges have the shapes the AWS collector produces (see
providers/aws/services/iam.py and organizations.py), with normalized documents.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Edge, Node, Source
from cloudwarden.graph.snapshot import Snapshot


def allow(actions: list[str], resources: list[str], effect: str = "Allow") -> dict[str, Any]:
    """One normalized statement."""
    return {"Effect": effect, "Action": actions, "Resource": resources}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """A normalized policy document."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


class HandBuilt:
    """Accumulates the nodes and edges of one or more accounts."""

    def __init__(self, *accounts: str) -> None:
        self.accounts = accounts
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        for account in accounts:
            self.add(Node(id=self.root(account), cloud="aws", kind="account", account=account, name=account,
                          props={"organization": {"member": False}}))

    @staticmethod
    def root(account: str) -> str:
        return f"arn:aws:iam::{account}:root"

    def add(self, node: Node, account: str | None = None) -> str:
        self.nodes[node.id] = node
        if account is not None:
            self.edges.append(Edge(source=self.root(account), target=node.id, kind="contains"))
        return node.id

    def edge(self, source: str, target: str, kind: str, **detail: Any) -> None:
        self.edges.append(Edge(source=source, target=target, kind=kind, detail=detail))

    def principal(self, account: str, kind: str, name: str, *statements: dict[str, Any],
                  trust: list[dict[str, Any]] | None = None) -> str:
        """A user or role holding ``statements`` in one inline policy (roles: ``trust`` statements)."""
        arn = f"arn:aws:iam::{account}:{kind}/{name}"
        props: dict[str, Any] = {"permissions_boundary": None}
        if kind == "role":
            props.update(trust=trust or [], service_linked=False, instance_profiles=[])
        self.add(Node(id=arn, cloud="aws", kind=f"identity.{kind}", account=account, name=name, props=props), account)
        if statements:
            self.inline(arn, account, document(*statements))
        return arn

    def inline(self, holder: str, account: str, doc: dict[str, Any]) -> str:
        policy = self.add(Node(id=f"{holder}/inline-policy/p", cloud="aws", kind="identity.policy", account=account,
                               name="p", props={"managed_by": "inline", "document": doc}), account)
        self.edge(holder, policy, "has_policy", attached=True, inline=True)
        return policy

    def group(self, account: str, name: str, *statements: dict[str, Any], members: tuple[str, ...] = ()) -> str:
        arn = f"arn:aws:iam::{account}:group/{name}"
        self.add(Node(id=arn, cloud="aws", kind="identity.group", account=account, name=name), account)
        if statements:
            self.inline(arn, account, document(*statements))
        for member in members:
            self.edge(member, arn, "member_of")
        return arn

    def bucket(self, account: str, name: str) -> str:
        return self.add(Node(id=f"arn:aws:s3:::{name}", cloud="aws", kind="storage.bucket", account=account,
                             region="us-east-1", name=name, props={"policy": None}), account)

    def snapshot(self) -> Snapshot:
        sources = [Source(cloud="aws", account=a, regions=["us-east-1"], services=["iam"]) for a in self.accounts]
        return Snapshot(collected_at="2026-11-25T00:00:00Z", tool_version="test", sources=sources,
                        nodes=list(self.nodes.values()), edges=self.edges)


def service_trust(service: str) -> list[dict[str, Any]]:
    """Normalized trust statements admitting one service principal (the role node's ``trust`` facet)."""
    return [{"effect": "Allow", "principals": {"AWS": [], "Service": [service], "Federated": []},
             "actions": ["sts:AssumeRole"], "not_actions": [], "conditions": {}, "external_id": False,
             "not_principal": False}]
