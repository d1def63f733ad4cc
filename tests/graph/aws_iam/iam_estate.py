"""Hand-built IAM estates: the nodes and edges the AWS collectors emit, without a cloud.

Documents go through the providers' own normalization, so the evaluator reads
exactly the shapes a real snapshot carries.
"""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node, Source
from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.policy_document import (
    normalize_document,
    summarize,
    trust_statements,
)

ACCT = "111111111111"
OTHER = "222222222222"
REGION = "us-east-1"


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    """A Deny statement."""
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def root(account: str = ACCT) -> str:
    """The account node id."""
    return f"arn:aws:iam::{account}:root"


class IamEstate:
    """A snapshot under construction: principals, policies, resources and the organization tree."""

    def __init__(self, accounts: tuple[str, ...] = (ACCT,)) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.accounts = accounts
        for account in accounts:
            self.add(Node(id=root(account), cloud="aws", kind="account", account=account, name=account,
                          props={"organization": {"member": False}}))

    def add(self, node: Node) -> Node:
        """Add a node (contained by its account when that account is part of the estate)."""
        self.nodes[node.id] = node
        if node.kind != "account" and node.account in self.accounts and node.kind != "org.unit":
            self.edges.append(Edge(source=root(node.account), target=node.id, kind="contains"))
        return node

    def edge(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """Add a fact edge."""
        self.edges.append(Edge(source=source, target=target, kind=kind, detail=detail))

    # --- identities -----------------------------------------------------------------

    def user(self, name: str, *statements: dict[str, Any], account: str = ACCT, tags: dict[str, str] | None = None,
             user_id: str | None = None) -> str:
        """A user with an inline policy made of ``statements`` (if any)."""
        arn = f"arn:aws:iam::{account}:user/{name}"
        self.add(Node(id=arn, cloud="aws", kind="identity.user", account=account, name=name, tags=tags or {},
                      raw={"UserName": name, "UserId": user_id or f"AIDA{name.upper()}"}))
        if statements:
            self.attach(arn, self.policy(f"{name}-inline", *statements, account=account))
        return arn

    def role(self, name: str, *statements: dict[str, Any], trust: list[dict[str, Any]] | None = None,
             account: str = ACCT, tags: dict[str, str] | None = None, service_linked: bool = False) -> str:
        """A role with ``trust`` statements and an inline policy made of ``statements``."""
        arn = f"arn:aws:iam::{account}:role/{name}"
        document = {"Version": "2012-10-17", "Statement": trust or []}
        self.add(Node(id=arn, cloud="aws", kind="identity.role", account=account, name=name, tags=tags or {},
                      props={"trust": trust_statements(document), "service_linked": service_linked},
                      raw={"RoleName": name, "RoleId": f"AROA{name.upper()}", "AssumeRolePolicyDocument": document}))
        if statements:
            self.attach(arn, self.policy(f"{name}-inline", *statements, account=account))
        return arn

    def group(self, name: str, *statements: dict[str, Any], members: tuple[str, ...] = (), account: str = ACCT) -> str:
        """A group with an attached policy and members."""
        arn = f"arn:aws:iam::{account}:group/{name}"
        self.add(Node(id=arn, cloud="aws", kind="identity.group", account=account, name=name))
        if statements:
            self.attach(arn, self.policy(f"{name}-policy", *statements, account=account))
        for member in members:
            self.edge(member, arn, "member_of")
        return arn

    def policy(self, name: str, *statements: dict[str, Any], account: str = ACCT, scp: bool = False) -> str:
        """A managed policy (or SCP) node."""
        document = normalize_document({"Version": "2012-10-17", "Statement": list(statements)})
        arn = (f"arn:aws:organizations::{account}:policy/o-test/service_control_policy/p-{name}" if scp
               else f"arn:aws:iam::{account}:policy/{name}")
        props = {"document": document, "managed_by": "customer", **summarize(document)}
        if scp:
            props["scp"] = True
        self.add(Node(id=arn, cloud="aws", kind="identity.policy", account=account, name=name, props=props))
        return arn

    def attach(self, principal: str, policy: str) -> None:
        """principal -has_policy-> policy (attached)."""
        self.edge(principal, policy, "has_policy", attached=True, inline=False)

    def boundary(self, principal: str, *statements: dict[str, Any]) -> str:
        """Give a principal a permissions boundary made of ``statements``."""
        account = self.nodes[principal].account or ACCT
        policy = self.policy(f"boundary-{principal.rsplit('/', 1)[-1]}", *statements, account=account)
        self.edge(principal, policy, "has_policy", attached=False, boundary=True)
        return policy

    # --- resources ------------------------------------------------------------------

    def bucket(self, name: str, *statements: dict[str, Any], account: str = ACCT,
               tags: dict[str, str] | None = None) -> str:
        """A bucket with a bucket policy made of ``statements`` (none: no policy)."""
        arn = f"arn:aws:s3:::{name}"
        policy = normalize_document({"Version": "2012-10-17", "Statement": list(statements)}) if statements else None
        self.add(Node(id=arn, cloud="aws", kind="storage.bucket", account=account, region=REGION, name=name,
                      tags=tags or {}, props={"policy": policy}))
        return arn

    def key(self, key_id: str, *statements: dict[str, Any], account: str = ACCT) -> str:
        """A KMS key whose key policy (kept raw, as the collector does) is made of ``statements``."""
        arn = f"arn:aws:kms:{REGION}:{account}:key/{key_id}"
        policy = json.loads(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
        self.add(Node(id=arn, cloud="aws", kind="kms.key", account=account, region=REGION, name=key_id,
                      props={"policy": policy, "customer_managed": True}))
        return arn

    def secret(self, name: str, account: str = ACCT) -> str:
        """A Secrets Manager secret (no resource policy collected)."""
        arn = f"arn:aws:secretsmanager:{REGION}:{account}:secret:{name}-AbCdEf"
        self.add(Node(id=arn, cloud="aws", kind="secret", account=account, region=REGION, name=name))
        return arn

    # --- organization -----------------------------------------------------------------

    def organization(self, *levels: list[dict[str, Any]], account: str = ACCT) -> None:
        """Put ``account`` under a root and OUs; level i gets an SCP made of ``levels[i]`` (root first).

        The last list is attached to the account itself. An empty list attaches no SCP to that level.
        """
        self.nodes[root(account)].props = {"organization": {"member": True, "id": "o-test", "master_account": "999999999999",
                                                            "scps_readable": True, "scps_enabled": True}}
        parent = None
        for i, statements in enumerate(levels[:-1]):
            unit = f"arn:aws:organizations::999999999999:{'root' if i == 0 else 'ou'}/o-test/unit-{i}"
            props = {"policy_types": ["SERVICE_CONTROL_POLICY"]} if i == 0 else {}
            self.add(Node(id=unit, cloud="aws", kind="org.unit", name=f"unit-{i}", props=props))
            if parent:
                self.edge(parent, unit, "contains")
            if statements:
                self.edge(unit, self.policy(f"scp-{i}", *statements, account=account, scp=True), "has_policy", scp=True)
            parent = unit
        self.edge(parent, root(account), "contains")  # type: ignore[arg-type]
        if levels[-1]:
            scp = self.policy("scp-account", *levels[-1], account=account, scp=True)
            self.edge(root(account), scp, "has_policy", scp=True)

    def graph(self) -> EstateGraph:
        """The estate as an EstateGraph."""
        sources = [Source(cloud="aws", account=a, regions=[REGION], services=["iam", "s3", "kms"]) for a in self.accounts]
        return EstateGraph(Snapshot(sources=sources, nodes=list(self.nodes.values()), edges=self.edges))
