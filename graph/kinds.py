"""One declarative place per normalized kind: what it is and which facets it carries.

Adapters fill these facets, policies read them, and ``policies validate`` checks
that every ``resource.props.X`` a policy reads is declared for the kinds it
applies to. A facet that is absent from a node means "unknown" and is given to
CEL as ``null`` (never ``false``), so an unknown fact makes a policy
undetermined rather than silently clean or falsely failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Facets shared by many kinds, with their sub-fields. A nested facet that is
# unknown reaches CEL as a map of nulls, so ``props.encryption.at_rest`` is
# null rather than an error when nothing is known about encryption.
NESTED_FACETS: dict[str, tuple[str, ...]] = {
    "encryption": ("at_rest", "key_id", "customer_managed", "in_transit", "min_tls"),
    "rotation": ("enabled", "period_days"),
    "logging": ("enabled",),
    "network": ("public_ips", "private_ips", "ipv6_ips"),
}

# Facets every kind may carry.
COMMON_FACETS: dict[str, str] = {
    "public": "reachable or readable without credentials by the resource's own settings",
    "encryption": "at_rest, key_id, customer_managed, in_transit, min_tls",
    "logging": "enabled",
}


@dataclass(frozen=True)
class Kind:
    """A normalized kind: a one-line description and the facets it may carry."""

    name: str
    description: str
    facets: dict[str, str] = field(default_factory=dict)

    def all_facets(self) -> dict[str, str]:
        """Declared facets of this kind plus the common ones."""
        return {**COMMON_FACETS, **self.facets}


_PRINCIPAL_FACETS = {
    "attached_policies": "[{id, name, inline, admin_equivalent, wildcard_services}] policies granted directly",
    "last_used_days": "days since the principal was last used, null if never or unknown",
    "permissions_boundary": "id of the boundary policy, if any",
    "service_linked": "managed by a cloud service, not by the customer",
}

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("internet", "the pseudo-node that exposure paths start from"),
        Kind(
            "account",
            "AWS account, Azure subscription, GCP project",
            {
                "password_policy": "{present, min_length, require_symbols, require_numbers, require_uppercase,"
                " require_lowercase, max_age_days, reuse_prevention, expire_passwords}",
                "iam_summary": "the IAM account summary (counts and quotas)",
                "regions": "[region] regions the run collected",
                "root": "{mfa, access_keys, hardware_mfa}",
                "ebs_default_encryption": "{region: bool} EBS encryption by default per collected region",
                "public_access_block": "{block_public_acls, ignore_public_acls, block_public_policy,"
                " restrict_public_buckets} account-wide S3 block",
                "cloudtrail": "{multi_region_logging, multi_region_log_validation, regions, regions_logged,"
                " regions_unlogged}; null when CloudTrail could not be read",
                "organization": "{member, id, arn, master_account, feature_set, scps_readable, scps_enabled}",
            },
        ),
        Kind(
            "org.unit",
            "organization, OU, management group, folder",
            {"policies": "[ids] attached control policies", "policy_types": "policy types enabled on a root"},
        ),
        Kind(
            "identity.user",
            "a human user",
            {
                **_PRINCIPAL_FACETS,
                "console_access": "can sign in to the console with a password",
                "mfa": "has an MFA device",
                "access_keys": "[{id, active, age_days, last_used_days, used}]",
                "password_last_used_days": "days since the console password was last used",
                "inline_policy_count": "number of inline policies on the user itself",
            },
        ),
        Kind("identity.group", "a group of principals", {**_PRINCIPAL_FACETS, "member_count": "number of members"}),
        Kind(
            "identity.role",
            "an assumable role",
            {
                **_PRINCIPAL_FACETS,
                "trust": "[{effect, principals, not_principal, actions, not_actions, conditions, external_id}]"
                " normalized trust statements",
                "instance_profiles": "[arn] instance profiles that carry the role",
            },
        ),
        Kind("identity.service_account", "a workload identity", {**_PRINCIPAL_FACETS, "keys": "[{id, age_days}]"}),
        Kind(
            "identity.policy",
            "a permission policy or role definition",
            {
                "document": "the policy document (AWS: statements normalized to lists)",
                "managed_by": "aws | customer | inline",
                "attachment_count": "number of principals it is attached to",
                "admin_equivalent": "grants every action on every resource",
                "wildcard_services": "[service] services granted with service:* on every resource",
                "scp": "a service control policy (Organizations)",
            },
        ),
        Kind(
            "kms.key",
            "a cryptographic key",
            {
                "rotation": "enabled, period_days",
                "customer_managed": "managed by the customer rather than the cloud",
                "state": "enabled | disabled | pending_deletion | ...",
                "symmetric": "a symmetric encryption key (the only kind with automatic rotation)",
                "origin": "AWS_KMS | EXTERNAL | AWS_CLOUDHSM | EXTERNAL_KEY_STORE (only AWS_KMS rotates)",
                "policy": "the key policy document",
            },
        ),
        Kind("kms.vault", "a key vault or key ring"),
        Kind("secret", "a stored secret (the value is never collected)", {"rotation": "enabled, period_days"}),
        Kind(
            "network.vpc",
            "a virtual network",
            {"cidrs": "[cidr]", "is_default": "the provider-made default network", "state": "provider state"},
        ),
        Kind(
            "network.subnet",
            "a subnet",
            {
                "cidrs": "[cidr]",
                "map_public_ip": "instances launched here get a public IP",
                "availability_zone": "zone",
            },
        ),
        Kind(
            "network.firewall",
            "a security group, network security group or firewall rule",
            {
                "rules": "[{direction, action, protocol, ports [[from, to]], sources, destinations, priority}]",
                "is_default": "the provider-made default group",
                "attachment_count": "number of interfaces using it",
                "group_name": "the provider's group name (the node name is the Name tag when set)",
            },
        ),
        Kind(
            "network.acl",
            "a stateless network ACL",
            {"rules": "as for firewalls, with priority = rule number", "is_default": "the default ACL of its network"},
        ),
        Kind(
            "network.route_table",
            "a route table",
            {"routes": "[{destination, target, target_kind, state}]", "main": "the main table of its network"},
        ),
        Kind(
            "network.gateway",
            "an internet or NAT gateway",
            {
                "gateway_type": "internet | nat",
                "public_ips": "[ip] (NAT)",
                "attached_vpcs": "[id] (internet)",
                "connectivity": "public | private (NAT)",
                "state": "provider state",
            },
        ),
        Kind(
            "network.interface",
            "a network interface",
            {
                "interface_type": "provider interface type",
                "attachment": "{instance, device_index, status}",
                "status": "provider status",
                "requester_managed": "created by a service on the customer's behalf",
            },
        ),
        Kind(
            "network.public_ip",
            "a public address",
            {
                "address": "the IP",
                "instance_id": "attached instance",
                "network_interface_id": "attached interface",
                "private_ip": "the private address it maps to",
                "associated": "attached to something",
                "domain": "vpc | standard",
            },
        ),
        Kind(
            "network.load_balancer",
            "a load balancer",
            {
                "scheme": "internet-facing | internal",
                "listeners": "[{protocol, port, ssl_policy}]",
                "type": "application | network | gateway | classic",
                "targets": "[{id, port}] registered targets",
                "dns_name": "public DNS name",
                "state": "provider state",
            },
        ),
        Kind(
            "compute.instance",
            "a virtual machine",
            {
                "network": "public_ips, private_ips",
                "state": "running | stopped | ...",
                "imdsv2_required": "the metadata service requires session tokens",
                "world_open_ports": "[[from, to]] ports its firewalls open to any source",
                "imds": "{endpoint_enabled, http_tokens, hop_limit}",
                "instance_profile": "id of the instance profile",
                "image_id": "machine image",
                "instance_type": "size",
                "security_groups": "[id] firewalls attached to it or its interfaces",
            },
        ),
        Kind(
            "compute.disk",
            "a block volume",
            {
                "attached": "attached to an instance",
                "attachments": "[{instance, device}]",
                "size_gb": "size",
                "volume_type": "provider volume type",
                "state": "provider state",
                "availability_zone": "zone",
            },
        ),
        Kind(
            "compute.function",
            "a serverless function",
            {
                "runtime": "language runtime",
                "function_url": "{auth_type} public URL configuration, null when none",
                "public_by_policy": "its resource policy lets anyone invoke it",
                "package_type": "Zip | Image",
                "policy": "the resource policy document",
                "environment_keys": "[name] environment variable names (never their values)",
            },
        ),
        Kind(
            "storage.bucket",
            "an object store bucket or storage account",
            {
                "public_access_block": "{block_public_acls, ignore_public_acls, block_public_policy,"
                " restrict_public_buckets} effective (bucket or account)",
                "public_by_acl": "an ACL grants access to everyone or to any authenticated user",
                "public_by_policy": "a bucket policy statement allows any principal without conditions",
                "tls_only": "requests without TLS are denied",
                "versioning": "{enabled, mfa_delete}",
                "policy": "the bucket policy document (statements as lists)",
            },
        ),
        Kind(
            "database.instance",
            "a managed database",
            {
                "engine": "engine name",
                "engine_version": "engine version",
                "backup_retention_days": "automated backup retention",
                "iam_auth": "IAM database authentication",
                "multi_az": "standby in another zone",
                "deletion_protection": "deletion protection on",
                "instance_class": "size",
                "cluster": "id of its cluster, if any",
                "members": "[id] member instances (clusters)",
            },
        ),
        Kind(
            "ai.notebook",
            "a managed notebook",
            {
                "direct_internet_access": "the notebook has the provider's direct internet access",
                "root_access": "users get root on the notebook",
                "instance_type": "size",
                "lifecycle_config": "lifecycle script configuration name",
                "status": "provider status",
            },
        ),
        Kind(
            "ai.endpoint",
            "a model inference endpoint",
            {"endpoint_config": "endpoint configuration name", "status": "provider status"},
        ),
        Kind(
            "ai.model",
            "a trained model",
            {
                "network_isolation": "container network isolation",
                "artifact": "primary model artifact URI",
                "artifacts": "[uri] every artifact URI",
            },
        ),
        Kind(
            "ai.training_job",
            "a model training job",
            {
                "network_isolation": "the training container has no network access",
                "inter_container_encryption": "traffic between training containers is encrypted",
                "inputs": "[uri] training data locations",
                "output": "model artifact location",
                "status": "provider status",
            },
        ),
        Kind("ai.service", "a managed AI service account (Bedrock, Azure OpenAI, Vertex)"),
        Kind(
            "logging.trail",
            "an audit trail or log sink",
            {
                "multi_region": "records events of every region",
                "log_validation": "log file integrity validation",
                "cloudwatch_logs": "delivers to a log group",
                "cloudwatch_log_group": "the log group",
                "s3_bucket": "where it writes",
                "organization_trail": "logs every account of the organization",
                "include_global_events": "records global service events",
            },
        ),
    ]
}


def facet_defaults(kind: str) -> dict[str, Any]:
    """The unknown value of each facet a kind declares (null, or a map of nulls)."""
    declared = KINDS[kind].all_facets() if kind in KINDS else dict(COMMON_FACETS)
    return {name: dict.fromkeys(NESTED_FACETS[name]) if name in NESTED_FACETS else None for name in declared}
