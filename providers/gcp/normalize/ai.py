"""Vertex AI endpoints, models, custom jobs and training pipelines; Workbench instances and managed runtimes.

Lineage is fact edges: a training job ``reads_from`` every bucket its inputs name
and ``writes_to`` its output bucket (and the model it uploads); a model
``reads_from`` its artifact bucket; an endpoint ``reads_from`` each deployed
model. Workloads ``runs_as`` their service account; when none is set, the
documented default identity (the Compute Engine default account for Workbench,
the Vertex AI Custom Code Service Agent for custom jobs). ``encryptionSpec`` /
``kmsKey`` give CMEK. A Workbench instance without ``noPublicIp`` /
``disablePublicIp`` has an external IP: ``direct_internet_access``.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.compute import shielded_vm
from cloudwarden.providers.gcp.normalize.resources import (
    cmek,
    flag,
    gcs_uris,
    link_buckets,
    metadata_items,
    resource_node,
    runs_as,
)

ENDPOINT = "aiplatform.googleapis.com/Endpoint"
MODEL = "aiplatform.googleapis.com/Model"
CUSTOM_JOB = "aiplatform.googleapis.com/CustomJob"
TRAINING_PIPELINE = "aiplatform.googleapis.com/TrainingPipeline"
NOTEBOOK = "notebooks.googleapis.com/Instance"
RUNTIME = "notebooks.googleapis.com/Runtime"
AIPLATFORM = "aiplatform.googleapis.com"


def _aiplatform_id(b: Builder, relative: str | None) -> str | None:
    found = names.service_id(AIPLATFORM, relative)
    return b.resolve(found) if found else None


def _encryption(b: Builder, node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return cmek(b, node_id, (data.get("encryptionSpec") or {}).get("kmsKeyName"))


def _link_network(b: Builder, asset: Asset, node_id: str, network: Any, subnet: Any = None) -> None:
    project = b.project_of(asset)
    for link, kind, edge in ((network, "network.vpc", "in_vpc"), (subnet, "network.subnet", "in_subnet")):
        found = names.compute_id(str(link), project) if link else None
        if found:
            b.edge(node_id, b.reference(b.resolve(found), kind), edge)


def endpoint(b: Builder, asset: Asset) -> None:
    """An online prediction endpoint and the models deployed on it."""
    data = asset.data
    node_id = asset.name
    deployed = [d for d in data.get("deployedModels") or () if isinstance(d, dict)]
    private = bool(data.get("network") or data.get("enablePrivateServiceConnect")
                   or data.get("privateServiceConnectConfig"))
    resource_node(b, asset, "ai.endpoint", {
        "encryption": _encryption(b, node_id, data),
        "network_access": "private" if private else "public",
        "deployed_models": [d.get("model") for d in deployed if d.get("model")],
        "status": None,
    })
    for model in deployed:
        target = _aiplatform_id(b, model.get("model"))
        if target:
            b.edge(node_id, b.reference(target, "ai.model"), "reads_from", deployed_model=model.get("id"))
        runs_as(b, node_id, model.get("serviceAccount"))
    _link_network(b, asset, node_id, data.get("network"))


def model(b: Builder, asset: Asset) -> None:
    """A model in the Model Registry and the bucket holding its artifacts."""
    data = asset.data
    node_id = asset.name
    artifact = data.get("artifactUri")
    resource_node(b, asset, "ai.model", {
        "encryption": _encryption(b, node_id, data),
        "artifact": artifact,
        "artifacts": [artifact] if artifact else [],
        "container_image": (data.get("containerSpec") or {}).get("imageUri"),
        "network_isolation": None,
    })
    link_buckets(b, node_id, [artifact], "reads_from")


def _job(b: Builder, asset: Asset, spec: dict[str, Any], inputs: list[str], output: str | None,
         extra: dict[str, Any]) -> str:
    data = asset.data
    node_id = asset.name
    resource_node(b, asset, "ai.training_job", {
        "encryption": _encryption(b, node_id, data),
        "inputs": sorted(set(inputs)),
        "output": output,
        "network_isolation": None,  # decided by VPC Service Controls, which the inventory does not carry
        "inter_container_encryption": None,
        "status": str(data.get("state") or "").lower() or None,
        "service_account": spec.get("serviceAccount"),
        "web_access": bool(spec.get("enableWebAccess")),
        **extra,
    })
    link_buckets(b, node_id, inputs, "reads_from")
    link_buckets(b, node_id, [output], "writes_to")
    _link_network(b, asset, node_id, spec.get("network"))
    if spec.get("serviceAccount"):
        runs_as(b, node_id, spec["serviceAccount"])
    else:
        number = b.project_number(b.project_of(asset))
        if number:
            runs_as(b, node_id, f"service-{number}@gcp-sa-aiplatform-cc.iam.gserviceaccount.com", default=True)
    return node_id


def custom_job(b: Builder, asset: Asset) -> None:
    """A custom training job: package and argument URIs in, ``baseOutputDirectory`` out."""
    spec = asset.data.get("jobSpec") or {}
    output = (spec.get("baseOutputDirectory") or {}).get("outputUriPrefix")
    inputs = [u for u in gcs_uris(spec.get("workerPoolSpecs")) if u != output]
    _job(b, asset, spec, inputs, output, {})


def training_pipeline(b: Builder, asset: Asset) -> None:
    """A training pipeline: its task inputs and dataset, its output directory, the model it uploads."""
    data = asset.data
    task = data.get("trainingTaskInputs") or {}
    spec = {"serviceAccount": task.get("serviceAccount"), "network": task.get("network")}
    output = (task.get("baseOutputDirectory") or {}).get("outputUriPrefix")
    inputs = [u for u in gcs_uris(task) + gcs_uris(data.get("inputDataConfig")) if u != output]
    uploaded = data.get("modelToUpload") or {}
    node_id = _job(b, asset, spec, inputs, output, {"model": uploaded.get("name") or data.get("modelId")})
    target = _aiplatform_id(b, uploaded.get("name"))
    if target:
        b.edge(node_id, b.reference(target, "ai.model"), "writes_to")


def _notebook_props(data: dict[str, Any]) -> dict[str, Any]:
    """Workbench instance facts from the v2 (``gceSetup``) or v1 (flat) shape."""
    setup = data.get("gceSetup")
    if isinstance(setup, dict):
        nics = [n for n in setup.get("networkInterfaces") or () if isinstance(n, dict)]
        boot = setup.get("bootDisk") or {}
        return {
            "public_ip": not bool(setup.get("disablePublicIp")),
            "proxy_access": not bool(data.get("disableProxyAccess")),
            "accounts": [str(s.get("email")) for s in setup.get("serviceAccounts") or () if s.get("email")],
            "network": nics[0].get("network") if nics else None,
            "subnet": nics[0].get("subnet") if nics else None,
            "kms_key": boot.get("kmsKey") if str(boot.get("diskEncryption") or "").upper() == "CMEK" else None,
            "metadata": metadata_items(setup.get("metadata")),
            "machine_type": setup.get("machineType"),
            "shielded": setup.get("shieldedInstanceConfig"),
            "ips": [str(c["externalIp"]) for n in nics for c in n.get("accessConfigs") or ()
                    if isinstance(c, dict) and c.get("externalIp")],
        }
    return {
        "public_ip": not bool(data.get("noPublicIp")),
        "proxy_access": not bool(data.get("noProxyAccess")),
        "accounts": [str(data["serviceAccount"])] if data.get("serviceAccount") else [],
        "network": data.get("network"),
        "subnet": data.get("subnet"),
        "kms_key": data.get("kmsKey") if str(data.get("diskEncryption") or "").upper() == "CMEK" else None,
        "metadata": metadata_items(data.get("metadata")),
        "machine_type": data.get("machineType"),
        "shielded": data.get("shieldedInstanceConfig"),
        "ips": [],
    }


def notebook(b: Builder, asset: Asset) -> None:
    """A Vertex AI Workbench (user-managed or instance) notebook VM."""
    data = asset.data
    facts = _notebook_props(data)
    node_id = asset.name
    encryption = cmek(b, node_id, facts["kms_key"])
    accounts = facts["accounts"]
    resource_node(b, asset, "ai.notebook", {
        "direct_internet_access": facts["public_ip"],
        "public_ip": facts["public_ip"],
        "proxy_access": facts["proxy_access"],
        "root_access": not bool(flag(facts["metadata"].get("notebook-disable-root"))),
        "encryption": encryption,
        "service_accounts": [a.lower() for a in accounts],
        "instance_type": names.basename(facts["machine_type"]) or None,
        "shielded_vm": shielded_vm(facts["shielded"]) if facts["shielded"] is not None else None,
        "status": str(data.get("state") or "").lower() or None,
        # An external IP the payload does not show is unknown, not absent.
        "network": {"public_ips": facts["ips"] or (None if facts["public_ip"] else []), "private_ips": None},
    })
    _link_network(b, asset, node_id, facts["network"], facts["subnet"])
    if accounts:
        for account in accounts:
            runs_as(b, node_id, account)
    else:
        number = b.project_number(b.project_of(asset))
        if number:
            runs_as(b, node_id, f"{number}-compute@developer.gserviceaccount.com", default=True)


def runtime(b: Builder, asset: Asset) -> None:
    """A managed notebooks runtime (single-user or service-account access)."""
    data = asset.data
    access = data.get("accessConfig") or {}
    vm = ((data.get("virtualMachine") or {}).get("virtualMachineConfig")) or {}
    node_id = asset.name
    public = not bool(vm.get("internalIpOnly"))
    resource_node(b, asset, "ai.notebook", {
        "direct_internet_access": public,
        "public_ip": public,
        "root_access": not bool((data.get("softwareConfig") or {}).get("disableTerminal")),
        "encryption": cmek(b, node_id, (vm.get("encryptionConfig") or {}).get("kmsKey")),
        "access_type": access.get("accessType"),
        "instance_type": names.basename(vm.get("machineType")) or None,
        "status": str(data.get("state") or "").lower() or None,
        "network": {"public_ips": None if public else [], "private_ips": None},
    })
    _link_network(b, asset, node_id, vm.get("network"), vm.get("subnet"))
    if str(access.get("accessType") or "").upper() == "SERVICE_ACCOUNT" and access.get("runtimeOwner"):
        runs_as(b, node_id, access["runtimeOwner"])


HANDLERS = {ENDPOINT: endpoint, MODEL: model, CUSTOM_JOB: custom_job, TRAINING_PIPELINE: training_pipeline,
            NOTEBOOK: notebook, RUNTIME: runtime}
