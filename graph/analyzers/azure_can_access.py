"""``can_access`` for Azure: which principals can act on which data and key resources, and how.

Principals are the Azure users, groups, service principals and managed identities
that hold a role assignment (directly or through groups) or a Key Vault access
policy. Edge details have the AWS shape, so graph functions and path policies
work unchanged: ``{levels, actions, grants, conditional[, conditions][, notes]
[, conditional_actions, conditional_levels][, access_policies]}``.

- An Owner-equivalent principal (``*`` actions, role assignments not excluded) at a
  subscription or above gets ONE edge per subscription it administers:
  ``{admin: true, levels: [every level], actions: ["*"], grants, limited_by}``
  (``limited_by``: deny assignments that still bind it there). Its resources there
  are not listed one by one. At a management group with no collected subscription,
  the edge goes to the management group itself.
- Every other principal is asked about a few probe operations per resource
  (``graph/azure_rbac/levels.py``) at the resource's id; for data operations,
  grants on a part of a resource (one blob container of an account, one secret
  of a vault) count too, marked ``partial``.
- An edge needs some ``read``, ``write``, ``permissions`` or ``admin``: control-plane
  metadata (``list``) alone is not access to the data.
- Key Vaults in access-policy mode: the vault's access policies give the data levels.
- A storage account with a container open to anonymous reads gets one edge from
  ``internet`` (standing for anyone), ``anyone: true``, as AWS public buckets do.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator, Iterator
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.azure_rbac import (
    AzureAuthorization,
    scopes,
    shared_authorization,
)
from cloudwarden.graph.azure_rbac.access_policies import policy_levels, rbac_mode
from cloudwarden.graph.azure_rbac.levels import (
    LOCAL_AUTH,
    SHARED_KEY,
    gate_open,
    probes,
    resource_type,
)
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import ACCESS_LEVELS, INTERNET_ID, Edge, Node

DATA_KINDS = ("storage.bucket", "kms.key", "kms.vault", "secret", "database.instance", "compute.function",
              "ai.notebook", "ai.endpoint", "ai.model", "ai.training_job", "ai.service")
ADMIN_LEVELS = sorted(ACCESS_LEVELS)  # "admin" sorts first
ACCESS = frozenset({"read", "write", "permissions", "admin"})
_VAULT_MARK = "/providers/microsoft.keyvault/vaults/"
_POLICY_TYPES = {"kms.key": "keys", "secret": "secrets"}
_ANONYMOUS_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"


class Targets:
    """The Azure data and key resources, sorted by lower-cased id for scope lookups."""

    def __init__(self, graph: EstateGraph, auth: AzureAuthorization) -> None:
        nodes = [n for n in graph.nodes_of(*DATA_KINDS) if n.cloud == "azure" and not n.reference]
        self.by_id = {scopes.normalize(n.id): n for n in nodes}
        self.ids = sorted(self.by_id)
        self.tree = auth.tree
        self.graph = graph

    def under(self, scope: str) -> list[str]:
        """Resources an assignment at ``scope`` covers."""
        level = scopes.level(scope)
        if level == "root":
            return self.ids
        if level == "management_group":
            return [i for i in self.ids if self.tree.covers(scope, i)]
        start = bisect.bisect_left(self.ids, scope)
        out = []
        for resource_id in self.ids[start:]:
            if not resource_id.startswith(scope):
                break
            if scopes.within(resource_id, scope):
                out.append(resource_id)
        return out

    def above(self, scope: str) -> list[str]:
        """Resources strictly above ``scope`` by id (an assignment on one of their parts)."""
        parts = scope.split("/")
        prefixes = ("/".join(parts[:i]) for i in range(2, len(parts)))
        return [p for p in prefixes if p in self.by_id]

    def vault_of(self, resource_id: str) -> Node | None:
        """The Key Vault a vault, key or secret id belongs to."""
        if _VAULT_MARK not in resource_id:
            return None
        head, _, tail = resource_id.partition(_VAULT_MARK)
        vault_id = head + _VAULT_MARK + tail.split("/")[0]
        return self.by_id.get(vault_id) or self.graph.node(vault_id)


def run(graph: EstateGraph) -> Iterator[Edge]:
    """Every Azure can_access edge."""
    auth = shared_authorization(graph)
    targets = Targets(graph, auth)
    subscriptions = sorted(scopes.normalize(n.id) for n in graph.nodes_of("account") if n.cloud == "azure")
    policy_vaults = [v for v in targets.by_id.values() if v.kind == "kms.vault" and rbac_mode(v) is not True]
    for principal in auth.principals():
        administered = yield from _admin_edges(graph, auth, principal, subscriptions)
        candidates: set[str] = set()
        for grant in auth.grants(principal.id):
            candidates.update(targets.under(grant.scope))
            candidates.update(targets.above(grant.scope))
        for vault in policy_vaults:
            if auth.access_policy(principal.id, vault):
                candidates.add(scopes.normalize(vault.id))
                candidates.update(targets.under(scopes.normalize(vault.id)))
        held = frozenset(g.scope for g in auth.grants(principal.id))
        shareable = not auth.denies_on(principal.id)
        shared: dict[tuple[Any, ...], dict[str, Any] | None] = {}
        for resource_id in sorted(candidates):
            if scopes.subscription_of(resource_id) in administered and auth.is_admin(principal.id, resource_id):
                continue  # the account edge says it
            node = targets.by_id[resource_id]
            vault = targets.vault_of(resource_id)
            key = _sharing_key(auth, node, vault, held, resource_id) if shareable else None
            if key is None:
                detail = access_detail(auth, principal.id, node, vault)
            elif key in shared:
                detail = shared[key]
            else:
                detail = shared[key] = access_detail(auth, principal.id, node, vault)
            if detail is not None:
                yield Edge(source=principal.id, target=node.id, kind="can_access", detail=detail)
    yield from _anyone_edges(targets)


def _anyone_edges(targets: Targets) -> Iterator[Edge]:
    """``internet -can_access-> storage account`` when a container allows anonymous reads (``internet`` = anyone)."""
    for node in targets.by_id.values():
        if node.kind == "storage.bucket" and node.props.get("public_by_acl") is True:
            yield Edge(source=INTERNET_ID, target=node.id, kind="can_access", detail={
                "levels": ["read"], "actions": [_ANONYMOUS_READ], "grants": [], "conditional": False,
                "conditions": [], "anyone": True, "notes": ["a blob container allows anonymous (public) read access"]})


def _sharing_key(auth: AzureAuthorization, node: Node, vault: Node | None, held: frozenset[str],
                 resource_id: str) -> tuple[Any, ...] | None:
    """Resources alike for one principal share one answer (details are read-only): same type, same covering
    grants, same gating facts, and no grant on a part of them nor access policy (those single them out)."""
    if vault is not None or any(s.startswith(resource_id + "/") for s in held):
        return None
    gates = tuple(gate_open(g, node, None) for g in (SHARED_KEY, LOCAL_AUTH))
    return (node.kind, resource_type(node), held & auth.tree.chain(resource_id), gates)


def _admin_edges(graph: EstateGraph, auth: AzureAuthorization, principal: Node,
                 subscriptions: list[str]) -> Generator[Edge, None, set[str]]:
    """One admin edge per subscription (or bare management group) the principal owns; returns those subscriptions."""
    by_target: dict[str, list[dict[str, Any]]] = {}
    administered: set[str] = set()
    for grant in auth.admin_grants(principal.id):
        if scopes.level(grant.scope) not in scopes.ACCOUNT_LEVELS:
            continue
        covered = auth.tree.subscriptions_under(grant.scope, subscriptions)
        if grant.scope.startswith(scopes.SUB_PREFIX):
            covered = covered or [grant.scope]
        elif not covered and grant.scope != scopes.ROOT:
            covered = [grant.scope]
        for target in covered:
            if auth.is_admin(principal.id, target):
                by_target.setdefault(target, []).append(grant.ref(auth.roles))
    for target, grants in sorted(by_target.items()):
        node_id = scopes.ensure_scope_node(graph, target)
        administered.add(target)
        limited = [d.ref() for d in auth.denies_on(principal.id) if auth.tree.covers(target, d.scope)
                   or auth.tree.covers(d.scope, target)]
        yield Edge(source=principal.id, target=node_id, kind="can_access", detail={
            "admin": True, "levels": ADMIN_LEVELS, "actions": ["*"], "grants": grants, "conditional": False,
            "conditions": [], "limited_by": limited, "scope": target})
    return administered


def access_detail(auth: AzureAuthorization, principal: str, node: Node, vault: Node | None) -> dict[str, Any] | None:
    """The can_access detail of one principal on one resource (None when it has no data-relevant access)."""
    definite: dict[str, set[str]] = {}
    maybe: dict[str, set[str]] = {}
    grants: dict[tuple[Any, ...], dict[str, Any]] = {}
    conditions: list[str] = []
    notes: set[str] = set()
    for probe in probes(node):
        if not gate_open(probe.gate, node, vault):
            continue
        decision = auth.decide(principal, probe.action, node.id, probe.data, partial=probe.data)
        if not decision.allowed:
            continue
        bucket = definite if decision.effect == "allow" else maybe
        for level in probe.levels:
            bucket.setdefault(level, set()).add(probe.action)
        for ref in decision.grants:
            grants.setdefault((ref["role"], ref["scope"], ref.get("via"), ref.get("assignment")), ref)
        conditions += [c for c in decision.conditions if c not in conditions]
        if probe.note and decision.effect == "allow":
            notes.add(f"{probe.action}: {probe.note}")
    policies = _access_policy_levels(auth, principal, node, vault)
    for level, permissions in policies.items():
        definite.setdefault(level, set()).update(f"accessPolicy:{p}" for p in permissions)
    if auth.is_admin(principal, node.id):
        definite.setdefault("admin", set()).add("*")
    levels = set(definite) | set(maybe)
    if not levels & ACCESS:
        return None
    actions = sorted({a for found in definite.values() for a in found})
    detail: dict[str, Any] = {
        "levels": sorted(levels),
        "actions": actions or sorted({a for found in maybe.values() for a in found}),
        "grants": list(grants.values()),
        "conditional": not (set(definite) & ACCESS),
        "conditions": conditions,
    }
    if notes:
        detail["notes"] = sorted(notes)
    if policies:
        detail["access_policies"] = {level: sorted(p) for level, p in policies.items()}
    extra = sorted({a for found in maybe.values() for a in found} - set(actions))
    if definite and extra:
        detail["conditional_actions"] = extra
        detail["conditional_levels"] = sorted(set(maybe) - set(definite))
    return detail


def _access_policy_levels(auth: AzureAuthorization, principal: str, node: Node, vault: Node | None) -> dict[str, list[str]]:
    """Levels a vault's access policies give the principal on the vault, or on one of its keys / secrets."""
    if vault is None or rbac_mode(vault) is True:
        return {}
    permissions = auth.access_policy(principal, vault)
    if not permissions:
        return {}
    return policy_levels(permissions, _POLICY_TYPES.get(node.kind))


ANALYZER = Analyzer(
    name="azure_can_access",
    run=run,
    description="Azure effective permissions (role assignments, deny assignments, Key Vault access policies)",
)
