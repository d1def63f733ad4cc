"""The GCP analyzers on the normalizer's own output: Cloud Asset Inventory records in, derived edges out."""

from __future__ import annotations

from typing import Any

import pytest
from cloudwarden.engine.graph_functions import GraphQueries
from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.merge import merge_partials
from cloudwarden.graph.model import INTERNET_ID

from tests.graph.gcp.estate import run_analyzers

normalize_module = pytest.importorskip("cloudwarden.providers.gcp.normalize")

CRM = "//cloudresourcemanager.googleapis.com"
PROJECT = f"{CRM}/projects/123456"
NETWORK = "https://www.googleapis.com/compute/v1/projects/shop/global/networks/default"
ANCESTORS = ["projects/123456", "folders/5", "organizations/9"]
APP = "//iam.googleapis.com/projects/shop/serviceAccounts/222"
BUCKET = "//storage.googleapis.com/shop-data"
WEB = "//compute.googleapis.com/projects/shop/zones/europe-west1-b/instances/web"


def _asset(name: str, asset_type: str, data: dict[str, Any], parent: str | None = PROJECT,
           bindings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name, "assetType": asset_type, "ancestors": ANCESTORS,
                              "resource": {"parent": parent, "data": data}}
    if bindings is not None:
        record["iamPolicy"] = {"bindings": bindings}
    return record


def _records() -> list[dict[str, Any]]:
    return [
        _asset(f"{CRM}/organizations/9", "cloudresourcemanager.googleapis.com/Organization",
               {"name": "organizations/9", "displayName": "example.com"}, parent=None),
        _asset(f"{CRM}/folders/5", "cloudresourcemanager.googleapis.com/Folder",
               {"name": "folders/5", "parent": "organizations/9"}, parent=f"{CRM}/organizations/9",
               bindings=[{"role": "roles/storage.objectViewer", "members": ["group:analysts@example.com"]}]),
        _asset(PROJECT, "cloudresourcemanager.googleapis.com/Project",
               {"projectNumber": "123456", "projectId": "shop", "parent": {"type": "folder", "id": "5"}},
               parent=f"{CRM}/folders/5",
               bindings=[{"role": "roles/storage.objectAdmin", "members": ["serviceAccount:app@shop.iam.gserviceaccount.com"]}]),
        _asset(APP, "iam.googleapis.com/ServiceAccount",
               {"email": "app@shop.iam.gserviceaccount.com", "uniqueId": "222", "projectId": "shop"}),
        _asset(BUCKET, "storage.googleapis.com/Bucket",
               {"name": "shop-data", "iamConfiguration": {"publicAccessPrevention": "enforced"}}),
        _asset("//compute.googleapis.com/projects/shop/global/networks/default", "compute.googleapis.com/Network",
               {"name": "default", "selfLink": NETWORK}),
        _asset("//compute.googleapis.com/projects/shop/global/firewalls/allow-http", "compute.googleapis.com/Firewall",
               {"name": "allow-http", "network": NETWORK, "priority": 1000, "direction": "INGRESS",
                "allowed": [{"IPProtocol": "tcp", "ports": ["80"]}], "sourceRanges": ["0.0.0.0/0"]}),
        _asset(WEB, "compute.googleapis.com/Instance",
               {"name": "web", "status": "RUNNING", "networkInterfaces": [
                   {"network": NETWORK, "networkIP": "10.0.0.2", "accessConfigs": [{"natIP": "34.1.2.3"}]}],
                "serviceAccounts": [{"email": "app@shop.iam.gserviceaccount.com", "scopes": []}]}),
    ]


@pytest.fixture(scope="module")
def graph() -> EstateGraph:
    estate = EstateGraph(merge_partials(normalize_module.normalize(_records()), "test"))
    run_analyzers(estate)
    return estate


def test_a_folder_binding_from_the_inventory_reaches_the_bucket_of_a_project_in_the_folder(graph: EstateGraph) -> None:
    detail = graph.edge("group:analysts@example.com", BUCKET, "can_access").detail
    assert detail["grants"][0]["scope"] == f"{CRM}/folders/5" and "read" in detail["levels"]


def test_an_exposed_instance_runs_as_an_account_that_writes_the_bucket(graph: EstateGraph) -> None:
    queries = GraphQueries(graph)
    assert queries.exposed_ports(WEB) == [[80, 80]]
    assert queries.identities(WEB) == [APP]
    assert queries.writable(APP) == [BUCKET]
    assert graph.edge(INTERNET_ID, BUCKET, "reaches") is None  # public access prevention
