"""One small checker per technique family: enumerate useful targets, ask the evaluator about every operation.

Every checker takes ``(ctx, technique, principal)`` and yields ``Escalation``s;
none matches action strings itself (``EscalationContext.permit`` asks
``AzureAuthorization.decide``, which applies deny assignments and conditions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudwarden.graph.azure_escalation.catalogue import (
    ASSIGN_IDENTITY,
    VM,
    VM_EXTENSIONS,
    VM_RUN_COMMAND,
    VM_WRITE,
    Technique,
)
from cloudwarden.graph.azure_escalation.context import (
    ADMIN,
    Escalation,
    EscalationContext,
    Permit,
)
from cloudwarden.graph.azure_rbac import scopes
from cloudwarden.graph.azure_rbac.access_policies import rbac_mode
from cloudwarden.graph.model import Node

Checker = Callable[[EscalationContext, Technique, Node], Iterator[Escalation]]


def _scope_outcome(ctx: EscalationContext, technique: Technique, principal: str, scope: str, permit: Permit,
                   **extra: object) -> Iterator[Escalation]:
    """What holding every permission at ``scope`` gives: admin (subscription or above), else the identities inside."""
    if scopes.level(scope) in scopes.ACCOUNT_LEVELS:
        targets = [scope] if scope != scopes.ROOT else list(ctx.subscriptions)
        for target in targets:
            if not ctx.auth.is_admin(principal, target):
                yield Escalation(principal, technique, target, permit, ADMIN, via=scope, extra={"scope": scope, **extra})
        return
    for identity, compute in ctx.identities_within(scope):
        if ctx.grants_more(principal, identity):
            yield Escalation(principal, technique, identity, permit, identity, via=compute or identity,
                             extra={"scope": scope, **extra})


def self_grant(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Role assignments writable at a scope: Owner there for the asking."""
    seen: set[str] = set()
    for grant in ctx.auth.grants(principal.id):
        role = ctx.auth.roles.get(grant.role)
        if role is None or grant.scope in seen or not any(role.allows(a) for o in technique.options for a in o):
            continue
        seen.add(grant.scope)
        if ctx.auth.is_admin(principal.id, grant.scope):
            continue
        permit = ctx.permit(principal.id, technique.options, grant.scope)
        if permit is not None:
            yield from _scope_outcome(ctx, technique, principal.id, grant.scope, permit)


def role_definition(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """A custom role the principal holds, writable where it is defined: make it ``*``."""
    for grant in ctx.auth.grants(principal.id):
        role = ctx.auth.roles.get(grant.role)
        if role is None or not role.custom or role.admin_equivalent or ctx.auth.is_admin(principal.id, grant.scope):
            continue
        for where in role.assignable_scopes or (grant.scope,):
            permit = ctx.permit(principal.id, technique.options, where)
            if permit is not None:
                yield from _scope_outcome(ctx, technique, principal.id, grant.scope, permit, role=role.id)
                break


def compute(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """Existing compute running as a more privileged identity, on which the principal can run code."""
    for node, kind, identities in ctx.compute_for(principal.id):
        options = technique.options_for(kind)
        if not options:
            continue
        gains = [i for i in identities if ctx.grants_more(principal.id, i)]
        if not gains:
            continue
        permit = ctx.permit(principal.id, options, node.id)
        if permit is None:
            continue
        for identity in gains:
            yield Escalation(principal.id, technique, identity, permit, identity, via=node.id,
                             extra={"compute": node.id})


def identity_attach(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """A user-assigned identity the principal may assign, and a VM it can both modify and run code on (or create)."""
    assignable = []
    for identity in ctx.identities_for(principal.id):
        if not ctx.grants_more(principal.id, identity.id):
            continue
        assign = ctx.permit(principal.id, ((ASSIGN_IDENTITY,),), identity.id)
        if assign is not None:
            assignable.append((identity, assign))
    host = _controlled_vm(ctx, principal) if assignable else None
    if host is None:
        return
    via, vm_permit, created = host
    for identity, assign in assignable:
        yield Escalation(principal.id, technique, identity.id, assign.merged(vm_permit), identity.id, via=via,
                         extra={"vm": via, "creates_vm": created})


def _controlled_vm(ctx: EscalationContext, principal: Node) -> tuple[str, Permit, bool] | None:
    """A VM the principal can modify and run code on; else a resource group or above where it can create one."""
    for node, kind, _ in ctx.compute + [(n, VM, []) for n in ctx.graph.nodes_of("compute.instance")
                                        if n.cloud == "azure" and not n.reference]:
        if kind != VM or not ctx.reachable(principal.id, node.id):
            continue
        write = ctx.permit(principal.id, ((VM_WRITE,),), node.id)
        run = ctx.permit(principal.id, VM_RUN_COMMAND + VM_EXTENSIONS, node.id)
        if write is not None and run is not None:
            return node.id, write.merged(run), False
    for grant in ctx.auth.grants(principal.id):
        if scopes.level(grant.scope) == "resource":
            continue
        write = ctx.permit(principal.id, ((VM_WRITE,),), grant.scope)
        if write is not None:
            return grant.scope, write, True
    return None


def federated_credential(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """A user-assigned identity the principal can add a federated credential to."""
    for identity in ctx.identities_for(principal.id):
        if not ctx.grants_more(principal.id, identity.id):
            continue
        permit = ctx.permit(principal.id, technique.options, identity.id)
        if permit is not None:
            yield Escalation(principal.id, technique, identity.id, permit, identity.id, via=identity.id)


def vault(ctx: EscalationContext, technique: Technique, principal: Node) -> Iterator[Escalation]:
    """A Key Vault in access-policy mode whose policies the principal can rewrite."""
    for node in ctx.vaults_for(principal.id):
        if rbac_mode(node) is True:
            continue
        if ctx.auth.is_admin(principal.id, node.id):
            continue
        permit = ctx.permit(principal.id, technique.options, node.id)
        if permit is not None:
            yield Escalation(principal.id, technique, node.id, permit, node.id, via=node.id,
                             extra={"gains": ["secrets:get", "keys:decrypt", "certificates:get"]})


CHECKERS: dict[str, Checker] = {
    "self-grant": self_grant,
    "role-definition": role_definition,
    "compute": compute,
    "identity-attach": identity_attach,
    "federated-credential": federated_credential,
    "vault": vault,
}
