"""The cross-cloud policy pack on the planted estate: every planted issue found, no clean twin flagged."""

from __future__ import annotations

import pytest
from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.policy import builtin_policy_dir, load_policies

from tests.providers.gcp.normalize.conftest import COMPUTE, View

BUCKET = "//storage.googleapis.com/"
SQL = "//cloudsql.googleapis.com/projects/acme-prod/instances/"
NB = "//notebooks.googleapis.com/projects/acme-prod/locations/us-central1-a/instances/"
FW = COMPUTE + "/global/firewalls/"
VM = COMPUTE + "/zones/us-central1-a/instances/"
FN = "//cloudfunctions.googleapis.com/projects/acme-prod/locations/us-central1/functions/public-fn"
RUN = "//run.googleapis.com/projects/acme-prod/locations/us-central1/services/private-svc"

PLANTED = [
    ("storage-not-public-by-policy", BUCKET + "acme-public-assets"),
    ("storage-not-public-by-acl", BUCKET + "acme-legacy-public"),
    ("firewall-no-world-admin-ports", FW + "allow-ssh-web"),
    ("instance-public-ip-behind-world-open-firewall", VM + "web-1"),
    ("database-not-public", SQL + "acme-sql-public"),
    ("database-backups-enabled", SQL + "acme-sql-public"),
    ("ai-notebook-no-direct-internet", NB + "acme-notebook-public"),
    ("ai-notebook-encrypted-with-cmk", NB + "acme-notebook-public"),
    ("function-not-public", FN),
]
CLEAN = [
    ("storage-not-public-by-policy", BUCKET + "acme-data"),
    ("storage-not-public-by-acl", BUCKET + "acme-legacy"),
    ("firewall-no-world-admin-ports", FW + "allow-ssh-legacy"),
    ("firewall-no-world-admin-ports", FW + "allow-ssh-bastion"),
    ("instance-public-ip-behind-world-open-firewall", VM + "bastion-1"),
    ("instance-public-ip-behind-world-open-firewall", VM + "internal-1"),
    ("database-not-public", SQL + "acme-sql-private"),
    ("database-backups-enabled", SQL + "acme-sql-private"),
    ("ai-notebook-no-direct-internet", NB + "acme-notebook-private"),
    ("ai-notebook-encrypted-with-cmk", NB + "acme-notebook-private"),
    ("function-not-public", RUN),
    ("storage-encrypted-with-cmk", BUCKET + "acme-data"),
]


@pytest.fixture(scope="module")
def outcome(estate: View):
    backend = get_backend()
    policies, problems = load_policies([builtin_policy_dir()], backend)
    assert problems == []
    result = evaluate(estate.snapshot, [p for p in policies if not p.uses_graph], backend)
    found = {(f.policy, f.resource.id) for f in result.findings}
    undetermined = {(u.policy, u.resource) for u in result.undetermined}
    return found, undetermined


@pytest.mark.parametrize(("policy", "resource"), PLANTED)
def test_a_planted_issue_is_found(outcome, policy: str, resource: str) -> None:
    assert (policy, resource) in outcome[0]


@pytest.mark.parametrize(("policy", "resource"), CLEAN)
def test_a_clean_twin_passes(outcome, policy: str, resource: str) -> None:
    assert (policy, resource) not in outcome[0] and (policy, resource) not in outcome[1]
