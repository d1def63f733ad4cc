"""IAM policies on every level and resource: bindings as ``has_policy`` edges, public members, audit configs.

Each binding member gets one edge ``member -has_policy-> role`` whose detail lists
every binding that grants it: ``{bindings: [{scope, condition}]}``, ``scope`` being
the node the policy is set on (organization, folder, project, bucket, service
account, key...) and ``condition`` the IAM Condition ``{expression, title,
description}`` or null. Inheritance is not expanded here: the analyzer follows
``contains`` from the scope down. Audit configs (``auditConfigs``) become the
``audit_logging`` facet of each project, the union of its own and its ancestors'.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.hierarchy import FOLDER, ORGANIZATION, PROJECT, organization_of
from cloudwarden.providers.gcp.normalize.members import CONVENIENCE, PUBLIC_MEMBERS, member_node
from cloudwarden.providers.gcp.normalize.roles import build_roles

LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")


def scope_of(b: Builder, asset: Asset) -> str:
    """The node id an IAM policy is set on."""
    if asset.asset_type == PROJECT:
        return b.project_node(b.project_of(asset) or names.basename(asset.name))
    if asset.asset_type in (ORGANIZATION, FOLDER):
        return names.hierarchy_node_id(asset.name) or asset.name
    return asset.name


def apply_policies(b: Builder) -> None:
    """Every binding of every IAM policy in the input, then the role nodes and each member's grants."""
    bound: dict[str, set[str]] = defaultdict(set)
    first_account: dict[str, str | None] = {}
    grants: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    public: dict[str, list[dict[str, Any]]] = defaultdict(list)
    audits: dict[str, list[dict[str, Any]]] = {}
    for asset in b.assets:
        if asset.iam_policy is None:
            continue
        scope = scope_of(b, asset)
        account = b.project_of(asset) or organization_of(asset)
        with b.producing(account, "iam"):
            audits[scope] = asset.iam_policy["audit_configs"]
            for binding in asset.iam_policy["bindings"]:
                role, condition = binding["role"], binding["condition"]
                first_account.setdefault(role, account)
                for member in binding["members"]:
                    node_id = member_node(b, member)
                    bound[role].add(node_id)
                    entry = {"scope": scope, "condition": condition}
                    b.edge_list_append(node_id, role, "has_policy", "bindings", entry)
                    if entry not in grants[node_id][role]:
                        grants[node_id][role].append(entry)
                    if member in PUBLIC_MEMBERS:
                        public[scope].append({"member": member, "role": role, "condition": condition})
    build_roles(b, bound, first_account)
    _attached_policies(b, grants)
    _convenience_members(b, grants)
    b.shared["public_members"] = dict(public)
    b.shared["audit_configs"] = audits


def policy_public(b: Builder, node_id: str) -> bool | None:
    """Whether the node's own IAM policy grants anything to ``allUsers`` / ``allAuthenticatedUsers``.

    A resource with no IAM policy record is taken to have an empty policy when the
    input holds IAM policies at all (exports list only resources whose policy is
    set); with no IAM content in the input the answer is unknown.
    """
    if b.shared.get("public_members", {}).get(node_id):
        return True
    if node_id in b.shared.get("audit_configs", {}) or b.has_iam_content:
        return False
    return None


def public_members(b: Builder, node_id: str) -> list[dict[str, Any]]:
    """The public grants of a node's own IAM policy: ``[{member, role, condition}]``."""
    return list(b.shared.get("public_members", {}).get(node_id, []))


def _attached_policies(b: Builder, grants: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    """Each member's roles as ``attached_policies`` (the AWS shape, plus the scopes and conditionality)."""
    for member, roles in grants.items():
        attached = []
        for role, entries in sorted(roles.items()):
            props = b.nodes[role].props
            attached.append({
                "id": role, "name": b.nodes[role].name, "inline": False,
                "admin_equivalent": props.get("admin_equivalent"),
                "wildcard_services": props.get("wildcard_services"),
                "scopes": sorted({e["scope"] for e in entries}),
                "conditional": all(e["condition"] is not None for e in entries),
            })
        node = b.nodes.get(member)
        if node is not None and not node.reference:
            node.props["attached_policies"] = attached
        elif node is not None:
            node.props.setdefault("attached_policies", attached)
    if b.has_iam_content:
        # A collected service account bound nowhere in the input holds no role there: "none", not unknown.
        for node in b.nodes.values():
            if node.cloud == "gcp" and node.kind == "identity.service_account" and not node.reference:
                node.props.setdefault("attached_policies", [])


def _convenience_members(b: Builder, grants: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    """``member_of`` edges into ``projectOwner:<p>`` style groups from the project's basic-role holders."""
    groups = [n for n in b.nodes.values() if n.props.get("convenience") and n.id.split(":", 1)[0] in CONVENIENCE]
    if not groups:
        return
    # Holders per (role, scope), built once: a group per project must not scan every member of the estate.
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for member, roles in grants.items():
        for role, entries in roles.items():
            for scope in dict.fromkeys(e["scope"] for e in entries):
                holders[(role, scope)].append(member)
    for group in groups:
        project_scope = b.project_node(str(group.props["project"]))
        role = group.props["convenience"]
        for member in holders.get((role, project_scope), ()):
            if member != group.id:
                b.edge(member, group.id, "member_of", via=role)


def audit_summary(configs: list[dict[str, Any]]) -> dict[str, Any]:
    """What audit configs log: log types for all services, per service, and exempted members."""
    services: dict[str, set[str]] = defaultdict(set)
    exempted: set[str] = set()
    for config in configs:
        for log in config["audit_log_configs"]:
            services[config["service"]].add(log["log_type"])
            exempted.update(log["exempted_members"])
    everything = services.get("allServices", set())
    return {
        "enabled": any(services.values()),
        "admin_read": "ADMIN_READ" in everything,
        "data_read": "DATA_READ" in everything,
        "data_write": "DATA_WRITE" in everything,
        "all_services": sorted(everything),
        "services": {s: sorted(t) for s, t in sorted(services.items())},
        "exempted_members": sorted(exempted),
    }


def ancestors(b: Builder, node_id: str) -> list[str]:
    """``node_id`` and every org.unit above it through ``contains``."""
    chain, seen = [node_id], {node_id}
    parents = b.shared.get("org_parents")
    if parents is None:
        parents = b.shared["org_parents"] = {
            e.target: e.source for e in b.edges.values()
            if e.kind == "contains" and b.nodes.get(e.source) is not None and b.nodes[e.source].kind == "org.unit"}
    current = node_id
    while current in parents and parents[current] not in seen:
        current = parents[current]
        chain.append(current)
        seen.add(current)
    return chain


def apply_audit_logging(b: Builder) -> None:
    """``audit_logging`` on projects (own + inherited configs) and org units (their own); null when not in the input."""
    audits: dict[str, list[dict[str, Any]]] = b.shared.get("audit_configs", {})
    for node in list(b.nodes.values()):
        if node.cloud != "gcp" or node.kind not in ("account", "org.unit"):
            continue
        if node.id not in audits:
            node.props.setdefault("audit_logging", None)
            continue
        chain = ancestors(b, node.id) if node.kind == "account" else [node.id]
        configs = [c for scope in chain for c in audits.get(scope, [])]
        summary = audit_summary(configs)
        summary["sources"] = [scope for scope in chain if audits.get(scope)]
        node.props["audit_logging"] = summary
