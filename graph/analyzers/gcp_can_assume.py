"""``can_assume`` on GCP: who can obtain a service account's credentials (impersonation).

A principal becomes a service account when it holds, on the account (a
binding on it, its project, folder or organization):

- ``iam.serviceAccounts.getAccessToken``: mints OAuth access tokens for it;
- ``iam.serviceAccounts.signJwt`` / ``signBlob``: signs a self-made JWT
  assertion that Google's token endpoint exchanges for an access token;
- ``iam.serviceAccountKeys.create``: creates a long-lived key for it;
- ``iam.serviceAccounts.getOpenIdToken``: mints ID tokens for it (accepted by
  Cloud Run, Cloud Functions, IAP; not by Google APIs: ``id_token_only``);
- ``iam.serviceAccounts.implicitDelegation`` on an intermediate account that
  can itself mint tokens for a third: a delegation chain to the third
  (``via`` names the intermediate).

``iam.serviceAccounts.actAs`` alone is not impersonation: it lets one attach
the account to a workload one deploys, which needs a deploy permission too;
that combination is a ``can_escalate`` edge (``gcp_escalation``).

Detail: ``{technique, title, actions, grants, conditional[, conditions][, via]
[, id_token_only], techniques: [...]}``, one edge per (principal, account),
its primary technique the strongest unconditional one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.graph.analyzers import Analyzer
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam import shared_authorization
from cloudwarden.graph.gcp_iam.authorization import GcpAuthorization
from cloudwarden.graph.model import Edge

SERVICE_ACCOUNT = "identity.service_account"
DELEGATE = "iam.serviceAccounts.implicitDelegation"
# permission -> (technique, title), strongest first
TOKEN_TECHNIQUES: dict[str, tuple[str, str]] = {
    "iam.serviceAccounts.getAccessToken": ("gcp-sa-get-access-token", "Mint access tokens for the service account"),
    "iam.serviceAccounts.signJwt": ("gcp-sa-sign-jwt", "Sign a JWT as the service account and exchange it for a token"),
    "iam.serviceAccounts.signBlob": ("gcp-sa-sign-blob", "Sign a token request as the service account"),
    "iam.serviceAccountKeys.create": ("gcp-sa-key-create", "Create a key for the service account"),
    "iam.serviceAccounts.getOpenIdToken": ("gcp-sa-get-openid-token", "Mint ID tokens for the service account"),
}
_RANK = {t: i for i, (t, _) in enumerate(TOKEN_TECHNIQUES.values())}


def run(graph: EstateGraph) -> Iterator[Edge]:
    """can_assume edges from GCP principals to the service accounts they can impersonate."""
    auth = shared_authorization(graph)
    direct: dict[str, dict[str, list[dict[str, Any]]]] = {}
    delegates: dict[str, dict[str, dict[str, Any]]] = {}
    for principal in auth.principals():
        for account in _accounts(auth, principal.id):
            access = auth.permissions_on(principal.id, account, [*TOKEN_TECHNIQUES, DELEGATE])
            for permission, (technique, title) in TOKEN_TECHNIQUES.items():
                found = _technique(access, permission, technique, title)
                if found is not None:
                    direct.setdefault(principal.id, {}).setdefault(account, []).append(found)
            found = _technique(access, DELEGATE, "gcp-sa-implicit-delegation", "Delegate through the service account")
            if found is not None:
                delegates.setdefault(principal.id, {})[account] = found
    # Implicit delegation: holding it on Y lets one mint what Y can mint for X.
    for principal, via_accounts in delegates.items():
        for middle, grant in via_accounts.items():
            for final, techniques in direct.get(middle, {}).items():
                if final == principal:
                    continue
                best = _sorted(techniques)[0]
                direct.setdefault(principal, {}).setdefault(final, []).append({
                    **grant, "actions": [DELEGATE, *best["actions"]], "via": middle,
                    "conditional": grant["conditional"] or best["conditional"],
                    "conditions": grant["conditions"] + best["conditions"], "grants": grant["grants"] + best["grants"]})
    for principal in sorted(direct):
        for account, techniques in sorted(direct[principal].items()):
            yield Edge(source=principal, target=account, kind="can_assume", detail=_detail(_sorted(techniques)))


def _accounts(auth: GcpAuthorization, principal: str) -> list[str]:
    """Collected service accounts at or below the principal's binding scopes (itself excluded)."""
    found: set[str] = set()
    for binding in auth.grants(principal):
        for account in auth.hierarchy.under(binding.scope, (SERVICE_ACCOUNT,)):
            node = auth.graph.node(account)
            # A disabled account mints no token and signs nothing until it is enabled again.
            if node is not None and node.cloud == "gcp" and account != principal and node.props.get("disabled") is not True:
                found.add(account)
    return sorted(found)


def _technique(access: Any, permission: str, technique: str, title: str) -> dict[str, Any] | None:
    if not access.holds(permission):
        return None
    conditional = permission not in access.allowed
    bindings = access.conditional[permission] if conditional else access.allowed[permission]
    return {
        "technique": technique, "title": title, "actions": [permission],
        "grants": [b.ref(None if conditional else True) for b in bindings],
        "conditional": conditional,
        "conditions": [dict(b.condition) for b in bindings if b.condition and conditional],
    }


def _sorted(techniques: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unconditional first, then the strongest technique, direct before delegated."""
    return sorted(techniques, key=lambda t: (t["conditional"], "via" in t, _RANK.get(t["technique"], 99)))


def _detail(techniques: list[dict[str, Any]]) -> dict[str, Any]:
    primary = techniques[0]
    detail: dict[str, Any] = {key: primary[key] for key in ("technique", "title", "actions", "grants", "conditional")}
    if primary["conditions"]:
        detail["conditions"] = primary["conditions"]
    if "via" in primary:
        detail["via"] = primary["via"]
    if primary["technique"] == "gcp-sa-get-openid-token":
        detail["id_token_only"] = True
    detail["techniques"] = [{k: t[k] for k in ("technique", "actions", "conditional") if k in t}
                            | ({"via": t["via"]} if "via" in t else {}) for t in techniques]
    return detail


ANALYZER = Analyzer(
    name="gcp_can_assume",
    run=run,
    after=("gcp_can_access",),
    description="GCP service-account impersonation (tokens, signing, keys, delegation) as can_assume",
)
