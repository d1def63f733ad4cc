"""Cloud Storage buckets: public members, public access prevention, uniform access, CMEK."""

from __future__ import annotations

from tests.providers.gcp.normalize.conftest import KEY, View, estate_records

BUCKET = "//storage.googleapis.com/"


def test_a_bucket_readable_by_all_users_is_public_by_policy(estate: View) -> None:
    props = estate.props(BUCKET + "acme-public-assets")
    assert (props["public_by_policy"], props["public_by_acl"], props["public"]) == (True, False, True)
    assert props["public_members"] == [{"member": "allUsers", "role": "roles/storage.objectViewer", "condition": None}]


def test_public_access_prevention_enforced_keeps_the_twin_private_despite_all_users(estate: View) -> None:
    props = estate.props(BUCKET + "acme-data")
    assert props["public_members"] and props["public"] is False and props["public_by_policy"] is False
    assert props["public_access_block"] == dict.fromkeys(
        ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"), True)


def test_a_bucket_without_uniform_access_is_reported_as_such(estate: View) -> None:
    assert estate.props(BUCKET + "acme-legacy")["uniform_access"] is False
    assert estate.props(BUCKET + "acme-legacy")["public"] is False
    assert estate.props(BUCKET + "acme-public-assets")["uniform_access"] is True


def test_a_legacy_acl_granting_all_users_is_public_by_acl(estate: View) -> None:
    props = estate.props(BUCKET + "acme-legacy-public")
    assert (props["public_by_acl"], props["public_by_policy"], props["public"]) == (True, False, True)


def test_inherited_prevention_without_org_policies_is_assumed_off_and_says_so(estate: View) -> None:
    assert estate.props(BUCKET + "acme-public-assets")["public_access_prevention"] == "inherited"
    assert estate.props(BUCKET + "acme-public-assets")["public_access_prevention_enforced"] is False
    assert any(g["service"] == "orgpolicy" and g["account"] == "acme-prod" for g in estate.gaps())


def test_an_enforced_organization_policy_blocks_inherited_buckets(normalized) -> None:
    records = estate_records() + [{
        "name": "//cloudresourcemanager.googleapis.com/organizations/111111111111",
        "asset_type": "cloudresourcemanager.googleapis.com/Organization",
        "org_policy": [{"constraint": "constraints/storage.publicAccessPrevention",
                        "boolean_policy": {"enforced": True}}],
    }]
    view = normalized(records)
    assert view.props(BUCKET + "acme-public-assets")["public"] is False
    assert not any(g["service"] == "orgpolicy" for g in view.gaps())


def test_bucket_encryption_versioning_retention_and_logging(estate: View) -> None:
    props = estate.props(BUCKET + "acme-data")
    assert props["encryption"] == {"at_rest": True, "key_id": KEY + "data-key", "customer_managed": True,
                                   "in_transit": True, "min_tls": None}
    assert props["versioning"]["enabled"] is True
    assert props["logging"] == {"enabled": True, "target_bucket": "acme-logs"}
    assert props["retention"] == {"enabled": True, "period_days": 30, "locked": False}
    assert props["tls_only"] is True
    assert estate.node(BUCKET + "acme-data").tags == {"data-classification": "confidential"}


def test_a_bucket_known_only_by_its_iam_policy_has_unknown_facets(normalized) -> None:
    view = normalized([{"name": BUCKET + "b", "asset_type": "storage.googleapis.com/Bucket",
                        "iam_policy": {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}}])
    props = view.props(BUCKET + "b")
    assert props["public_members"] and props["public"] is None and "uniform_access" not in props


def test_without_any_iam_content_public_by_policy_is_unknown(normalized) -> None:
    view = normalized([{"name": BUCKET + "b", "asset_type": "storage.googleapis.com/Bucket",
                        "resource": {"data": {"name": "b", "iamConfiguration": {
                            "uniformBucketLevelAccess": {"enabled": True}, "publicAccessPrevention": "enforced"}}}}])
    assert view.props(BUCKET + "b")["public"] is False  # enforced prevention decides regardless
    view = normalized([{"name": BUCKET + "c", "asset_type": "storage.googleapis.com/Bucket",
                        "resource": {"data": {"name": "c", "iamConfiguration": {
                            "uniformBucketLevelAccess": {"enabled": True}}}}}])
    assert view.props(BUCKET + "c")["public_by_policy"] is None
