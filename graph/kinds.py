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
    "object_id": "Azure: the Entra object id of the principal",
    "principal_type": "Azure: User | Group | ServicePrincipal | ... as role assignments name it",
    "member": "GCP: the IAM member string (user:a@x, serviceAccount:e, allUsers, ...)",
    "email": "GCP: the member's email (lower-cased)",
    "deleted": "GCP: a deleted: member (its bindings grant nothing)",
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
                "activity_log": "Azure: {exported, categories, categories_missing, settings} activity log export by"
                " diagnostic settings; null when they could not be read",
                "management_group_ancestors": "Azure: [management group name] nearest first",
                "project_id": "GCP: the project id (also the node's account)",
                "project_number": "GCP: the project number (the node id ends with it)",
                "audit_logging": "GCP: {enabled, admin_read, data_read, data_write, all_services, services,"
                " exempted_members, sources} Cloud Audit Logs config of the project and its ancestors; null when"
                " its IAM policy is not known",
                "os_login": "GCP: OS Login on in the project's common instance metadata",
                "compute": "GCP: {os_login, os_login_2fa, block_project_ssh_keys, serial_port_enabled,"
                " default_service_account}",
            },
        ),
        Kind(
            "org.unit",
            "organization, OU, management group, folder",
            {"policies": "[ids] attached control policies", "policy_types": "policy types enabled on a root",
             "display_name": "Azure: the management group's display name",
             "management_group_ancestors": "Azure: [management group name] nearest first",
             "org_type": "GCP: organization | folder",
             "audit_logging": "GCP: the Cloud Audit Logs config set on this organization or folder"},
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
        Kind("identity.group", "a group of principals", {**_PRINCIPAL_FACETS, "member_count": "number of members",
             "convenience": "GCP: the basic role a projectOwner:/projectEditor:/projectViewer: member stands for"}),
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
        Kind("identity.service_account", "a workload identity", {**_PRINCIPAL_FACETS, "keys": "[{id, age_days}]",
             "managed_identity": "Azure: system | user (managed identity)",
             "resource_id": "Azure: the resource a system-assigned identity belongs to",
             "user_managed_keys": "GCP: number of user-managed keys (keys lists them); null when unknown",
             "system_managed_keys": "GCP: number of Google-rotated keys",
             "default": "GCP: compute | appengine for a project's default service account",
             "disabled": "GCP: the service account is disabled"}),
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
                "role_name": "Azure: the role definition's name",
                "deny": "Azure: a deny assignment (blocks its actions; grants nothing)",
                "permissions": "GCP: [permission] the role grants (glob patterns when permissions_complete is"
                " false); null when unknown",
                "permissions_complete": "GCP: permissions is the exact list (false: catalogue patterns)",
                "excluded_permissions": "GCP: [pattern] removed from what the patterns grant",
                "stage": "GCP: GA | BETA | ALPHA | DEPRECATED | DISABLED (custom roles)",
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
                "enabled": "Azure: the key's enabled attribute",
                "expires": "Azure: expiry time (RFC 3339), null when the key never expires",
                "expiry_days": "Azure: days until expiry at collection time (negative once expired)",
                "key_type": "Azure: kty (rsa, rsa-hsm, ec, ec-hsm, oct-hsm)",
                "purpose": "GCP: ENCRYPT_DECRYPT | ASYMMETRIC_SIGN | ASYMMETRIC_DECRYPT | MAC | RAW_ENCRYPT_DECRYPT",
                "protection_level": "GCP: SOFTWARE | HSM | EXTERNAL | EXTERNAL_VPC (origin CLOUD_KMS | IMPORTED |"
                " EXTERNAL)",
            },
        ),
        Kind(
            "kms.vault",
            "a key vault or key ring",
            {
                "soft_delete": "Azure: soft delete on",
                "purge_protection": "Azure: purge protection on",
                "rbac_authorization": "Azure: data access by Azure RBAC (access policies ignored)",
                "public_network_access": "Azure: enabled | disabled",
                "network_default_action": "Azure: allow | deny (network ACL default)",
                "network_rules": "Azure: {default_action, bypass, ip_rules, virtual_network_rules}",
                "access_policies": "Azure: [{object_id, principal, keys, secrets, certificates, storage}] in force",
            },
        ),
        Kind(
            "secret",
            "a stored secret (the value is never collected)",
            {
                "rotation": "enabled, period_days",
                "enabled": "Azure: the secret's enabled attribute",
                "expires": "Azure: expiry time (RFC 3339), null when it never expires",
                "expiry_days": "Azure: days until expiry at collection time",
                "replication": "GCP: automatic | user_managed",
            },
        ),
        Kind(
            "network.vpc",
            "a virtual network",
            {"cidrs": "[cidr]", "is_default": "the provider-made default network", "state": "provider state",
             "auto_mode": "GCP: auto-mode network (a subnetwork per region)", "routing_mode": "GCP: REGIONAL | GLOBAL",
             "peerings": "GCP: [{name, network, state}]"},
        ),
        Kind(
            "network.subnet",
            "a subnet",
            {
                "cidrs": "[cidr]",
                "map_public_ip": "instances launched here get a public IP",
                "default_outbound_access": "Azure: the subnet's implicit outbound internet access",
                "network_security_group": "Azure: id of the subnet-level NSG",
                "private_google_access": "GCP: Private Google Access on the subnetwork",
                "flow_logs": "GCP: VPC flow logs on",
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
                "configured_rules": "GCP: every entry as written (rules holds what is in effect: none while"
                " disabled, without entries a higher-priority deny fully shadows)",
                "direction": "GCP: ingress | egress",
                "action": "GCP: allow | deny",
                "priority": "GCP: 0-65535, lower first; a deny wins a tie",
                "disabled": "GCP: the rule is disabled",
                "target_tags": "GCP: [tag] instances it applies to (none and no accounts: every instance)",
                "target_service_accounts": "GCP: [email] instances it applies to",
                "source_tags": "GCP: [tag]", "source_service_accounts": "GCP: [email]",
                "source_ranges": "GCP: [cidr]", "destination_ranges": "GCP: [cidr]",
                "network": "GCP: id of the VPC network", "shadowed_by": "GCP: [id] deny rules that shadow it",
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
            {"routes": "[{destination, target, target_kind, state}]", "main": "the main table of its network",
             "priority": "GCP: route priority", "tags": "GCP: [tag] instances the route applies to (none: all)"},
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
                "private_ips": "[ip]",
                "public_ips": "[ip] null when a referenced public IP is unknown",
                "application_security_groups": "Azure: [id] application security groups",
                "network_security_group": "Azure: id of the NIC-level NSG",
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
                "load_balancer_id": "Azure: the load balancer whose frontend uses it",
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
                "rules": "Azure: [{protocol, frontend_port, backend_port, nat?}]",
                "public_ips": "Azure: [ip] frontend public addresses",
                "load_balancing_scheme": "GCP: EXTERNAL | EXTERNAL_MANAGED | INTERNAL | ...",
                "ip_address": "GCP: the forwarding rule's address",
                "target": "GCP: id of its target proxy, pool or backend service",
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
                "interfaces": "[id] network interfaces",
                "os_type": "Linux | Windows",
                "encryption_at_host": "Azure: host-based encryption of temp disks and caches",
                "password_authentication": "Azure: password sign-in allowed on the OS (Linux setting)",
                "network_tags": "GCP: [tag] network tags (firewall targets)",
                "service_accounts": "GCP: [{email, scopes}] attached service accounts",
                "default_service_account": "GCP: runs as the Compute Engine default service account",
                "default_service_account_full_access": "GCP: ... with the cloud-platform scope",
                "os_login": "GCP: OS Login on (instance metadata, else the project's)",
                "shielded_vm": "GCP: {enabled, secure_boot, vtpm, integrity_monitoring}",
                "block_project_ssh_keys": "GCP: project-wide SSH keys blocked",
                "serial_port_enabled": "GCP: interactive serial console on (null: not set on the instance)",
                "ip_forwarding": "GCP: canIpForward", "confidential_computing": "GCP: Confidential VM",
                "network_interfaces": "GCP: [{network, subnetwork}]", "disks": "GCP: [id] attached disks",
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
                "network_access_policy": "Azure: AllowAll | AllowPrivate | DenyAll (disk export)",
                "public_network_access": "Azure: enabled | disabled",
                "state": "provider state",
                "availability_zone": "zone",
                "customer_supplied_key": "GCP: encrypted with a customer-supplied key (CSEK)",
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
                "platform": "Azure: app-service | automation",
                "https_only": "Azure: HTTP redirected to HTTPS",
                "ingress": "GCP: all | internal | internal_and_gclb",
                "service_account": "GCP: the identity it runs as (null: the default)",
                "public_members": "GCP: [{member, role, condition}] grants to allUsers / allAuthenticatedUsers",
                "public_network_access": "Azure: enabled | disabled",
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
                "allow_blob_public_access": "Azure: containers may be made public (allowBlobPublicAccess)",
                "shared_key_access": "Azure: account keys and SAS signed by them work (allowSharedKeyAccess)",
                "public_network_access": "Azure: enabled | disabled",
                "network_default_action": "Azure: allow | deny (firewall default)",
                "network_rules": "Azure: {default_action, bypass, ip_rules, virtual_network_rules}",
                "soft_delete": "Azure: {enabled, days} blob soft delete",
                "uniform_access": "GCP: uniform bucket-level access (ACLs not evaluated)",
                "public_access_prevention": "GCP: enforced | inherited | unspecified as set on the bucket",
                "public_access_prevention_enforced": "GCP: effective (bucket or organization policy)",
                "retention": "GCP: {enabled, period_days, locked}",
                "public_members": "GCP: [{member, role, condition}] grants to allUsers / allAuthenticatedUsers",
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
                "public_network_access": "Azure: enabled | disabled",
                "firewall_rules": "Azure: [{name, start, end}] server firewall rules; null when not collected",
                "firewall_world_open": "Azure: a rule admits 0.0.0.0-255.255.255.255",
                "allows_azure_services": "Azure: the 0.0.0.0-0.0.0.0 rule (any Azure tenant's addresses)",
                "min_tls": "minimum TLS version accepted (\"1.2\")",
                "databases": "Azure: [{id, name, tde, backup_retention_days}] user databases",
                "entra_only_auth": "Azure: Microsoft Entra-only authentication",
                "public_ip": "GCP: a public IPv4 address is assigned",
                "authorized_networks": "GCP: [cidr] networks allowed to the public IP",
                "ssl_required": "GCP: unencrypted connections refused",
                "backup": "GCP: {enabled, retained_backups, point_in_time_recovery, transaction_log_retention_days}",
                "database_flags": "GCP: {flag: value}",
                "network": "public_ips, private_ips",
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
                "public_ip": "Azure: the compute instance has a public IP",
                "ssh_access": "Azure: SSH open from the public IP",
                "subnet": "Azure: the subnet it is placed in",
                "proxy_access": "GCP: JupyterLab reachable through the Google proxy (authenticated)",
                "service_accounts": "GCP: [email] identities it runs as",
                "network": "public_ips, private_ips",
                "status": "provider status",
            },
        ),
        Kind(
            "ai.endpoint",
            "a model inference endpoint",
            {
                "endpoint_config": "endpoint configuration name",
                "status": "provider status",
                "auth_mode": "Azure: Key | AMLToken | AADToken",
                "network_access": "GCP: public | private (VPC peering or Private Service Connect)",
                "deployed_models": "GCP: [model name]",
                "public_network_access": "Azure: enabled | disabled",
            },
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
                "service_account": "GCP: the identity it runs as (null: the default service agent)",
                "output": "model artifact location",
                "status": "provider status",
            },
        ),
        Kind(
            "ai.service",
            "a managed AI service account (Bedrock, Azure OpenAI, Vertex)",
            {
                "service_kind": "Azure: account kind (OpenAI, CognitiveServices, ...) or MachineLearning/<kind>",
                "public_network_access": "Azure: enabled | disabled",
                "network_default_action": "Azure: allow | deny (network ACL default)",
                "network_rules": "Azure: {default_action, bypass, ip_rules, virtual_network_rules}",
                "local_auth_disabled": "Azure: API keys refused (Entra ID only)",
                "identity": "Azure: {type, system_principal_id, user_assigned}",
            },
        ),
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
                "categories": "Azure: [category] log categories exported",
                "destinations": "Azure: {storage_account, workspace, event_hub, partner}",
                "scope": "Azure: the scope the diagnostic setting is on",
                "destination": "GCP: where the sink writes (storage.googleapis.com/<bucket>, ...)",
                "filter": "GCP: the sink's filter (empty: every log entry)",
                "captures_all": "GCP: the filter is empty",
                "include_children": "GCP: an organization or folder sink covering its descendants",
            },
        ),
    ]
}


def facet_defaults(kind: str) -> dict[str, Any]:
    """The unknown value of each facet a kind declares (null, or a map of nulls)."""
    declared = KINDS[kind].all_facets() if kind in KINDS else dict(COMMON_FACETS)
    return {name: dict.fromkeys(NESTED_FACETS[name]) if name in NESTED_FACETS else None for name in declared}
