"""The shipped catalogue of predefined roles and the normalizer's published registry."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from cloudwarden.providers.gcp.data import complete_role_names, predefined_roles
from cloudwarden.providers.gcp.normalize import ASSET_TYPES, PREDEFINED_ROLES

REQUIRED = [
    "owner", "editor", "viewer", "iam.serviceAccountUser", "iam.serviceAccountTokenCreator",
    "iam.serviceAccountKeyAdmin", "iam.serviceAccountAdmin", "iam.securityAdmin", "iam.roleAdmin",
    "iam.workloadIdentityUser", "resourcemanager.projectIamAdmin", "resourcemanager.folderAdmin",
    "resourcemanager.organizationAdmin", "storage.admin", "storage.objectAdmin", "storage.objectCreator",
    "storage.objectViewer", "storage.legacyBucketReader", "storage.legacyBucketWriter", "storage.legacyBucketOwner",
    "compute.admin", "compute.instanceAdmin.v1", "compute.securityAdmin", "compute.networkAdmin",
    "cloudfunctions.admin", "cloudfunctions.developer", "run.admin", "run.developer", "cloudbuild.builds.editor",
    "cloudbuild.builds.builder", "deploymentmanager.editor", "cloudkms.admin", "cloudkms.cryptoKeyEncrypterDecrypter",
    "secretmanager.admin", "secretmanager.secretAccessor", "cloudsql.admin", "cloudsql.client", "aiplatform.admin",
    "aiplatform.user", "notebooks.admin", "bigquery.dataEditor", "bigquery.dataViewer", "bigquery.admin",
]


@pytest.mark.parametrize("role", REQUIRED)
def test_the_catalogue_knows_the_security_relevant_role(role: str) -> None:
    entry = predefined_roles()[f"roles/{role}"]
    assert entry["permissions"] and entry["title"]
    assert entry.get("complete", True) or entry["note"]  # an abbreviation always says what it stands for


def test_impersonation_permissions_are_where_the_docs_put_them() -> None:
    roles = predefined_roles()
    assert "iam.serviceAccounts.getAccessToken" in roles["roles/iam.serviceAccountTokenCreator"]["permissions"]
    assert "iam.serviceAccountKeys.create" in roles["roles/iam.serviceAccountKeyAdmin"]["permissions"]
    assert "iam.serviceAccounts.actAs" not in roles["roles/compute.instanceAdmin.v1"]["permissions"]
    assert "resourcemanager.projects.setIamPolicy" in roles["roles/resourcemanager.projectIamAdmin"]["permissions"]


def test_pattern_entries_expand_with_globs() -> None:
    editor = predefined_roles()["roles/editor"]
    assert any(fnmatchcase("compute.instances.create", p) for p in editor["permissions"])
    assert any(fnmatchcase("resourcemanager.projects.setIamPolicy", p) for p in editor["excluded"])


def test_the_collector_is_told_which_roles_need_no_live_lookup() -> None:
    names = PREDEFINED_ROLES()
    assert names == complete_role_names()
    assert "roles/storage.admin" in names and "roles/owner" not in names  # patterns: the live list is better


def test_the_registry_publishes_the_asset_types_it_normalizes() -> None:
    assert {"storage.googleapis.com/Bucket", "compute.googleapis.com/Firewall", "iam.googleapis.com/ServiceAccountKey",
            "sqladmin.googleapis.com/Instance", "notebooks.googleapis.com/Instance"} <= set(ASSET_TYPES)
