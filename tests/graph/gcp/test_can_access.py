"""GCP can_access: bindings with inheritance, basic roles, conditions, unknown roles, public members."""

from __future__ import annotations

from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge

from tests.graph.gcp.estate import ORG, PROJECT, GcpEstate

ALICE = "user:alice@example.com"
DATA = "//storage.googleapis.com/shop-data"


def _graph(estate: GcpEstate) -> EstateGraph:
    return estate.graph(("gcp_can_access",))


def _edge(graph: EstateGraph, source: str, target: str) -> Edge | None:
    return graph.edge(source, target, "can_access")


def test_a_folder_level_binding_reaches_a_bucket_of_a_project_in_the_folder() -> None:
    estate = GcpEstate()
    folder = estate.folder("42")
    project = estate.project("analytics", "777", parent=folder)
    bucket = estate.bucket("lake", project=project)
    estate.bind(ALICE, "roles/storage.objectViewer", folder)
    detail = _edge(_graph(estate), ALICE, bucket).detail
    assert detail["levels"] == ["list", "read"]
    assert detail["actions"] == ["storage.objects.get", "storage.objects.list"]
    assert detail["grants"] == [{"role": "roles/storage.objectViewer", "scope": folder, "member": ALICE}]
    assert detail["conditional"] is False


def test_a_folder_level_binding_does_not_reach_projects_outside_the_folder() -> None:
    estate = GcpEstate()
    folder = estate.folder("42")
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/storage.objectViewer", folder)
    assert _edge(_graph(estate), ALICE, DATA) is None


def test_a_project_owner_gets_one_admin_edge_to_the_project_and_none_per_resource() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/owner", PROJECT)
    graph = _graph(estate)
    assert [e.target for e in graph.out_edges(ALICE, "can_access")] == [PROJECT]
    detail = _edge(graph, ALICE, PROJECT).detail
    assert detail["admin"] is True and detail["actions"] == ["*"] and detail["levels"][0] == "admin"
    assert GraphQueries(graph).is_admin(ALICE)


def test_an_organization_owner_administers_every_project_below_it() -> None:
    estate = GcpEstate()
    other = estate.project("billing", "888", parent=estate.folder("7"))
    estate.bind(ALICE, "roles/owner", ORG)
    targets = {e.target for e in _graph(estate).out_edges(ALICE, "can_access") if e.detail.get("admin")}
    assert targets == {PROJECT, other}


def test_an_editor_is_not_admin_but_can_write_data() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/editor", PROJECT)
    graph = _graph(estate)
    queries = GraphQueries(graph)
    assert not queries.is_admin(ALICE)
    assert queries.writable(ALICE) == [DATA]
    assert "permissions" not in _edge(graph, ALICE, DATA).detail["levels"]


def test_a_viewer_reads_no_object_data() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/viewer", PROJECT)
    detail = _edge(_graph(estate), ALICE, DATA).detail
    assert "storage.objects.get" not in detail["actions"] and "write" not in detail["levels"]


def test_a_binding_with_an_undecidable_condition_stays_conditional_with_its_expression() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    condition = {"expression": 'resource.matchTag("123/env", "prod")', "title": "prod only"}
    estate.bind(ALICE, "roles/storage.objectViewer", PROJECT, condition)
    detail = _edge(_graph(estate), ALICE, DATA).detail
    assert detail["conditional"] is True
    assert detail["conditions"] == [condition]
    assert detail["grants"][0]["condition"]["result"] == "unknown"


def test_a_resource_name_condition_is_decided_for_each_bucket() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    other = estate.bucket("audit-logs")
    condition = {"expression": 'resource.name.startsWith("projects/_/buckets/shop-")', "title": "shop buckets"}
    estate.bind(ALICE, "roles/storage.objectViewer", PROJECT, condition)
    graph = _graph(estate)
    assert _edge(graph, ALICE, DATA).detail["conditional"] is False
    assert _edge(graph, ALICE, other) is None


def test_a_condition_on_an_object_prefix_is_conditional_for_object_permissions() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    condition = {"expression": 'resource.name.startsWith("projects/_/buckets/shop-data/objects/public/")',
                 "title": "public prefix"}
    estate.bind(ALICE, "roles/storage.objectViewer", PROJECT, condition)
    assert _edge(_graph(estate), ALICE, DATA).detail["conditional"] is True


def test_an_expired_time_condition_grants_nothing() -> None:
    estate = GcpEstate(collected_at="2025-06-01T00:00:00Z")
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/storage.objectViewer", PROJECT,
                {"expression": 'request.time < timestamp("2025-01-01T00:00:00Z")', "title": "expired"})
    assert _edge(_graph(estate), ALICE, DATA) is None


def test_a_resource_type_condition_excludes_other_types() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    secret = estate.secret("db-password")
    estate.bind(ALICE, "roles/owner", PROJECT,
                {"expression": 'resource.type == "storage.googleapis.com/Bucket"', "title": "buckets only"})
    graph = _graph(estate)
    assert _edge(graph, ALICE, secret) is None
    assert _edge(graph, ALICE, PROJECT) is None  # a conditional owner is no admin
    # Object permissions are checked on objects (type storage.googleapis.com/Object): the condition excludes them.
    assert _edge(graph, ALICE, DATA).detail["actions"] == ["storage.buckets.*"]


def test_an_unknown_role_gives_an_unknown_grant_not_no_access() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.role("projects/shop-prod/roles/mystery", None)
    estate.bind(ALICE, "projects/shop-prod/roles/mystery", PROJECT)
    detail = _edge(_graph(estate), ALICE, DATA).detail
    assert detail["unknown"] is True and detail["conditional"] is True
    assert detail["unknown_roles"] == ["projects/shop-prod/roles/mystery"]


def test_a_group_binding_reaches_its_members() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.join(ALICE, "group:data@example.com")
    estate.bind("group:data@example.com", "roles/storage.objectAdmin", DATA)
    graph = _graph(estate)
    assert _edge(graph, ALICE, DATA).detail["grants"][0]["member"] == "group:data@example.com"
    assert _edge(graph, "group:data@example.com", DATA) is not None


def test_a_bucket_readable_by_all_users_has_an_edge_from_all_users() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.bind("allUsers", "roles/storage.objectViewer", DATA)
    detail = _edge(_graph(estate), "allUsers", DATA).detail
    assert detail["anyone"] is True and "read" in detail["levels"]


def test_a_deny_policy_takes_a_permission_away() -> None:
    estate = GcpEstate()
    estate.bucket("shop-data")
    estate.bind(ALICE, "roles/storage.objectAdmin", PROJECT)
    deny = estate.add("policies/deny-deletes", "identity.policy", "deny-deletes", account=None, props={
        "deny": True, "rules": [{"denyRule": {"deniedPrincipals": ["principal://goog/subject/alice@example.com"],
                                              "deniedPermissions": ["storage.googleapis.com/objects.delete"]}}]})
    estate.link(PROJECT, deny, "has_policy")
    detail = _edge(_graph(estate), ALICE, DATA).detail
    assert "storage.objects.delete" not in detail["actions"]
    assert detail["denied"] == {"storage.objects.delete": [deny]}
