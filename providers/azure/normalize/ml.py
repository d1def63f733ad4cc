"""Azure Machine Learning: workspaces (``ai.service``), compute instances (``ai.notebook``),
online endpoints (``ai.endpoint``) and models (``ai.model``).

A compute instance has ``public_ip`` when ``enableNodePublicIp`` is true or unset
(the default), and then ``direct_internet_access`` (the AWS notebook facet's
meaning: the instance itself is on an internet-connected network);
``ssh_access`` follows ``sshSettings.sshPublicAccess``. Compute clusters and
attached computes are not notebooks and are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.providers.azure.normalize import arm
from cloudwarden.providers.azure.normalize.identity import identity_facts

if TYPE_CHECKING:
    from cloudwarden.providers.azure.normalize.context import Context

FAMILY = "ai"
MODEL_VERSIONS = "microsoft.machinelearningservices/workspaces/models/versions"


def handle_workspace(record: dict[str, Any], ctx: Context) -> None:
    """A Machine Learning workspace (or hub/project)."""
    p = arm.props(record)
    rid = arm.lower_id(arm.get(record, "id")) or ""
    access = arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled"
    allowlist = [str(ip) for ip in arm.items(arm.get(p, "ipAllowlist"))]
    encryption = arm.get(p, "encryption")
    # ARM omits the block unless a customer-managed key was configured.
    status = arm.lower(arm.get(encryption, "status")) if isinstance(encryption, dict) else "disabled"
    key_url = arm.path(encryption, "keyVaultProperties", "keyIdentifier")
    key_id = ctx.key_url_id(key_url) if status == "enabled" else None
    ctx.resource(record, "ai.service", FAMILY, {
        "service_kind": "MachineLearning" + (f"/{arm.text(arm.get(record, 'kind'))}" if arm.get(record, "kind") else ""),
        "public_network_access": access,
        "network_rules": {"ip_rules": allowlist},
        "public": access == "enabled" and not allowlist,
        "local_auth_disabled": None,
        "encryption": {"at_rest": True, "customer_managed": None if status is None else status == "enabled",
                       "key_id": key_id or (arm.text(key_url) if status == "enabled" else None)},
        "identity": identity_facts(record),
        "hbi_workspace": arm.flag(arm.get(p, "hbiWorkspace")),
        "isolation_mode": arm.text(arm.path(p, "managedNetwork", "isolationMode")),
        "storage_account": arm.lower_id(arm.get(p, "storageAccount")),
        "key_vault": arm.lower_id(arm.get(p, "keyVault")),
        "container_registry": arm.lower_id(arm.get(p, "containerRegistry")),
    })
    if key_id and key_id.startswith("/subscriptions/"):
        ctx.edge(rid, key_id if ctx.is_node(key_id) else ctx.reference(key_id, "kms.key", family=FAMILY),
                 "encrypted_by", FAMILY)


def handle_compute(record: dict[str, Any], ctx: Context) -> None:
    """A workspace compute; only compute instances are notebooks."""
    p = arm.props(record)
    if (arm.lower(arm.get(p, "computeType")) or "") != "computeinstance":
        ctx.skipped[f"{arm.lower(arm.get(record, 'type'))} ({arm.text(arm.get(p, 'computeType')) or 'unknown'})"] += 1
        return
    inner = arm.get(p, "properties") or {}
    node_ip = arm.flag(arm.get(inner, "enableNodePublicIp"))
    public_ip = True if node_ip is None else node_ip
    ssh = arm.lower(arm.path(inner, "sshSettings", "sshPublicAccess"))
    subnet = arm.ref_id(arm.get(inner, "subnet"))
    rid = ctx.resource(record, "ai.notebook", FAMILY, {
        "public_ip": public_ip,
        "direct_internet_access": public_ip,
        "ssh_access": None if ssh is None else ssh == "enabled",
        "root_access": arm.flag(arm.get(inner, "enableRootAccess")),
        "instance_type": arm.text(arm.get(inner, "vmSize")),
        "status": arm.text(arm.get(inner, "state")) or arm.text(arm.get(p, "provisioningState")),
        "subnet": subnet,
        "local_auth_disabled": arm.flag(arm.get(p, "disableLocalAuth")),
        "identity": identity_facts(record),
        "network": {
            "public_ips": [a for a in [arm.text(arm.path(inner, "connectivityEndpoints", "publicIpAddress"))] if a],
            "private_ips": [a for a in [arm.text(arm.path(inner, "connectivityEndpoints", "privateIpAddress"))] if a],
        },
        "encryption": {"at_rest": True, "customer_managed": None, "key_id": None},
    })
    if subnet:
        ctx.edge(rid, subnet if ctx.is_node(subnet) else ctx.reference(subnet, "network.subnet", family=FAMILY),
                 "in_subnet", FAMILY)


def handle_online_endpoint(record: dict[str, Any], ctx: Context) -> None:
    """A managed online endpoint."""
    p = arm.props(record)
    ctx.resource(record, "ai.endpoint", FAMILY, {
        "auth_mode": arm.text(arm.get(p, "authMode")),
        "public_network_access": arm.lower(arm.get(p, "publicNetworkAccess")) or "enabled",
        "status": arm.text(arm.get(p, "provisioningState")),
        "scoring_uri": arm.text(arm.get(p, "scoringUri")),
        "identity": identity_facts(record),
        "encryption": {"at_rest": True, "customer_managed": None, "key_id": None},
    })


def handle_model(record: dict[str, Any], ctx: Context) -> None:
    """A registered model (container); its versions give the artifacts."""
    rid = arm.lower_id(arm.get(record, "id")) or ""
    uris = [arm.text(arm.get(arm.props(v), "modelUri")) for v in ctx.children(rid, MODEL_VERSIONS)]
    artifacts = sorted({u for u in uris if u})
    ctx.resource(record, "ai.model", FAMILY, {
        "artifact": artifacts[-1] if artifacts else None,
        "artifacts": artifacts,
        "network_isolation": None,
        "latest_version": arm.text(arm.get(arm.props(record), "latestVersion")),
    })
