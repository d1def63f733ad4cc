"""One checker per technique target (see ``catalogue``): which useful targets a principal's permissions reach.

Every checker yields ``Found`` records; the analyzer groups them into one
``can_escalate`` edge per (principal, target). A service-account target counts
only when it gains the principal something (``Context.gains``): the account
holds a binding the principal does not already hold at that scope or above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.graph.gcp_escalation.catalogue import ACT_AS, TECHNIQUES, Technique
from cloudwarden.graph.gcp_iam.authorization import GcpAuthorization
from cloudwarden.graph.gcp_iam.bindings import Binding, email_of
from cloudwarden.graph.gcp_iam.permissions import FAMILIES
from cloudwarden.graph.model import Node

SERVICE_ACCOUNT = "identity.service_account"
CROSS_PROJECT = ("the account is in another project: usable only where the organization policy"
                 " iam.disableCrossProjectServiceAccountUsage is not enforced")


@dataclass
class Found:
    """One way for ``principal`` to become ``target`` (or admin of it, ``to_admin``)."""

    principal: str
    target: str
    technique: Technique
    bindings: list[tuple[Binding, bool]]  # (binding, decided)
    conditional: bool
    to_admin: bool = False
    via: str | None = None
    notes: list[str] = field(default_factory=list)

    def detail(self) -> dict[str, Any]:
        """JSON-ready description of this way (one entry of an edge's ``techniques``)."""
        out: dict[str, Any] = {
            "technique": self.technique.id, "title": self.technique.title, "actions": self.technique.actions,
            "to": "admin" if self.to_admin else self.target, "conditional": self.conditional,
            "grants": _unique([b.ref(True if decided else None) for b, decided in self.bindings]),
            "description": self.technique.description,
        }
        conditions = _unique([dict(b.condition) for b, decided in self.bindings if b.condition and not decided])
        if conditions:
            out["conditions"] = conditions
        if self.via:
            out["via"] = self.via
        if self.notes:
            out["notes"] = self.notes
        return out


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


class Context:
    """The authorization of one graph plus the lookups the checkers share."""

    def __init__(self, auth: GcpAuthorization) -> None:
        self.auth = auth
        self.graph = auth.graph
        self.by_email: dict[str, str] = {}
        for node in self.graph.nodes_of(SERVICE_ACCOUNT):
            email = email_of(node, node.id)
            if node.cloud == "gcp" and email:
                self.by_email.setdefault(email.lower(), node.id)
        self.self_admin: dict[str, set[str]] = {}  # scopes a principal can make itself Owner of, unconditionally
        self._coverage: dict[tuple[str, str], bool] = {}
        self._usable: dict[str, dict[str, tuple[list[tuple[Binding, bool]], bool]]] = {}
        self._names: list[str] = []
        self.runs_as: dict[str, list[str]] = {}
        for edge in self.graph.edges("runs_as"):
            self.runs_as.setdefault(edge.source, []).append(edge.target)

    def hold(self, principal: str, resource: str, permissions: list[str]) -> tuple[list[tuple[Binding, bool]], bool] | None:
        """(bindings, conditional) when every permission is held on the resource, else None."""
        access = self.auth.permissions_on(principal, resource, permissions)
        bindings: list[tuple[Binding, bool]] = []
        conditional = False
        for permission in permissions:
            if permission in access.allowed:
                bindings += [(b, True) for b in access.allowed[permission]]
            elif permission in access.conditional:
                bindings += [(b, False) for b in access.conditional[permission]]
                conditional = True
            else:
                return None
        return bindings, conditional

    def scopes_of(self, principal: str, kinds: tuple[str, ...]) -> list[str]:
        """Nodes of ``kinds`` at or below the principal's binding scopes."""
        found: set[str] = set()
        for binding in self.auth.grants(principal):
            found.update(self.auth.hierarchy.under(binding.scope, kinds))
        return sorted(found)

    def gains(self, principal: str, account: str) -> bool:
        """The account holds a binding the principal does not cover (a role holding as much, at that scope or above)."""
        if account == principal:
            return False
        mine = self.auth.grants_by_scope(principal)
        for theirs in self.auth.grants(account):
            above = dict.fromkeys(self.auth.hierarchy.ancestors(theirs.scope))
            covered = self.auth.is_admin(principal, theirs.scope) or any(
                not b.condition and self._covers(b, theirs) for scope in above for b in mine.get(scope, ()))
            if not covered:
                return True
        return False

    def _covers(self, mine: Binding, theirs: Binding) -> bool:
        """``mine``'s role holds every permission of ``theirs``' (tested on every permission the graph names)."""
        if mine.role == theirs.role or mine.permissions.everything:
            return True
        if not theirs.permissions.known or not mine.permissions.known:
            return False
        key = (mine.role, theirs.role)
        if key not in self._coverage:
            needed = theirs.permissions.granted(self._universe())
            self._coverage[key] = bool(needed) and all(mine.permissions.grants(p) for p in needed)
        return self._coverage[key]

    def _universe(self) -> list[str]:
        """Every permission name the graph's roles, the families and the techniques mention."""
        if not self._names:
            names = {p for perms in self.auth.index.roles.values() for p in perms.explicit()}
            names |= {p for family in FAMILIES.values() for p in family.documented}
            names |= {p for t in TECHNIQUES for p in t.actions}
            self._names = sorted(names)
        return self._names

    def acting(self, principal: str, account: str) -> tuple[list[tuple[Binding, bool]], bool] | None:
        """``actAs`` on the account, held (bindings, conditional) or None."""
        return self.hold(principal, account, [ACT_AS])

    def usable(self, principal: str) -> dict[str, tuple[list[tuple[Binding, bool]], bool]]:
        """Accounts worth becoming on which the principal holds ``actAs`` (cached; after the scope techniques)."""
        found = self._usable.get(principal)
        if found is None:
            found = {}
            for account in self.scopes_of(principal, (SERVICE_ACCOUNT,)):
                if _worth(self, principal, account) and (acting := self.acting(principal, account)) is not None:
                    found[account] = acting
            self._usable[principal] = found
        return found


Checker = Callable[[Context, Technique, Node], Iterator[Found]]


def scope_policy(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """setIamPolicy on an organization, folder or project it does not already administer."""
    for scope in ctx.scopes_of(principal.id, ("org.unit", "account")):
        if f"/{technique.scope_kind}/" not in scope or ctx.auth.is_admin(principal.id, scope):
            continue
        held = ctx.hold(principal.id, scope, list(technique.needs))
        if held is not None:
            yield Found(principal.id, scope, technique, held[0], held[1], to_admin=True)


def custom_role(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """A custom role bound to the principal on a scope, editable where the role is defined."""
    for binding in ctx.auth.grants(principal.id):
        if binding.role.startswith("roles/") or not ctx.auth.hierarchy.is_scope(binding.scope):
            continue
        if ctx.auth.is_admin(principal.id, binding.scope):
            continue
        parent = _role_parent(ctx, binding.role)
        if parent is None:
            continue
        held = ctx.hold(principal.id, parent, list(technique.needs))
        if held is None:
            continue
        bound = ctx.auth.condition(binding, ctx.graph.node(binding.scope), binding.scope, None)
        if bound is False:
            continue
        yield Found(principal.id, binding.scope, technique, held[0] + [(binding, bound is True)],
                    held[1] or bound is None, to_admin=True, via=binding.role)


def _role_parent(ctx: Context, role: str) -> str | None:
    """The project or organization node a custom role is defined in (``projects/<id>/roles/x``)."""
    parts = role.split("/")
    if len(parts) >= 4 and parts[0] == "projects":
        return ctx.auth.hierarchy.project(parts[1])
    if len(parts) >= 4 and parts[0] == "organizations":
        org = f"//cloudresourcemanager.googleapis.com/organizations/{parts[1]}"
        return org if org in ctx.graph else None
    return None


def sa_policy(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """setIamPolicy on a service account that grants more."""
    for account in ctx.scopes_of(principal.id, (SERVICE_ACCOUNT,)):
        if not _worth(ctx, principal.id, account):
            continue
        held = ctx.hold(principal.id, account, list(technique.needs))
        if held is not None:
            yield Found(principal.id, account, technique, held[0], held[1])


def new_workload(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """actAs on an account plus the create permission on its project (another project: conditional)."""
    usable = ctx.usable(principal.id)
    if not usable:
        return
    able: dict[str, tuple[list[tuple[Binding, bool]], bool]] = {}
    for project in ctx.scopes_of(principal.id, ("account",)):
        held = ctx.hold(principal.id, project, list(technique.needs))
        if held is not None:
            able[project] = held
    if not able:
        return
    for account, acting in usable.items():
        home = ctx.auth.hierarchy.project_of(account)
        where_id = home if home in able else min(able)
        notes = [] if home in able else [CROSS_PROJECT]
        where = able[where_id]
        yield Found(principal.id, account, technique, acting[0] + where[0],
                    acting[1] or where[1] or bool(notes), via=where_id, notes=notes)


def existing_workload(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """A workload of the technique's kinds that runs as an account the principal may act as."""
    usable = ctx.usable(principal.id)
    if not usable:
        return
    service = technique.needs[0].split(".", 1)[0]
    attach = technique.id == "gcp-compute-set-service-account"  # attaches any account it may act as
    done: set[str] = set()
    for workload in ctx.scopes_of(principal.id, technique.kinds):
        if not workload.startswith(f"//{service}.googleapis.com/"):
            continue  # Cloud Run services and Cloud Functions share a kind, not their permissions
        node = ctx.graph.node(workload)
        if node is None or (technique.id == "gcp-compute-os-admin-login" and node.props.get("os_login") is False):
            continue
        accounts = [a for a in (usable if attach else ctx.runs_as.get(workload, [])) if a in usable and a not in done]
        if not accounts:
            continue
        held = ctx.hold(principal.id, workload, list(technique.needs))
        if held is None:
            continue
        for account in accounts:
            acting = usable[account]
            if not (acting[1] or held[1]):
                done.add(account)  # one unconditional way per account is enough evidence
            yield Found(principal.id, account, technique, acting[0] + held[0], acting[1] or held[1], via=workload)


def project_metadata(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """Project-wide metadata of a project whose instances run as accounts the principal may act as."""
    usable = ctx.usable(principal.id)
    if not usable:
        return
    for project in ctx.scopes_of(principal.id, ("account",)):
        accounts = sorted({a for i in ctx.auth.hierarchy.under(project, ("compute.instance",))
                           for a in ctx.runs_as.get(i, []) if a in usable})
        if not accounts:
            continue
        held = ctx.hold(principal.id, project, list(technique.needs))
        if held is None:
            continue
        for account in accounts:
            acting = usable[account]
            yield Found(principal.id, account, technique, acting[0] + held[0], acting[1] or held[1], via=project)


def service_agent(ctx: Context, technique: Technique, principal: Node) -> Iterator[Found]:
    """A Google-managed account the service runs as, in each project where the principal may start it."""
    for project in ctx.scopes_of(principal.id, ("account",)):
        node = ctx.graph.node(project)
        number = (node.props.get("project_number") if node else None) or project.rsplit("/", 1)[-1]
        email = technique.agent.format(number=number).lower()
        account = ctx.by_email.get(email) or (f"serviceAccount:{email}" if f"serviceAccount:{email}" in ctx.graph else None)
        if account is None or not _worth(ctx, principal.id, account):
            continue
        held = ctx.hold(principal.id, project, list(technique.needs))
        if held is not None:
            yield Found(principal.id, account, technique, held[0], held[1], via=project)


def _worth(ctx: Context, principal: str, account: str) -> bool:
    """Not itself, not in a project it administers, and holding something the principal does not."""
    node = ctx.graph.node(account)
    if account == principal or (node is not None and node.props.get("disabled") is True):
        return False  # a disabled account authenticates nothing
    home = ctx.auth.hierarchy.project_of(account)
    if home is not None and (ctx.auth.is_admin(principal, home)
                             or ctx.self_admin.get(principal, set()) & set(ctx.auth.hierarchy.ancestors(home))):
        return False  # it is (or can unconditionally make itself) Owner there: every account is its already
    return ctx.gains(principal, account)


CHECKERS: dict[str, Checker] = {
    "scope-policy": scope_policy,
    "custom-role": custom_role,
    "sa-policy": sa_policy,
    "new-workload": new_workload,
    "existing-workload": existing_workload,
    "project-metadata": project_metadata,
    "service-agent": service_agent,
}
