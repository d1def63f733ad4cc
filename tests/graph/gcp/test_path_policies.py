"""The cross-cloud path policies fire on GCP graphs unchanged, with their paths explained hop by hop."""

from __future__ import annotations

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.policy import builtin_policy_dir, load_policies
from cloudwarden.graph.model import INTERNET_ID

from tests.graph.gcp.estate import PROJECT, GcpEstate


def _findings(estate: GcpEstate, policy_id: str) -> dict[str, list[tuple[str, str, str]]]:
    backend = get_backend()
    policies, problems = load_policies([builtin_policy_dir() / "paths"], backend)
    assert problems == []
    graph = estate.graph()
    result = evaluate(graph.snapshot, [p for p in policies if p.id == policy_id], backend, graph=graph)
    return {f.resource["id"] if isinstance(f.resource, dict) else f.resource.id:
            [(h.from_, h.to, h.edge) for h in f.path] for f in result.findings}


def test_an_exposed_instance_whose_account_writes_a_bucket_is_a_finding_and_its_private_twin_is_not() -> None:
    estate = GcpEstate()
    app = estate.service_account("app")
    bucket = estate.bucket("orders")
    estate.bind(app, "roles/storage.objectAdmin", bucket)
    network = estate.network()
    estate.firewall("allow-http", network, ports=[(80, 80)])
    exposed = estate.instance("web", public_ips=["34.1.2.3"], network=network, service_account=app)
    estate.instance("worker", public_ips=[], network=network, service_account=app)
    found = _findings(estate, "exposed-workload-can-write-data")
    assert list(found) == [exposed]
    assert found[exposed] == [(INTERNET_ID, exposed, "reaches"), (exposed, app, "runs_as"), (app, bucket, "can_access")]


def test_a_service_account_that_can_impersonate_an_owner_is_an_escalation_finding() -> None:
    estate = GcpEstate()
    deployer = estate.service_account("deployer")
    ci = estate.service_account("ci")
    estate.bind(deployer, "roles/owner", PROJECT)
    estate.bind(ci, "roles/iam.serviceAccountTokenCreator", deployer)
    found = _findings(estate, "principal-can-escalate-to-admin")
    assert found == {ci: [(ci, deployer, "can_assume")]}
