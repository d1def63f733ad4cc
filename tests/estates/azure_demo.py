"""The planted Azure estate: what ``fixtures/azure/arm/`` plants, and its collection for the demo.

The fake ARM server (``tests/providers/azure/fake_arm.py``) serves a tenant with a
prod subscription holding one misconfigured resource of each kind beside a clean
twin, a dev subscription and an empty sandbox. The expectations below say which
policy must report which resource (``fires=True``) and which twin it must leave
alone (``fires=False``):

- ``GRAPH_EXPECTATIONS``: facts Resource Graph rows carry, so a live scan and an
  ``az graph query`` export both decide them;
- ``DETAIL_EXPECTATIONS``: facts only per-service ARM calls give (SQL firewall
  rules and TDE, blob containers and versioning, Key Vault keys and secrets,
  diagnostic settings): a live scan decides them, an export leaves them unknown;
- ``AZURE_POLICY_EXPECTATIONS``: the same, for the Azure-specific pack
  (``policies/azure/``); each holds only where its policy file exists.

``collect_azure_demo()`` starts the fake on its own (no pytest), signs in at it as
a service principal and collects the estate with ``collect_azure``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.estates import Expect

DEMO_COLLECTED_AT = "2026-01-01T00:00:00Z"
TENANT = "aaaaaaaa-0000-4000-8000-000000000000"
DEMO_CLIENT_ID = "de300000-0000-4000-8000-0000000000de"
DEMO_CLIENT_SECRET = "demo-only~not-a-real-secret"  # the fake's own client: signs in nowhere else

BUCKET, FIREWALL, VM, DB = "storage.bucket", "network.firewall", "compute.instance", "database.instance"
USER, SP, NOTEBOOK, VAULT, AI = "identity.user", "identity.service_account", "ai.notebook", "kms.vault", "ai.service"
ALICE = "a11ce000-0000-4000-8000-000000000001"  # Owner of prod
BOB = "b0b00000-0000-4000-8000-000000000002"  # custom "VM Command Runner" on rg-prod-app
CAROL = "c4a11e00-0000-4000-8000-000000000003"  # Contributor of the (empty) sandbox
DAVE = "da7e0000-0000-4000-8000-00000000000f"  # Virtual Machine Contributor on vm-ops (identity: Owner)
ERIN = "e7140000-0000-4000-8000-000000000010"  # Virtual Machine Contributor on vm-app (no identity)
VM_WEB_IDENTITY = "vm-web (system-assigned identity)"  # Contributor of prod


def _pair(policy: str, kind: str, planted: str, twin: str) -> list[Expect]:
    return [Expect(policy, kind, planted, True), Expect(policy, kind, twin, False)]


GRAPH_EXPECTATIONS: list[Expect] = [
    # stprodopen: HTTPS not required, TLS 1.0 (stprodsecure: HTTPS only, TLS 1.2).
    *_pair("storage-tls-only", BUCKET, "stprodopen", "stprodsecure"),
    # nsg-web opens SSH to "*"; nsg-app denies 22 at priority 100 before its allow at 200 (shadowed);
    # nsg-api opens only 443. nsg-app-nic opens SSH to Internet on vm-app's NIC: the NSG itself is
    # open (reported), but the subnet's nsg-app closes it for vm-app (no exposure, see below).
    Expect("firewall-no-world-admin-ports", FIREWALL, "nsg-web", True),
    Expect("firewall-no-world-admin-ports", FIREWALL, "nsg-app-nic", True),
    Expect("firewall-no-world-admin-ports", FIREWALL, "nsg-app", False),
    Expect("firewall-no-world-admin-ports", FIREWALL, "nsg-api", False),
    # vm-web: public IP pip-web behind nsg-web. vm-app: public IP, but both NSG levels must allow
    # and they never agree. vm-api: only behind the load balancer lb-web; vm-ops: no public IP.
    Expect("instance-public-ip-behind-world-open-firewall", VM, "vm-web", True),
    Expect("instance-public-ip-behind-world-open-firewall", VM, "vm-app", False),
    Expect("instance-public-ip-behind-world-open-firewall", VM, "vm-api", False),
    Expect("instance-public-ip-behind-world-open-firewall", VM, "vm-ops", False),
    # internet -> pip-web -> nsg-web -> vm-web -runs_as-> id-web -can_access (Storage Blob Data
    # Contributor)-> stprodsecure. vm-api is reachable through lb-web but its identity only reads;
    # vm-app is not reachable; vm-ops runs as Owner but is not reachable.
    Expect("exposed-workload-can-write-data", VM, "vm-web", True),
    Expect("exposed-workload-can-write-data", VM, "vm-api", False),
    Expect("exposed-workload-can-write-data", VM, "vm-app", False),
    Expect("exposed-workload-can-write-data", VM, "vm-ops", False),
    # vm-ops runs as an identity that is Owner of prod. Dave may run commands on vm-ops (Virtual
    # Machine Contributor); vm-web's identity (Contributor of prod) may too; Bob may run commands on
    # vm-web, so he takes its identity, then vm-ops'. Erin's VM (vm-app) has no identity; id-web and
    # vm-api's identity only touch blobs; Carol's sandbox has no VM.
    Expect("principal-can-escalate-to-admin", USER, DAVE, True),
    Expect("principal-can-escalate-to-admin", USER, BOB, True),
    Expect("principal-can-escalate-to-admin", SP, VM_WEB_IDENTITY, True),
    Expect("principal-can-escalate-to-admin", USER, ERIN, False),
    Expect("principal-can-escalate-to-admin", USER, CAROL, False),
    Expect("principal-can-escalate-to-admin", SP, "id-web", False),
    Expect("principal-can-escalate-to-admin", SP, "vm-api (system-assigned identity)", False),
    # Alice holds Owner directly; Bob's custom role is not admin-equivalent.
    Expect("principal-no-admin-policy", USER, ALICE, True),
    Expect("principal-no-admin-policy", USER, BOB, False),
    # Every user here holds a role directly (Azure RBAC to users, not to groups).
    *[Expect("user-no-direct-policies", USER, user, True) for user in (ALICE, BOB, CAROL, DAVE, ERIN)],
    # ML compute instance ci-open: public IP, root, SSH; ci-private: in a subnet, none of them.
    *_pair("ai-notebook-no-direct-internet", NOTEBOOK, "ci-open", "ci-private"),
    *_pair("ai-notebook-no-root-access", NOTEBOOK, "ci-open", "ci-private"),
    Expect("ai-notebook-exposed-with-privileged-role", NOTEBOOK, "ci-open", False),  # exposed, no identity
]

DETAIL_EXPECTATIONS: list[Expect] = [
    # A blob container with public access "container" (stprodsecure forbids public access).
    *_pair("storage-not-public-by-acl", BUCKET, "stprodopen", "stprodsecure"),
    # blobServices/default: versioning off vs on.
    *_pair("storage-versioning-enabled", BUCKET, "stprodopen", "stprodsecure"),
    # sql-prod-open: firewall rule 0.0.0.0-255.255.255.255 and TDE off; sql-prod-secure: public
    # network access disabled, TDE on.
    *_pair("database-not-public", DB, "sql-prod-open", "sql-prod-secure"),
    *_pair("database-encrypted", DB, "sql-prod-open", "sql-prod-secure"),
]

AZURE_POLICY_EXPECTATIONS: list[Expect] = [
    *_pair("azure-storage-blob-public-access-disabled", BUCKET, "stprodopen", "stprodsecure"),
    *_pair("azure-storage-min-tls-12", BUCKET, "stprodopen", "stprodsecure"),
    *_pair("azure-storage-default-network-deny", BUCKET, "stprodopen", "stprodsecure"),
    *_pair("azure-storage-shared-key-disabled", BUCKET, "stprodopen", "stprodsecure"),
    *_pair("azure-keyvault-purge-protection", VAULT, "kv-prod-open", "kv-prod-secure"),
    *_pair("azure-keyvault-not-public", VAULT, "kv-prod-open", "kv-prod-secure"),
    *_pair("azure-keyvault-rbac-authorization", VAULT, "kv-prod-open", "kv-prod-secure"),
    *_pair("azure-openai-not-public", AI, "oai-prod-open", "oai-prod-secure"),
    *_pair("azure-openai-local-auth-disabled", AI, "oai-prod-open", "oai-prod-secure"),
    *_pair("azure-openai-cmk", AI, "oai-prod-open", "oai-prod-secure"),
    *_pair("azure-ml-compute-ssh-disabled", NOTEBOOK, "ci-open", "ci-private"),
    *_pair("azure-vm-managed-identity-not-owner", VM, "vm-ops", "vm-web"),
]

AZURE_POLICY_DETAIL_EXPECTATIONS: list[Expect] = [
    *_pair("azure-sql-no-world-firewall", DB, "sql-prod-open", "sql-prod-secure"),
    *_pair("azure-sql-auditing", DB, "sql-prod-open", "sql-prod-secure"),
    *_pair("azure-activity-log-exported", "account", "dev", "prod"),
    *_pair("azure-keyvault-key-expiry", "kms.key", "key-app", "key-cmk"),
    *_pair("azure-keyvault-secret-expiry", "secret", "db-password", "api-token"),
]


def expectations() -> list[Expect]:
    """Every expectation of the cross-cloud pack on the planted estate (live scan)."""
    return [*GRAPH_EXPECTATIONS, *DETAIL_EXPECTATIONS]


def collect_azure_demo() -> Any:
    """Start the fake, sign in at it as a service principal, collect the planted estate (fixed time)."""
    from azure.identity import ClientSecretCredential
    from cloudwarden.providers.azure.collector import collect_azure
    from cloudwarden.providers.azure.scope import AzureScope

    from tests.providers.azure.fake_arm import FakeArm

    fake = FakeArm().start()
    try:
        fake.register_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        # A private authority: msal must not ask login.microsoftonline.com about it.
        credential = ClientSecretCredential(TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, authority=fake.endpoint,
                                            disable_instance_discovery=True, connection_verify=fake.ca_path)
        try:
            scope = AzureScope(endpoint=fake.endpoint, ca_bundle=fake.ca_path, retry_total=0, max_workers=4)
            snapshot = collect_azure(scope, "demo", credential=credential)
        finally:
            credential.close()
    finally:
        fake.stop()
    snapshot.collected_at = DEMO_COLLECTED_AT
    return snapshot


def policy_file(policy_id: str) -> Path | None:
    """The built-in pack's file for a policy id (files are named after their id), or None."""
    return next(iter(sorted((ROOT / "policies").rglob(f"{policy_id}.yaml"))), None)
