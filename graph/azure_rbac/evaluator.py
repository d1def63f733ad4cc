"""``AzureAuthorization``: can this Azure principal perform this operation at this scope?

Azure RBAC semantics, in the order Azure applies them:

1. deny assignments first: a deny assignment at the scope or above (``does_not_apply_to_child_scopes``
   limits it to its own scope) whose principals include the caller (directly, through a
   group, or "Everyone": the all-zero object id) and whose exclusions do not, and whose
   permissions match the operation, denies it whatever the role assignments say;
2. role assignments of the caller and of its groups (``member_of``, transitively) at the
   scope or above (management group > subscription > resource group > resource) allow the
   operation when their role definition does (actions minus notActions, or dataActions
   minus notDataActions for data operations);
3. an assignment's ABAC condition is decided only when it cannot restrict the operation
   (``conditions.condition_holds``); otherwise the allow is ``conditional`` and carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.azure_rbac import scopes
from cloudwarden.graph.azure_rbac.access_policies import vault_access_policies
from cloudwarden.graph.azure_rbac.conditions import condition_holds
from cloudwarden.graph.azure_rbac.permissions import (
    ROLE_ASSIGNMENT_WRITE,
    PermissionBlock,
    RoleDefinition,
    parse_blocks,
    role_definition,
)
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Node

PRINCIPAL_KINDS = ("identity.user", "identity.group", "identity.service_account")
PRINCIPAL_PREFIX = "azure:principal:"
EVERYONE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Grant:
    """One role assignment as it reaches a principal (``via``: the group it holds it through)."""

    role: str
    scope: str
    assignment: str | None = None
    condition: str | None = None
    condition_version: str | None = None
    via: str | None = None

    def ref(self, roles: dict[str, RoleDefinition], partial: bool = False) -> dict[str, Any]:
        """JSON evidence: ``{role, role_name, scope, assignment[, condition][, via][, partial]}``."""
        role = roles.get(self.role)
        out: dict[str, Any] = {"role": self.role, "role_name": role.name if role else None, "scope": self.scope,
                               "assignment": self.assignment}
        if self.condition:
            out["condition"] = self.condition
        if self.via:
            out["via"] = self.via
        if partial:
            out["partial"] = True
        return out


@dataclass(frozen=True)
class DenyAssignment:
    """A deny assignment: who (minus exclusions), which operations, where."""

    id: str
    scope: str
    blocks: tuple[PermissionBlock, ...]
    principals: frozenset[str]
    excluded: frozenset[str]
    children: bool

    def ref(self) -> dict[str, Any]:
        """JSON evidence."""
        return {"deny_assignment": self.id, "scope": self.scope}


@dataclass
class Decision:
    """The answer, with its evidence: the allowing grants, the undecided conditions, the denies."""

    effect: str  # allow | deny | implicit_deny | conditional
    grants: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    denies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """Allowed, possibly only under conditions."""
        return self.effect in ("allow", "conditional")


def shared_authorization(graph: EstateGraph) -> AzureAuthorization:
    """One evaluator per graph (kept on the graph: the analyzers share its indexes)."""
    found = graph.__dict__.get("_azure_authorization")
    if found is None:
        found = graph.__dict__["_azure_authorization"] = AzureAuthorization(graph)
    return found


class AzureAuthorization:
    """Azure RBAC over an ``EstateGraph``: role definitions, assignments, deny assignments, groups."""

    def __init__(self, graph: EstateGraph) -> None:
        self.graph = graph
        self.tree = scopes.ScopeTree(graph)
        self.roles: dict[str, RoleDefinition] = {}
        self.denies: list[DenyAssignment] = []
        self._denies_cache: dict[str, list[DenyAssignment]] = {}
        self._deny_scopes: dict[str, dict[str, list[DenyAssignment]]] = {}
        self._by_object_id: dict[str, str] = {}
        self._direct: dict[str, list[Grant]] = {}
        self._groups: dict[str, list[str]] = {}
        self._grants: dict[str, list[Grant]] = {}
        self._vault_policies: dict[str, dict[str, dict[str, list[str]]]] = {}
        self._name_cache: dict[str, set[str]] = {}
        self._role_cache: dict[tuple[str, str, bool], bool] = {}
        self._admin_cache: dict[str, list[Grant]] = {}
        self._index(graph)

    # --- indexes -------------------------------------------------------------------------

    def _index(self, graph: EstateGraph) -> None:
        for node in graph.nodes_of("identity.policy"):
            if node.cloud != "azure":
                continue
            if node.props.get("deny") is True:
                self.denies.append(self._deny(node))
            else:
                self.roles[node.id.lower()] = role_definition(node)
        for node in graph.nodes_of(*PRINCIPAL_KINDS):
            if node.cloud == "azure":
                for oid in _object_ids(node):
                    self._by_object_id.setdefault(oid, node.id)
        for edge in graph.edges("has_policy"):
            role = edge.target.lower()
            if role not in self.roles:
                continue
            source = graph.node(edge.source)
            if source is None or source.cloud != "azure":
                continue
            for entry in _assignments(edge.detail):
                scope = scopes.normalize(entry.get("scope"))
                if not scope:
                    continue
                self._direct.setdefault(edge.source, []).append(Grant(
                    role=role, scope=scope, assignment=entry.get("id"), condition=entry.get("condition") or None,
                    condition_version=entry.get("condition_version") or entry.get("conditionVersion")))
        for edge in graph.edges("member_of"):
            source = graph.node(edge.source)
            if source is not None and source.cloud == "azure":
                self._groups.setdefault(edge.source, []).append(edge.target)

    def _deny(self, node: Node) -> DenyAssignment:
        document = node.props.get("document") if isinstance(node.props.get("document"), dict) else {}
        raw = (node.raw or {}).get("properties") or {}

        def pick(*keys: str) -> Any:
            for source in (document, raw):
                for key in keys:
                    if source.get(key) is not None:
                        return source[key]
            return None

        scope = pick("scope")
        if not scope:
            scope = node.id.lower().split("/providers/microsoft.authorization/denyassignments/")[0] or "/"
        return DenyAssignment(
            id=node.id, scope=scopes.normalize(scope), blocks=parse_blocks(pick("permissions")),
            principals=frozenset(_principal_refs(pick("principals"))),
            excluded=frozenset(_principal_refs(pick("exclude_principals", "excludePrincipals"))),
            children=not bool(pick("does_not_apply_to_child_scopes", "doNotApplyToChildScopes")),
        )

    def resolve(self, reference: str) -> str:
        """A principal node id for an object id or node id (unknown object ids come back as node-style ids)."""
        ref = reference.strip().lower()
        ref = ref.removeprefix(PRINCIPAL_PREFIX)
        return self._by_object_id.get(ref) or (reference if self.graph.node(reference) else PRINCIPAL_PREFIX + ref)

    # --- principals and grants -----------------------------------------------------------

    def principals(self) -> list[Node]:
        """Every collected or referenced Azure principal that holds a grant or a vault access policy."""
        ids = set(self._direct)
        ids.update(member for member in self._groups
                   if any(g in self._direct for g in self._group_closure(member)))
        for vault in self.graph.nodes_of("kms.vault"):
            if vault.cloud == "azure":
                ids.update(p["principal"] if p["principal"] in self.graph else self.resolve(p["object_id"])
                           for p in vault_access_policies(vault) or [])
        nodes = [self.graph.node(i) for i in ids]
        return sorted((n for n in nodes if n is not None and n.cloud == "azure"), key=lambda n: n.id)

    def _group_closure(self, principal: str) -> list[str]:
        seen: list[str] = []
        stack = list(self._groups.get(principal, ()))
        while stack:
            group = stack.pop()
            if group not in seen and group != principal:
                seen.append(group)
                stack.extend(self._groups.get(group, ()))
        return seen

    def identities_of(self, principal: str) -> list[str]:
        """The principal and every group it belongs to (transitively)."""
        return [principal, *self._group_closure(principal)]

    def grants(self, principal: str) -> list[Grant]:
        """Role assignments that reach the principal: its own, then its groups' (``via``)."""
        if principal not in self._grants:
            found = list(self._direct.get(principal, ()))
            for group in self._group_closure(principal):
                found += [Grant(g.role, g.scope, g.assignment, g.condition, g.condition_version, group)
                          for g in self._direct.get(group, ())]
            self._grants[principal] = found
        return self._grants[principal]

    def grant_refs(self, grants: list[Grant]) -> list[dict[str, Any]]:
        """Evidence for grants."""
        return [g.ref(self.roles) for g in grants]

    # --- decisions -----------------------------------------------------------------------

    def denies_on(self, principal: str) -> list[DenyAssignment]:
        """Every deny assignment whose principals (minus exclusions) include the principal, at any scope."""
        found = self._denies_cache.get(principal)
        if found is None:
            names = self._names(principal)
            found = [d for d in self.denies if d.principals & (names | {EVERYONE}) and not d.excluded & names]
            self._denies_cache[principal] = found
        return found

    def denied(self, principal: str, action: str, scope: str, data_action: bool = False) -> list[DenyAssignment]:
        """Deny assignments that block the operation for the principal at ``scope``."""
        if not self.denies:
            return []
        scope = scopes.normalize(scope)
        by_scope = self._deny_scopes.get(principal)
        if by_scope is None:
            by_scope = {}
            for deny in self.denies_on(principal):
                by_scope.setdefault(deny.scope, []).append(deny)
            self._deny_scopes[principal] = by_scope
        if not by_scope:
            return []
        found = []
        # Only denies at a scope of the chain can apply: there, and below it unless they exclude children.
        for deny in (d for at in self.tree.chain(scope) for d in by_scope.get(at, ())):
            applies = scope == deny.scope if not deny.children else True
            # A deny block under a condition may not apply: only unconditional ones are counted.
            if applies and any(b.allows(action, data_action) and not b.condition for b in deny.blocks):
                found.append(deny)
        return found

    def _names(self, principal: str) -> set[str]:
        """Everything a deny assignment may call the principal or its groups: node ids and object ids."""
        if principal in self._name_cache:
            return self._name_cache[principal]
        names: set[str] = set()
        for ident in self.identities_of(principal):
            names.add(ident.lower())
            node = self.graph.node(ident)
            names.update(_object_ids(node) if node is not None else ())
            if ident.lower().startswith(PRINCIPAL_PREFIX):
                names.add(ident.lower()[len(PRINCIPAL_PREFIX):])
        self._name_cache[principal] = names
        return names

    def decide(self, principal: str, action: str, scope_resource_id: str, data_action: bool = False,
               *, partial: bool = False) -> Decision:
        """Allow, deny, conditional or implicit deny of ``action`` at a scope (``partial``: count grants on its parts)."""
        scope = scopes.normalize(scope_resource_id)
        denies = self.denied(principal, action, scope, data_action)
        if denies:
            return Decision("deny", denies=[d.ref() for d in denies])
        allowing: list[dict[str, Any]] = []
        maybe: list[dict[str, Any]] = []
        conditions: list[str] = []
        chain = self.tree.chain(scope)
        for grant in self.grants(principal):
            role = self.roles.get(grant.role)
            if role is None or not self.role_allows(role, action, data_action):
                continue
            inside = grant.scope in chain
            below = not inside and partial and self.tree.below(grant.scope, scope)
            if not (inside or below) or (below and self.denied(principal, action, grant.scope, data_action)):
                continue
            undecided = [c for c in (grant.condition, role.block_condition(action, data_action))
                         if c and condition_holds(c, action) is not True]
            if not undecided:
                allowing.append(grant.ref(self.roles, partial=below))
            else:
                maybe.append(grant.ref(self.roles, partial=below))
                conditions += [c for c in undecided if c not in conditions]
        if allowing:
            return Decision("allow", grants=allowing)
        if maybe:
            return Decision("conditional", grants=maybe, conditions=conditions)
        return Decision("implicit_deny")

    def role_allows(self, role: RoleDefinition, action: str, data_action: bool = False) -> bool:
        """``role.allows``, memoized (a few probe operations are asked of every role many times)."""
        key = (role.id, action, data_action)
        found = self._role_cache.get(key)
        if found is None:
            found = self._role_cache[key] = role.allows(action, data_action)
        return found

    def admin_grants(self, principal: str) -> list[Grant]:
        """Unconditional Owner-equivalent grants of the principal (any scope), not blocked by a deny at their scope."""
        if principal in self._admin_cache:
            return self._admin_cache[principal]
        out = []
        for grant in self.grants(principal):
            role = self.roles.get(grant.role)
            if role is None or not role.admin_equivalent:
                continue
            conditions = (grant.condition, role.block_condition(ROLE_ASSIGNMENT_WRITE))
            if any(c and condition_holds(c, ROLE_ASSIGNMENT_WRITE) is not True for c in conditions):
                continue  # e.g. Owner constrained in which roles it may assign: not unconditionally admin
            if not self.denied(principal, ROLE_ASSIGNMENT_WRITE, grant.scope):
                out.append(grant)
        self._admin_cache[principal] = out
        return out

    def is_admin(self, principal: str, scope: str) -> bool:
        """Owner-like at ``scope``: an unconditional admin-equivalent grant covering it, not denied there."""
        grants = self.admin_grants(principal)
        if not grants:
            return False
        chain = self.tree.chain(scopes.normalize(scope))
        return any(g.scope in chain for g in grants) and not self.denied(principal, ROLE_ASSIGNMENT_WRITE, scope)

    def access_policy(self, principal: str, vault: Node) -> dict[str, list[str]]:
        """The vault access-policy permissions the principal holds (itself or through groups), merged."""
        if vault.id not in self._vault_policies:
            merged: dict[str, dict[str, list[str]]] = {}
            for entry in vault_access_policies(vault) or []:
                holder = entry["principal"] if entry["principal"] in self.graph else self.resolve(entry["object_id"])
                mine = merged.setdefault(holder, {})
                for kind, verbs in entry["permissions"].items():
                    mine[kind] = sorted(set(mine.get(kind, [])) | set(verbs))
            self._vault_policies[vault.id] = merged
        policies = self._vault_policies[vault.id]
        out: dict[str, list[str]] = {}
        for holder in self.identities_of(principal):
            for kind, verbs in policies.get(holder, {}).items():
                out[kind] = sorted(set(out.get(kind, [])) | set(verbs))
        return {k: v for k, v in out.items() if v}


def _object_ids(node: Node) -> list[str]:
    """The Entra object ids a principal node answers to (its id suffix, its principalId)."""
    out = []
    if node.id.lower().startswith(PRINCIPAL_PREFIX):
        out.append(node.id.lower()[len(PRINCIPAL_PREFIX):])
    for value in (node.props.get("principal_id"), node.props.get("object_id"),
                  ((node.raw or {}).get("properties") or {}).get("principalId")):
        if isinstance(value, str) and value:
            out.append(value.lower())
    return out


def _assignments(detail: dict[str, Any]) -> list[dict[str, Any]]:
    entries = detail.get("assignments")
    if isinstance(entries, list):
        return [e for e in entries if isinstance(e, dict)]
    return [detail] if detail.get("scope") else []


def _principal_refs(values: Any) -> list[str]:
    """Deny-assignment principals as lower-case object ids or node ids (``{id, object_id}`` or plain strings)."""
    out = []
    for value in values or []:
        refs = [value.get("id"), value.get("object_id")] if isinstance(value, dict) else [value]
        for ref in refs:
            if isinstance(ref, str) and ref:
                ref = ref.lower()
                out.append(ref.removeprefix(PRINCIPAL_PREFIX))
    return out
