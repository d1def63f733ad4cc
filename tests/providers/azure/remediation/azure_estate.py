"""The Azure remediation test estate: resource ids, a JWT-issuing credential, findings, and engine runs.

The estate itself is data (fixtures/azure/remediation/estate.json): a storage
account with every setting wrong and one with every setting right, an NSG
with world-open and narrower rules beside its six default rules, a key vault
without purge protection and an old one with soft delete off.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from cloudwarden.engine.findings import Finding, ResourceRef
from cloudwarden.engine.remediation.apply import apply_fixes
from cloudwarden.engine.remediation.audit import AuditLog
from cloudwarden.engine.remediation.plan import Fix, plan_fixes, select
from cloudwarden.providers.remediation import Session

ESTATE = Path(__file__).resolve().parents[4] / "fixtures" / "azure" / "remediation" / "estate.json"
SUBSCRIPTION = "11111111-1111-4111-8111-111111111111"
RG = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/prod-rg"
ACCOUNT = f"{RG}/providers/microsoft.storage/storageaccounts/proddata"
MODERN_ACCOUNT = f"{RG}/providers/microsoft.storage/storageaccounts/modernlogs"
NSG = f"{RG}/providers/microsoft.network/networksecuritygroups/web-nsg"
VAULT = f"{RG}/providers/microsoft.keyvault/vaults/prod-secrets"
LEGACY_VAULT = f"{RG}/providers/microsoft.keyvault/vaults/legacy-vault"
OPERATOR_OID = "0f0e0d0c-0000-4000-8000-00000000beef"
KINDS = {"storageaccounts": "storage.bucket", "networksecuritygroups": "network.firewall", "vaults": "kms.vault"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class JwtCredential:
    """A token credential whose (unsigned) JWT names an object id, as Entra tokens do."""

    oid: str | None = OPERATOR_OID
    scopes: list[str] = field(default_factory=list)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token for any scope, valid for an hour."""
        self.scopes.extend(scopes)
        claims = {"aud": "https://management.azure.com", "tid": "aaaaaaaa-0000-4000-8000-000000000000"}
        if self.oid:
            claims["oid"] = self.oid
        return AccessToken(f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.sig", int(time.time()) + 3600)


def azure_finding(policy: str, resource: str) -> Finding:
    """A finding of ``policy`` on an estate resource (lower-cased ARM id, as the normalizer writes it)."""
    kind = KINDS[resource.split("/")[-2]]
    return Finding(id=f"fp-{policy}-{resource.rsplit('/', 1)[-1]}", policy=policy, title=policy, severity="high",
                   categories=[], message="m",
                   resource=ResourceRef(id=resource, kind=kind, cloud="azure", account=SUBSCRIPTION,
                                        region="westeurope", name=resource.rsplit("/", 1)[-1]))


def plan(findings: list[Finding], session_for: Callable[[str], Session]) -> list[Fix]:
    """The engine's plan for these findings."""
    return plan_fixes(select(findings, [], []), session_for)


def apply(findings: list[Finding], session_for: Callable[[str], Session], audit_path: Path) -> list[Fix]:
    """Plan and apply through the engine, auditing to ``audit_path``."""
    fixes = plan(findings, session_for)
    audit = AuditLog(audit_path)
    try:
        return apply_fixes(fixes, session_for, audit)
    finally:
        audit.close()
