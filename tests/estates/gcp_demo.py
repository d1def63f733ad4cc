"""The planted GCP estate: what ``fixtures/gcp/api/planted/`` plants, and its collection for the demo.

The fake (``tests/providers/gcp/fake_gcp.py``) serves an organization with a
``production`` folder holding ``acme-prod`` (one misconfiguration of each kind beside
a clean twin) and ``acme-denied`` (Asset Inventory denied), plus ``acme-disabled``
directly under the organization (Asset Inventory API not enabled). The
expectations say which policy must report which resource (``fires=True``) and
which twin it must leave alone (``fires=False``):

- ``CROSS_CLOUD_EXPECTATIONS``: the cross-cloud pack, decided by a live scan and by
  an offline Cloud Asset Inventory export alike;
- ``GCP_POLICY_EXPECTATIONS``: the GCP pack (``policies/gcp/``), each holding only
  where its policy file exists (that pack is written separately).

``collect_gcp_demo()`` starts the fake on its own (no pytest), signs in at it with a
service-account key whose token endpoint is the fake, and collects ``acme-prod``
with ``collect_gcp``: the same snapshot on every run.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.estates import Expect

DEMO_COLLECTED_AT = "2026-01-01T00:00:00Z"
DEMO_NOW = datetime(2026, 1, 1, tzinfo=UTC)  # key ages are measured at the collection time, not today
PROJECT = "acme-prod"
PROJECT_NODE = "//cloudresourcemanager.googleapis.com/projects/300000000001"
FOLDER_NODE = "//cloudresourcemanager.googleapis.com/folders/200000000001"
SA = "//iam.googleapis.com/projects/acme-prod/serviceAccounts/"
WEB_SA, DEPLOYER = SA + "110000000000000000001", SA + "110000000000000000002"
COMPUTE_SA, REPORTING = SA + "110000000000000000003", SA + "110000000000000000004"
INSTANCES = "//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/instances/"
WEB_1 = INSTANCES + "web-1"
BUCKETS = "//storage.googleapis.com/"
MALLORY, CAROL = "user:mallory@acme.example", "user:carol@acme.example"
DATA_READERS = "group:data-readers@acme.example"  # roles/storage.objectViewer on the folder only

BUCKET, FIREWALL, VM, DB, KEY = "storage.bucket", "network.firewall", "compute.instance", "database.instance", "kms.key"
USER, SERVICE_ACCOUNT, NOTEBOOK = "identity.user", "identity.service_account", "ai.notebook"


def _pair(policy: str, kind: str, planted: str, *twins: str) -> list[Expect]:
    return [Expect(policy, kind, planted, True), *(Expect(policy, kind, twin, False) for twin in twins)]


CROSS_CLOUD_EXPECTATIONS: list[Expect] = [
    # acme-prod-public grants roles/storage.objectViewer to allUsers; acme-prod-acl-public (uniform
    # access off) names allUsers in its bucket and default object ACLs; acme-prod-legacy-acl's ACL
    # names only the project teams; acme-prod-private enforces public access prevention.
    *_pair("storage-not-public-by-policy", BUCKET, "acme-prod-public", "acme-prod-private", "acme-prod-acl-public"),
    *_pair("storage-not-public-by-acl", BUCKET, "acme-prod-acl-public", "acme-prod-legacy-acl", "acme-prod-private"),
    *_pair("storage-versioning-enabled", BUCKET, "acme-prod-public", "acme-prod-private"),
    Expect("storage-versioning-enabled", BUCKET, "acme-prod-legacy-acl", True),
    Expect("storage-versioning-enabled", BUCKET, "acme-prod-acl-public", True),
    # tcp:22 from 0.0.0.0/0 on the ssh-bastion tag; its twin is disabled; allow-rdp-from-anywhere is
    # shadowed by deny-rdp-from-anywhere (priority 900 < 1000); allow-ssh-from-corp takes 10.0.0.0/8.
    *_pair("firewall-no-world-admin-ports", FIREWALL, "allow-ssh-from-anywhere", "allow-ssh-from-anywhere-disabled",
           "allow-rdp-from-anywhere", "allow-ssh-from-corp", "deny-rdp-from-anywhere"),
    # web-1: external IP, tag ssh-bastion, runs as web-app (roles/storage.admin on the project).
    # batch-1: external IP, no rule opens anything to the world. internal-1: no external IP.
    *_pair("instance-public-ip-behind-world-open-firewall", VM, "web-1", "batch-1", "internal-1"),
    *_pair("exposed-workload-can-write-data", VM, "web-1", "batch-1", "internal-1"),
    # research-nb: Workbench with a public IP, root access, Google-managed disk key, running as the
    # Compute Engine default account (roles/editor). secure-nb: none of these.
    *_pair("ai-notebook-no-direct-internet", NOTEBOOK, "research-nb", "secure-nb"),
    *_pair("ai-notebook-no-root-access", NOTEBOOK, "research-nb", "secure-nb"),
    *_pair("ai-notebook-encrypted-with-cmk", NOTEBOOK, "research-nb", "secure-nb"),
    *_pair("ai-notebook-exposed-with-privileged-role", NOTEBOOK, "research-nb", "secure-nb"),
    *_pair("exposed-workload-can-write-data", NOTEBOOK, "research-nb", "secure-nb"),
    # prod-db: public IP with authorized network 0.0.0.0/0; private-db: private IP only.
    *_pair("database-not-public", DB, "prod-db", "private-db"),
    # static-key: no rotation period; rotated-key: every 90 days.
    *_pair("kms-key-rotation-enabled", KEY, "static-key", "rotated-key"),
    # mallory holds Token Creator on deployer (roles/owner of the project): impersonation to admin.
    # carol holds Token Creator on reporting, which holds no role. admin@ is organizationAdmin
    # (setIamPolicy on the hierarchy); the Compute Engine default account is Editor (actAs + create VM).
    *_pair("principal-can-escalate-to-admin", USER, "mallory@acme.example", "carol@acme.example"),
    Expect("principal-can-escalate-to-admin", USER, "admin@acme.example", True),
    Expect("principal-can-escalate-to-admin", SERVICE_ACCOUNT, "300000000001-compute@developer.gserviceaccount.com",
           True),
    Expect("principal-can-escalate-to-admin", SERVICE_ACCOUNT, "web-app@acme-prod.iam.gserviceaccount.com", False),
    Expect("principal-can-escalate-to-admin", SERVICE_ACCOUNT, "reporting@acme-prod.iam.gserviceaccount.com", False),
    # owner@ holds roles/owner directly; mallory's only role is on one service account.
    *_pair("principal-no-admin-policy", USER, "owner@acme.example", "mallory@acme.example"),
    # Every user here holds its roles directly (GCP binds users, not only groups).
    *[Expect("user-no-direct-policies", USER, f"{u}@acme.example", True) for u in ("admin", "carol", "mallory", "owner")],
]

GCP_POLICY_EXPECTATIONS: list[Expect] = [
    *_pair("gcp-storage-uniform-access", BUCKET, "acme-prod-legacy-acl", "acme-prod-private", "acme-prod-public"),
    Expect("gcp-storage-uniform-access", BUCKET, "acme-prod-acl-public", True),
    *_pair("gcp-storage-public-access-prevention", BUCKET, "acme-prod-public", "acme-prod-private"),
    Expect("gcp-storage-public-access-prevention", BUCKET, "acme-prod-acl-public", True),
    *_pair("gcp-instance-no-public-ip", VM, "web-1", "internal-1"),
    Expect("gcp-instance-no-public-ip", VM, "batch-1", True),
    *_pair("gcp-instance-os-login", VM, "web-1", "internal-1", "batch-1"),
    *_pair("gcp-instance-block-project-ssh-keys", VM, "web-1", "batch-1"),
    Expect("gcp-instance-default-sa-no-full-scope", VM, "web-1", False),  # cloud-platform, but its own account
    *_pair("gcp-sql-no-public-ip", DB, "prod-db", "private-db"),
    *_pair("gcp-sql-ssl-required", DB, "prod-db", "private-db"),
    Expect("gcp-kms-rotation-90-days", KEY, "rotated-key", False),
    # deployer has a user-managed key created in February 2021; web-app only a Google-managed one.
    *_pair("gcp-sa-keys-rotated", SERVICE_ACCOUNT, "deployer@acme-prod.iam.gserviceaccount.com",
           "web-app@acme-prod.iam.gserviceaccount.com"),
    *_pair("gcp-sa-no-user-managed-keys", SERVICE_ACCOUNT, "deployer@acme-prod.iam.gserviceaccount.com",
           "web-app@acme-prod.iam.gserviceaccount.com"),
    *_pair("gcp-sa-no-admin-roles", SERVICE_ACCOUNT, "deployer@acme-prod.iam.gserviceaccount.com",
           "reporting@acme-prod.iam.gserviceaccount.com"),
    Expect("gcp-no-project-level-sa-user", USER, "mallory@acme.example", False),  # Token Creator on one account
    Expect("gcp-network-no-default", "network.vpc", "prod-vpc", False),
    Expect("gcp-audit-logging", "account", "acme-prod", False),
]


def expectations() -> list[Expect]:
    """Every expectation of the cross-cloud pack on the planted project."""
    return list(CROSS_CLOUD_EXPECTATIONS)


def policy_file(policy_id: str) -> Path | None:
    """The built-in pack's file for a policy id (files are named after their id), or None."""
    return next(iter(sorted((ROOT / "policies").rglob(f"{policy_id}.yaml"))), None)


def collect_gcp_demo() -> Any:
    """Start the fake, sign in at it with a service-account key, collect ``acme-prod`` (fixed time)."""
    from cloudwarden.providers.gcp.collector import collect_gcp
    from cloudwarden.providers.gcp.scope import GcpScope

    from tests.providers.gcp.fake_gcp import FakeGcp, service_account_key

    fake = FakeGcp().start()
    try:
        fake.load("planted")
        with tempfile.TemporaryDirectory(prefix="cloudwarden-gcp-demo-") as folder:
            key = Path(folder) / "demo-key.json"
            key.write_text(json.dumps(service_account_key(f"{fake.endpoint}/token")))
            key.chmod(0o600)
            scope = GcpScope(projects=[PROJECT], key_file=str(key), endpoint=fake.endpoint, max_workers=4)
            snapshot = collect_gcp(scope, "demo", now=DEMO_NOW)
    finally:
        fake.stop()
    snapshot.collected_at = DEMO_COLLECTED_AT
    return snapshot
