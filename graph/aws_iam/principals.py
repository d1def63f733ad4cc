"""What applies to a principal: its identity policies, boundary and the SCPs of its account's path.

Read from the graph once per principal (SCPs once per account):

- identity policies: the principal's attached and inline policies
  (``has_policy`` edges that are not only a boundary) and, for a user, those of
  its groups (``member_of``); groups themselves are not principals;
- the permissions boundary: the ``has_policy`` edge marked ``boundary``;
- SCPs: from the organization root down through each OU (``org.unit -contains->``)
  to the account, each level's ``has_policy`` SCPs. They do not apply to the
  management account nor to service-linked roles. When the account is known to
  be an organization member but its place in the tree (or the SCPs) could not
  be read, SCPs are not applied and every decision says so in its notes.

A policy whose document is unknown (not readable, or a reference) grants and
restricts nothing here; the decision notes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudwarden.graph.aws_iam.context import PrincipalFacts, principal_facts
from cloudwarden.graph.aws_iam.matching import ABSENT, UNKNOWN
from cloudwarden.graph.aws_iam.statements import Caller, Statement, compile_document
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

SCP_TYPE = "SERVICE_CONTROL_POLICY"


def account_of(node: Node) -> str | None:
    """The 12-digit account of a node: its ``account`` field, else the ARN's account segment."""
    if node.account:
        return node.account
    parts = node.id.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def account_node_id(node_id: str, account: str) -> str:
    """``arn:<partition>:iam::<account>:root`` in the node's partition."""
    parts = node_id.split(":")
    partition = parts[1] if len(parts) > 1 and parts[0] == "arn" else "aws"
    return f"arn:{partition}:iam::{account}:root"


def org_id(graph: EstateGraph, account_id: str) -> object:
    """``aws:PrincipalOrgID`` of an account node: [id], ABSENT (not a member) or UNKNOWN."""
    node = graph.node(account_id)
    org = (node.props.get("organization") if node else None) or {}
    if org.get("member") is False:
        return ABSENT
    return [org["id"]] if org.get("member") and org.get("id") else UNKNOWN


@dataclass
class ActionStatements:
    """The statements of a principal that cover one action, by where they come from."""

    identity: list[Statement]
    boundary: list[Statement]
    scp_levels: list[list[Statement]]


@dataclass
class PrincipalProfile:
    """A principal with everything that applies to it, compiled."""

    node: Node
    caller: Caller
    facts: PrincipalFacts
    identity: list[Statement]
    boundary: list[Statement] | None  # None: no boundary
    scp_levels: list[list[Statement]] | None  # None: SCPs do not apply (or unknown; see notes)
    notes: tuple[str, ...]
    _by_action: dict[str, ActionStatements] = field(default_factory=dict, repr=False)

    @property
    def account(self) -> str | None:
        """The principal's account id."""
        return self.caller.account

    def for_action(self, action: str) -> ActionStatements:
        """The statements covering ``action`` (lower-case), cached."""
        found = self._by_action.get(action)
        if found is None:
            service = action.partition(":")[0]

            def pick(statements: list[Statement]) -> list[Statement]:
                return [s for s in statements if s.covers_service(service) and s.matches_action(action)]

            found = ActionStatements(pick(self.identity), pick(self.boundary or []),
                                     [pick(level) for level in self.scp_levels or []])
            self._by_action[action] = found
        return found

    def statements_for_service(self, service: str) -> list[Statement]:
        """Every statement (identity, boundary, SCP) that may cover an action of ``service``."""
        levels = [s for level in self.scp_levels or [] for s in level]
        return [s for s in [*self.identity, *(self.boundary or []), *levels] if s.covers_service(service)]


class PolicyLibrary:
    """Compiled documents by policy id, and SCP paths by account, shared by every principal."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self._policies: dict[tuple[str, str], list[Statement] | None] = {}
        self._scps: dict[str, tuple[list[list[Statement]] | None, tuple[str, ...]]] = {}

    def statements(self, policy_id: str, kind: str) -> list[Statement] | None:
        """The compiled statements of a policy node; None when its document is unknown."""
        key = (policy_id, kind)
        if key not in self._policies:
            node = self.graph.node(policy_id)
            document = node.props.get("document") if node is not None else None
            self._policies[key] = None if document is None else compile_document(document, policy_id, kind)
        return self._policies[key]

    def profile(self, node: Node) -> PrincipalProfile:
        """Build the profile of a user or role."""
        notes: list[str] = []
        identity: list[Statement] = []
        boundary: list[Statement] | None = None
        holders = [node.id]
        if node.kind == "identity.user":
            holders += sorted(e.target for e in self.graph.out_edges(node.id, "member_of"))
        for holder in holders:
            for edge in self.graph.out_edges(holder, "has_policy"):
                is_boundary = bool(edge.detail.get("boundary")) and holder == node.id
                attached = edge.detail.get("attached", not edge.detail.get("boundary"))
                if is_boundary:
                    found = self.statements(edge.target, "boundary")
                    if found is None:
                        notes.append(f"permissions boundary {edge.target} unknown: not applied")
                    else:
                        boundary = found
                if attached:
                    found = self.statements(edge.target, "identity")
                    if found is None:
                        notes.append(f"policy {edge.target} unknown: grants nothing here")
                    else:
                        identity.extend(found)
        account = account_of(node)
        levels, scp_notes = (None, ()) if node.props.get("service_linked") or not account else self.scps(
            account_node_id(node.id, account))
        notes.extend(scp_notes)
        acct_id = account_node_id(node.id, account) if account else ""
        names = {node.id}
        unique = node.raw.get("UserId") or node.raw.get("RoleId")
        if unique:
            names.add(str(unique))
        if node.kind == "identity.role" and account:
            names.add(f"sts:{account}:{node.name or node.id.rsplit('/', 1)[-1]}")
        facts = principal_facts(node.kind, node.id, account, node.name or node.id.rsplit("/", 1)[-1],
                                str(unique) if unique else None, node.tags,
                                org_id(self.graph, acct_id) if acct_id else UNKNOWN)
        return PrincipalProfile(node, Caller(node.id, account, frozenset(names)), facts, identity, boundary,
                                levels, tuple(notes))

    def scps(self, account_id: str) -> tuple[list[list[Statement]] | None, tuple[str, ...]]:
        """SCP levels (root first) that bind an account, or None with the reason when they do not apply."""
        if account_id not in self._scps:
            self._scps[account_id] = self._scp_levels(account_id)
        return self._scps[account_id]

    def _scp_levels(self, account_id: str) -> tuple[list[list[Statement]] | None, tuple[str, ...]]:
        account = self.graph.node(account_id)
        org = (account.props.get("organization") if account else None) or {}
        acct = account_id.split(":")[4]
        path = self._org_path(account_id)
        if org.get("member") is False or org.get("master_account") == acct:
            return None, ()  # no organization, or the management account, which SCPs never restrict
        if not path:
            return None, (f"SCPs not applied: the organization tree of account {acct} is unknown",)
        root = path[0]
        types = root.props.get("policy_types")
        if org.get("scps_enabled") is False or (isinstance(types, list) and SCP_TYPE not in types):
            return None, ()
        if org.get("scps_readable") is False:
            return None, (f"SCPs not applied: the SCPs of account {acct} could not be read",)
        levels: list[list[Statement]] = []
        notes: list[str] = []
        for level in path:
            statements: list[Statement] = []
            unknown = False
            for edge in self.graph.out_edges(level.id, "has_policy"):
                policy = self.graph.node(edge.target)
                if policy is None or not policy.props.get("scp", edge.detail.get("scp")):
                    continue
                found = self.statements(policy.id, "scp")
                if found is None:
                    unknown = True
                    notes.append(f"SCP {policy.id} unknown: not applied")
                else:
                    statements.extend(found)
            if not unknown:  # a level whose SCPs are all readable must allow; an unreadable one is skipped
                levels.append(statements)
        return levels, tuple(notes)

    def _org_path(self, account_id: str) -> list[Node]:
        """Root, OUs and the account itself, root first; [] when the account is not in a known tree."""
        path: list[Node] = []
        current = account_id
        seen = {current}
        while True:
            parent = next((self.graph.node(e.source) for e in self.graph.in_edges(current, "contains")
                           if (n := self.graph.node(e.source)) is not None and n.kind == "org.unit"), None)
            if parent is None or parent.id in seen:
                break
            path.append(parent)
            seen.add(parent.id)
            current = parent.id
        if not path:
            return []
        account = self.graph.node(account_id)
        return [*reversed(path), *([account] if account else [])]
