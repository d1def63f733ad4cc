"""The GCP remediation test estate: asset ids, a credential with an email, findings, and engine runs.

The estate itself is data (fixtures/gcp/remediation/estate.json): a public
bucket (IAM grants to allUsers/allAuthenticatedUsers beside other members, one
conditional), a private compliant bucket and an old public one; firewall rules
open to the world on SSH, RDP over IPv6, every port and Postgres, beside
narrower, harmless and already disabled ones; symmetric keys without rotation,
with a yearly and a 90-day rotation, and an asymmetric signing key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudwarden.engine.findings import Finding, ResourceRef
from cloudwarden.engine.remediation.apply import apply_fixes
from cloudwarden.engine.remediation.audit import AuditLog
from cloudwarden.engine.remediation.plan import Fix, plan_fixes, select
from cloudwarden.providers.remediation import Session
from google.auth import credentials as ga_credentials

ESTATE = Path(__file__).resolve().parents[4] / "fixtures" / "gcp" / "remediation" / "estate.json"
PROJECT = "acme-prod"
OPERATOR = "remediator@acme-ops.iam.gserviceaccount.com"
PUBLIC_BUCKET = "//storage.googleapis.com/acme-public-assets"
PRIVATE_BUCKET = "//storage.googleapis.com/acme-private"
OLD_BUCKET = "//storage.googleapis.com/acme-logs"
KEY_RING = f"//cloudkms.googleapis.com/projects/{PROJECT}/locations/global/keyRings/app"
KINDS = {"storage": "storage.bucket", "compute": "network.firewall", "cloudkms": "kms.key"}


def firewall(name: str) -> str:
    """The asset id of a firewall rule of the estate."""
    return f"//compute.googleapis.com/projects/{PROJECT}/global/firewalls/{name}"


def key(name: str) -> str:
    """The asset id of a crypto key of the estate."""
    return f"{KEY_RING}/cryptoKeys/{name}"


class ServiceAccountToken(ga_credentials.Credentials):
    """Credentials of a service account with a static bearer token (no token endpoint involved)."""

    def __init__(self, email: str = OPERATOR) -> None:
        super().__init__()
        self.service_account_email = email
        self.token = "static-test-token"
        self.expiry = None

    def refresh(self, request: Any) -> None:
        """Nothing to refresh: the token never expires."""
        self.token = "static-test-token"


def gcp_finding(policy: str, resource: str) -> Finding:
    """A finding of ``policy`` on an estate resource (its Cloud Asset Inventory name)."""
    kind = KINDS[resource.split("//", 1)[1].split(".", 1)[0]]
    return Finding(id=f"fp-{policy}-{resource.rsplit('/', 1)[-1]}", policy=policy, title=policy, severity="high",
                   categories=[], message="m",
                   resource=ResourceRef(id=resource, kind=kind, cloud="gcp", account=PROJECT, region="global",
                                        name=resource.rsplit("/", 1)[-1]))


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
