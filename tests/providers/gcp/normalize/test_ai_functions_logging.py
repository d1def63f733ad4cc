"""Vertex AI and Workbench, Cloud Functions and Cloud Run, log sinks."""

from __future__ import annotations

import json

from tests.providers.gcp.normalize.conftest import APP_SA, CI_SA, DEFAULT_SA, KEY, View

VX = "//aiplatform.googleapis.com/projects/123456789012/locations/us-central1/"
NB = "//notebooks.googleapis.com/projects/acme-prod/locations/us-central1-a/instances/"
FN = "//cloudfunctions.googleapis.com/projects/acme-prod/locations/us-central1/functions/public-fn"
RUN = "//run.googleapis.com/projects/acme-prod/locations/us-central1/services/private-svc"


def test_a_workbench_instance_with_a_public_ip_has_direct_internet_access(estate: View) -> None:
    props = estate.props(NB + "acme-notebook-public")
    assert (props["direct_internet_access"], props["root_access"]) == (True, True)
    assert props["encryption"]["customer_managed"] is False
    assert estate.edge(NB + "acme-notebook-public", DEFAULT_SA, "runs_as") is not None


def test_the_private_workbench_twin(estate: View) -> None:
    props = estate.props(NB + "acme-notebook-private")
    assert (props["direct_internet_access"], props["root_access"]) == (False, False)
    assert props["encryption"] == {"at_rest": True, "key_id": KEY + "data-key", "customer_managed": True}
    assert estate.edge(NB + "acme-notebook-private", APP_SA, "runs_as") is not None


def test_a_custom_job_reads_its_inputs_and_writes_its_output(estate: View) -> None:
    job = VX + "customJobs/888"
    assert estate.props(job)["inputs"] == ["gs://acme-data/train/", "gs://acme-legacy/trainer-0.1.tar.gz"]
    assert estate.edge(job, "//storage.googleapis.com/acme-legacy", "reads_from") is not None
    output = estate.edge(job, "//storage.googleapis.com/acme-data", "writes_to")
    assert output.detail == {"uri": "gs://acme-data/output/"}
    assert estate.edge(job, CI_SA, "runs_as") is not None


def test_environment_values_are_not_mistaken_for_inputs(estate: View) -> None:
    assert "//storage.googleapis.com/not-a-real-input" not in estate.nodes


def test_a_model_reads_its_artifacts_and_an_endpoint_its_models(estate: View) -> None:
    assert estate.edge(VX + "models/777", "//storage.googleapis.com/acme-data", "reads_from") is not None
    assert estate.props(VX + "models/777")["encryption"]["customer_managed"] is True
    assert estate.props(VX + "endpoints/555")["encryption"]["customer_managed"] is False
    assert estate.edge(VX + "endpoints/555", APP_SA, "runs_as") is not None


def test_a_function_invokable_by_all_users_is_public(estate: View) -> None:
    props = estate.props(FN)
    assert (props["public_by_policy"], props["public"], props["ingress"]) == (True, True, "all")
    default = estate.edge(FN, "serviceAccount:acme-prod@appspot.gserviceaccount.com", "runs_as")
    assert default.detail == {"default": True}


def test_an_internal_run_service_invoked_by_one_account_is_not_public(estate: View) -> None:
    props = estate.props(RUN)
    assert (props["public_by_policy"], props["public"], props["ingress"]) == (False, False, "internal")
    assert props["function_url"]["auth_type"] == "IAM"


def test_function_environment_keeps_names_only(estate: View) -> None:
    assert estate.props(FN)["environment_keys"] == ["DB_PASSWORD", "MODE"]
    text = json.dumps([n.raw for n in estate.snapshot.nodes] + [n.props for n in estate.snapshot.nodes])
    assert "hunter2" not in text and "plaintext-token" not in text


def test_a_project_log_sink_is_a_trail_encrypted_like_its_bucket(estate: View) -> None:
    sink = "//logging.googleapis.com/projects/acme-prod/sinks/audit-to-bucket"
    props = estate.props(sink)
    assert (props["captures_all"], props["logging"], props["destination_kind"]) == (True, {"enabled": True}, "storage")
    assert props["encryption"]["customer_managed"] is True
    assert estate.edge(sink, "//storage.googleapis.com/acme-data", "writes_to") is not None


def test_an_organization_sink_with_children_is_an_organization_trail(estate: View) -> None:
    sink = estate.node("//logging.googleapis.com/organizations/111111111111/sinks/org-audit")
    assert sink.props["organization_trail"] is True and sink.account is None
