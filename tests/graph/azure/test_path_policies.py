"""The built-in path policies fire on Azure edges unchanged (exposure + identity, escalation to admin)."""

from __future__ import annotations

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.policy import builtin_policy_dir, load_policies

from tests.graph.azure.estate import (
    CONTRIBUTOR,
    OWNER,
    RG,
    SUB,
    USER_ACCESS_ADMIN,
    VM_CONTRIBUTOR,
    AzureEstate,
)
from tests.graph.azure.network import Network, rule


def _findings(estate: AzureEstate) -> dict[tuple[str, str], dict]:
    backend = get_backend()
    policies, problems = load_policies([builtin_policy_dir() / "paths"], backend)
    assert not problems
    result = evaluate(estate.snapshot(), policies, backend, graph=estate.graph())
    return {(f.policy, f.resource.id): f for f in result.findings}


def test_exposed_vm_running_as_a_data_writer_and_escalating_principals_are_findings() -> None:
    estate = AzureEstate()
    identity = estate.identity("mi-web")
    estate.assign(identity, CONTRIBUTOR, SUB)
    estate.storage("stdata", public_network_access="Disabled")
    vm = Network(estate).exposed_vm("vm-web", rule(100, "allow", [(443, 443)], ["Internet"]), identity=identity)
    admin_identity = estate.identity("mi-admin")
    estate.assign(admin_identity, OWNER, SUB)
    estate.vm("vm-build", identity=admin_identity)
    operator = estate.user("oscar")
    estate.assign(operator, VM_CONTRIBUTOR, RG)
    uaa = estate.user("uma")
    estate.assign(uaa, USER_ACCESS_ADMIN, SUB)

    findings = _findings(estate)
    exposed = findings[("exposed-workload-can-write-data", vm)]
    assert [hop.edge for hop in exposed.path] == ["reaches", "runs_as", "can_access"]
    escalation = findings[("principal-can-escalate-to-admin", operator)]
    assert escalation.evidence["techniques"] == ["azure-vm-run-command"]
    assert ("principal-can-escalate-to-admin", uaa) in findings
    assert ("principal-can-escalate-to-admin", admin_identity) not in findings
