"""Organization, folders and projects: ids, accounts, containment, project number <-> id."""

from __future__ import annotations

from tests.providers.gcp.normalize.conftest import FOLDER, ORG, PROJECT, View


def test_project_node_is_keyed_by_number_and_its_account_is_the_project_id(estate: View) -> None:
    project = estate.node(PROJECT)
    assert (project.kind, project.account, project.name) == ("account", "acme-prod", "acme-prod")
    assert project.props["project_number"] == "123456789012"
    assert project.props["display_name"] == "Acme Production"


def test_hierarchy_contains_runs_organization_to_folder_to_project(estate: View) -> None:
    assert estate.edge(ORG, FOLDER, "contains") is not None
    assert estate.edge(FOLDER, PROJECT, "contains") is not None
    assert estate.node(FOLDER).props["org_type"] == "folder"


def test_resource_manager_v3_project_shape_is_read(estate: View) -> None:
    dev = estate.node("//cloudresourcemanager.googleapis.com/projects/210987654321")
    assert dev.account == "acme-dev" and dev.props["display_name"] == "Acme Dev"
    assert estate.edge(ORG, dev.id, "contains") is not None


def test_a_resource_parented_by_project_number_belongs_to_the_project_id(estate: View) -> None:
    bucket = estate.node("//storage.googleapis.com/acme-data")
    assert bucket.account == "acme-prod"
    assert estate.edge(PROJECT, bucket.id, "contains") is not None


def test_a_reference_by_project_id_resolves_to_the_resource_named_by_number(estate: View) -> None:
    endpoint = "//aiplatform.googleapis.com/projects/123456789012/locations/us-central1/endpoints/555"
    model = "//aiplatform.googleapis.com/projects/123456789012/locations/us-central1/models/777"
    assert estate.edge(endpoint, model, "reads_from") is not None
    assert "//aiplatform.googleapis.com/projects/acme-prod/locations/us-central1/models/777" not in estate.nodes


def test_project_known_only_through_its_resources_becomes_a_reference_account(normalized) -> None:
    view = normalized([{
        "name": "//compute.googleapis.com/projects/lonely/global/networks/default",
        "asset_type": "compute.googleapis.com/Network",
        "resource": {"data": {"name": "default"}, "parent": "//cloudresourcemanager.googleapis.com/projects/42"},
        "ancestors": ["projects/42"],
    }])
    project = view.node("//cloudresourcemanager.googleapis.com/projects/42")
    assert project.reference and project.account == "lonely"
    assert view.edge(project.id, "//compute.googleapis.com/projects/lonely/global/networks/default", "contains")


def test_each_project_is_a_source_and_org_level_things_have_their_own(estate: View) -> None:
    accounts = {s.account for s in estate.snapshot.sources}
    assert accounts == {"acme-prod", "acme-dev", "organizations/111111111111"}
    prod = next(s for s in estate.snapshot.sources if s.account == "acme-prod")
    assert {"compute", "storage", "iam", "sql"} <= set(prod.services)
