"""GCP can_assume (service-account impersonation) and can_escalate (privilege escalation techniques)."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.escalation.chains import escalation_chains
from cloudwarden.graph.estate import EstateGraph

from tests.graph.gcp.estate import ORG, PROJECT, GcpEstate

TOM = "user:tom@example.com"


def _estate_with_owner_sa() -> tuple[GcpEstate, str]:
    estate = GcpEstate()
    deployer = estate.service_account("deployer")
    estate.bind(deployer, "roles/owner", PROJECT)
    return estate, deployer


def _escalations(graph: EstateGraph, source: str) -> dict[str, dict]:
    return {e.target: e.detail for e in graph.out_edges(source, "can_escalate")}


def test_token_creator_on_an_owner_service_account_can_assume_it() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/iam.serviceAccountTokenCreator", deployer)
    detail = estate.graph().edge(TOM, deployer, "can_assume").detail
    assert detail["technique"] == "gcp-sa-get-access-token"
    assert detail["actions"] == ["iam.serviceAccounts.getAccessToken"]
    assert detail["grants"] == [{"role": "roles/iam.serviceAccountTokenCreator", "scope": deployer, "member": TOM}]
    assert detail["conditional"] is False


def test_the_assumed_owner_service_account_is_admin() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/iam.serviceAccountTokenCreator", deployer)
    queries = GraphQueries(estate.graph())
    assert queries.is_admin(deployer) and not queries.is_admin(TOM)


def test_token_creator_on_an_owner_service_account_chains_to_admin() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/iam.serviceAccountTokenCreator", deployer)
    chains = escalation_chains(estate.graph(), TOM)
    assert [(e.source, e.target, e.kind) for e in chains[0]] == [(TOM, deployer, "can_assume")]


def test_service_account_user_alone_is_not_impersonation() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/iam.serviceAccountUser", deployer)
    graph = estate.graph()
    assert graph.edge(TOM, deployer, "can_assume") is None
    assert _escalations(graph, TOM) == {}


def test_a_disabled_service_account_cannot_be_impersonated() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.nodes[deployer].props["disabled"] = True
    estate.bind(TOM, "roles/iam.serviceAccountTokenCreator", deployer)
    assert estate.graph().edge(TOM, deployer, "can_assume") is None


def test_implicit_delegation_reaches_what_the_intermediate_account_can_mint() -> None:
    estate, deployer = _estate_with_owner_sa()
    middle = estate.service_account("middle")
    estate.bind(middle, "roles/iam.serviceAccountTokenCreator", deployer)
    estate.bind(TOM, "roles/iam.serviceAccountTokenCreator", middle)
    detail = estate.graph().edge(TOM, deployer, "can_assume").detail
    assert detail["technique"] == "gcp-sa-implicit-delegation" and detail["via"] == middle


def test_set_iam_policy_on_the_project_escalates_to_admin_of_the_project() -> None:
    estate = GcpEstate()
    estate.bind(TOM, "roles/resourcemanager.projectIamAdmin", PROJECT)
    detail = _escalations(estate.graph(), TOM)[PROJECT]
    assert detail["technique"] == "gcp-set-project-iam-policy" and detail["to"] == "admin"
    assert detail["actions"] == ["resourcemanager.projects.setIamPolicy"]


def test_a_project_iam_admin_granted_on_the_organization_escalates_on_every_project() -> None:
    estate = GcpEstate()
    estate.bind(TOM, "roles/resourcemanager.projectIamAdmin", ORG)
    assert PROJECT in _escalations(estate.graph(), TOM)


def test_act_as_and_instance_creation_escalate_to_the_service_account() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/iam.serviceAccountUser", deployer)
    estate.bind(TOM, "roles/compute.instanceAdmin.v1", PROJECT)
    detail = _escalations(estate.graph(), TOM)[deployer]
    assert detail["technique"] == "gcp-compute-instance-create" and detail["to"] == deployer
    assert detail["actions"] == ["iam.serviceAccounts.actAs", "compute.instances.create"]
    assert detail["conditional"] is False and detail["title"]


def test_instance_creation_without_act_as_escalates_nowhere() -> None:
    estate, _ = _estate_with_owner_sa()
    estate.bind(TOM, "roles/compute.instanceAdmin.v1", PROJECT)
    assert _escalations(estate.graph(), TOM) == {}


def test_an_editor_escalates_to_the_project_service_accounts_that_hold_more() -> None:
    # roles/editor holds iam.serviceAccounts.actAs and compute.instances.create on the project, and
    # iam.serviceAccountKeys.create: it becomes any service account of the project (here an owner).
    estate, deployer = _estate_with_owner_sa()
    estate.bind(TOM, "roles/editor", PROJECT)
    graph = estate.graph()
    assert "gcp-compute-instance-create" in [t["technique"] for t in _escalations(graph, TOM)[deployer]["techniques"]]
    assert graph.edge(TOM, deployer, "can_assume").detail["technique"] == "gcp-sa-key-create"


def test_no_escalation_to_an_account_that_holds_nothing_more() -> None:
    estate = GcpEstate()
    idle = estate.service_account("idle")
    estate.bind(idle, "roles/viewer", PROJECT)
    estate.bind(TOM, "roles/editor", PROJECT)
    assert idle not in _escalations(estate.graph(), TOM)


def test_set_iam_policy_on_a_service_account_escalates_to_it() -> None:
    estate, deployer = _estate_with_owner_sa()
    estate.role("roles/iam.serviceAccountAdmin", ["iam.serviceAccounts.get", "iam.serviceAccounts.setIamPolicy"])
    estate.bind(TOM, "roles/iam.serviceAccountAdmin", deployer)
    assert _escalations(estate.graph(), TOM)[deployer]["technique"] == "gcp-sa-set-iam-policy"


def test_updating_a_custom_role_held_on_the_project_escalates_to_admin() -> None:
    estate = GcpEstate()
    custom = "projects/shop-prod/roles/deployer"
    estate.role(custom, ["iam.roles.update", "storage.buckets.get"])
    estate.bind(TOM, custom, PROJECT)
    detail = _escalations(estate.graph(), TOM)[PROJECT]
    assert detail["technique"] == "gcp-update-custom-role" and detail["to"] == "admin" and detail["via"] == custom


def test_cloud_build_runs_as_the_legacy_cloud_build_account() -> None:
    estate = GcpEstate()
    agent = "serviceAccount:555000111@cloudbuild.gserviceaccount.com"
    estate.add(agent, "identity.service_account", agent, reference=True,
               props={"email": "555000111@cloudbuild.gserviceaccount.com"})
    estate.bind(agent, "roles/editor", PROJECT)
    estate.role("roles/cloudbuild.builds.editor", ["cloudbuild.builds.create", "cloudbuild.builds.get"])
    estate.bind(TOM, "roles/cloudbuild.builds.editor", PROJECT)
    assert _escalations(estate.graph(), TOM)[agent]["technique"] == "gcp-cloudbuild-default-sa"


def test_metadata_of_an_instance_running_as_an_account_escalates_with_act_as() -> None:
    estate, deployer = _estate_with_owner_sa()
    vm = estate.instance("batch", service_account=deployer)
    estate.role("roles/custom.metadata", ["compute.instances.setMetadata"])
    estate.bind(TOM, "roles/custom.metadata", vm)
    estate.bind(TOM, "roles/iam.serviceAccountUser", deployer)
    detail = _escalations(estate.graph(), TOM)[deployer]
    assert {"gcp-compute-set-metadata"} <= {t["technique"] for t in detail["techniques"]}


def test_an_owner_has_no_escalation_edges() -> None:
    estate, _ = _estate_with_owner_sa()
    estate.bind(TOM, "roles/owner", PROJECT)
    assert _escalations(estate.graph(), TOM) == {}


def test_a_conditional_grant_makes_the_escalation_conditional() -> None:
    estate = GcpEstate()
    estate.bind(TOM, "roles/resourcemanager.projectIamAdmin", PROJECT,
                {"expression": "request.time.getHours(\"Europe/Berlin\") < 18", "title": "office hours"})
    detail = _escalations(estate.graph(), TOM)[PROJECT]
    assert detail["conditional"] is True and detail["conditions"][0]["title"] == "office hours"
