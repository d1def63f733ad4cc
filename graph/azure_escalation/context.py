"""What the Azure escalation checkers share: the evaluator, indexes of targets, and the result type."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from cloudwarden.graph.azure_escalation.catalogue import Options, Technique
from cloudwarden.graph.azure_rbac import AzureAuthorization
from cloudwarden.graph.azure_rbac.access_policies import vault_access_policies
from cloudwarden.graph.azure_rbac.levels import resource_type
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

ADMIN = "admin"
UAMI_MARK = "/providers/microsoft.managedidentity/userassignedidentities/"


@dataclass
class Permit:
    """The operations of one alternative, all allowed, and the evidence."""

    actions: list[str]
    grants: list[dict[str, Any]]
    conditional: bool
    conditions: list[str]

    def merged(self, other: Permit) -> Permit:
        """Both sets of operations (a technique needing two things on two resources)."""
        grants = self.grants + [g for g in other.grants if g not in self.grants]
        return Permit(self.actions + [a for a in other.actions if a not in self.actions], grants,
                      self.conditional or other.conditional,
                      self.conditions + [c for c in other.conditions if c not in self.conditions])


@dataclass
class Escalation:
    """One (principal, technique, target) finding."""

    principal: str
    technique: Technique
    target: str
    permit: Permit
    to: str
    via: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        """JSON evidence (one entry of an edge's ``techniques``)."""
        out: dict[str, Any] = {
            "technique": self.technique.id, "title": self.technique.title, "actions": self.permit.actions,
            "to": self.to, "grants": self.permit.grants, "conditional": self.permit.conditional,
            "description": self.technique.description, "via": self.via, **self.extra,
        }
        if self.permit.conditional:
            out["conditions"] = self.permit.conditions
        return out


class EscalationContext:
    """The graph, its Azure evaluator, and the targets techniques enumerate."""

    def __init__(self, graph: EstateGraph, auth: AzureAuthorization) -> None:
        self.graph = graph
        self.auth = auth
        # A stopped VM still counts: whoever may run commands on it may usually start it too.
        by_id: dict[str, tuple[Node, str, list[str]]] = {}
        for edge in graph.edges("runs_as"):
            node = graph.node(edge.source)
            if node is None or node.cloud != "azure" or node.reference:
                continue
            entry = by_id.setdefault(node.id, (node, resource_type(node), []))
            if edge.target not in entry[2]:
                entry[2].append(edge.target)
        self.compute = [by_id[k] for k in sorted(by_id)]
        self.identities = sorted((n for n in graph.nodes_of("identity.service_account")
                                  if n.cloud == "azure" and UAMI_MARK in n.id.lower()), key=lambda n: n.id)
        self.vaults = sorted((n for n in graph.nodes_of("kms.vault") if n.cloud == "azure" and not n.reference),
                             key=lambda n: n.id)
        self.subscriptions = sorted(n.id for n in graph.nodes_of("account") if n.cloud == "azure")
        self._more: dict[tuple[str, str], bool] = {}
        self._vault_index: dict[str, list[Node]] | None = None
        self._scope_index: dict[str, dict[str, list[int]]] = {}
        self._scopes: dict[str, frozenset[str]] = {}
        self._compute_of: tuple[str, list[tuple[Node, str, list[str]]]] = ("", [])

    def reachable(self, principal: str, resource_id: str) -> bool:
        """Some grant of the principal covers the resource (a cheap filter before asking about operations)."""
        scopes = self._scopes.get(principal)
        if scopes is None:
            scopes = self._scopes[principal] = frozenset(g.scope for g in self.auth.grants(principal))
        return not scopes.isdisjoint(self.auth.tree.chain(resource_id.lower()))

    def compute_for(self, principal: str) -> list[tuple[Node, str, list[str]]]:
        """The compute resources some grant of the principal covers (computed once per principal)."""
        if self._compute_of[0] != principal:
            self._compute_of = (principal, self.covered(principal, "compute", self.compute, lambda c: c[0].id))
        return self._compute_of[1]

    def identities_for(self, principal: str) -> list[Node]:
        """User-assigned identities some grant of the principal covers."""
        return self.covered(principal, "identities", self.identities, lambda n: n.id)

    def vaults_for(self, principal: str) -> list[Node]:
        """Key Vaults some grant of the principal covers."""
        return self.covered(principal, "vaults", self.vaults, lambda n: n.id)

    def covered(self, principal: str, name: str, items: list[Any], key: Callable[[Any], str]) -> list[Any]:
        """The items under any scope the principal holds a grant at, in their original order.

        Targets are indexed once by every scope that covers them, so a principal
        visits only what its grants reach (not every target of the estate).
        """
        index = self._scope_index.get(name)
        if index is None:
            index = self._scope_index[name] = {}
            for position, item in enumerate(items):
                for scope in self.auth.tree.chain(key(item).lower()):
                    index.setdefault(scope, []).append(position)
        positions = {p for g in self.auth.grants(principal) for p in index.get(g.scope, ())}
        return [items[p] for p in sorted(positions)]

    def permit(self, principal: str, options: Options, scope: str) -> Permit | None:
        """The first alternative whose operations are all allowed at ``scope`` (unconditional ones first)."""
        found: list[Permit] = []
        for option in options:
            decisions = [self.auth.decide(principal, action, scope) for action in option]
            if not all(d.allowed for d in decisions):
                continue
            grants: list[dict[str, Any]] = []
            conditions: list[str] = []
            for decision in decisions:
                grants += [g for g in decision.grants if g not in grants]
                conditions += [c for c in decision.conditions if c not in conditions]
            found.append(Permit(list(option), grants, any(d.effect != "allow" for d in decisions), conditions))
        found.sort(key=lambda p: p.conditional)
        return found[0] if found else None

    def grants_more(self, principal: str, identity: str) -> bool:
        """Taking over ``identity`` gains something: a grant (or vault access policy) the principal lacks."""
        key = (principal, identity)
        if key not in self._more:
            self._more[key] = principal != identity and self._gains(principal, identity)
        return self._more[key]

    def _gains(self, principal: str, identity: str) -> bool:
        mine = {(g.role, g.scope) for g in self.auth.grants(principal) if not g.condition}
        for grant in self.auth.grants(identity):
            if (grant.role, grant.scope) not in mine and not self.auth.is_admin(principal, grant.scope):
                return True
        for vault in self.vaults_with_policies_for(identity):
            if self.auth.access_policy(identity, vault) and not (
                    self.auth.access_policy(principal, vault) or self.auth.is_admin(principal, vault.id)):
                return True
        return False

    def vaults_with_policies_for(self, principal: str) -> list[Node]:
        """Vaults whose access policies name the principal or one of its groups (indexed once, not per pair)."""
        if self._vault_index is None:
            index: dict[str, list[Node]] = {}
            for vault in self.vaults:
                for entry in vault_access_policies(vault) or []:
                    holder = entry["principal"] if entry["principal"] in self.graph else self.auth.resolve(
                        entry["object_id"])
                    bucket = index.setdefault(holder, [])
                    if not bucket or bucket[-1] is not vault:
                        bucket.append(vault)
            self._vault_index = index
        found: dict[str, Node] = {}
        for holder in self.auth.identities_of(principal):
            for vault in self._vault_index.get(holder, ()):
                found[vault.id] = vault
        return [found[k] for k in sorted(found)]

    def identities_within(self, scope: str) -> list[tuple[str, str | None]]:
        """(identity, through which compute) for compute inside ``scope`` and user-assigned identities in it."""
        found: list[tuple[str, str | None]] = []
        for node, _, identities in self.compute:
            if self.auth.tree.covers(scope, node.id.lower()):
                found += [(i, node.id) for i in identities if all(i != f[0] for f in found)]
        for node in self.identities:
            if self.auth.tree.covers(scope, node.id.lower()) and all(node.id != f[0] for f in found):
                found.append((node.id, None))
        return found

