"""``internet -reaches->`` Azure PaaS services exposed by their own network settings.

No VNet path is involved: Azure serves these on public endpoints, and the
service's own firewall decides.

- storage accounts, Key Vaults, Cognitive Services / Azure OpenAI accounts,
  Cosmos DB accounts: public network access not disabled and the network rule
  set's default action ``Allow`` (no ``networkAcls`` at all is Allow);
- SQL servers (and their databases), PostgreSQL / MySQL servers: public network
  access not disabled and firewall rules that together admit every internet
  address (the classic ``0.0.0.0 - 255.255.255.255``); ``0.0.0.0 - 0.0.0.0``
  ("allow Azure services") admits Azure, not the internet;
- web and function apps (running): public network access not disabled and no
  access restriction narrowing who may call them (HTTPS); when the restrictions
  were not collected, only an explicit ``publicNetworkAccess: Enabled`` counts;
- AML compute instances the normalizer marks with direct internet access (a
  public IP), and online endpoints with public network access: reachable on 443
  behind authentication (``authenticated: true``, as AWS notebooks).

An allow-list (default action Deny with IP rules) is not exposure, as on AWS.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import INTERNET_ID, Edge, Node
from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet
from cloudwarden.graph.network.internet import reaches_edge

_HTTPS = [[443, 443]]
_NETWORK_KEYS = ("networkAcls", "networkRuleSet", "network_acls", "network_rules")
_DB_PORTS = (("microsoft.sql/", 1433), ("microsoft.dbforpostgresql/", 5432), ("microsoft.dbformysql/", 3306),
             ("microsoft.dbformariadb/", 3306))
_FIREWALLED_KINDS = ("storage.bucket", "kms.vault", "ai.service")
_WEB = "microsoft.web/sites"
_NOTEBOOK_DOWN = ("stopped", "stopping", "deleting", "failed")


def _properties(node: Node) -> dict[str, Any]:
    return (node.raw or {}).get("properties") or {}


def public_network_access(node: Node) -> bool | None:
    """Public network access: True/False, None when not stated (Azure's default: enabled)."""
    value = node.props.get("public_network_access")
    if value is None:
        value = _properties(node).get("publicNetworkAccess")
    if isinstance(value, bool) or value is None:
        return value
    return str(value).lower() == "enabled"


def default_action(node: Node) -> str | None:
    """The network rule set's default action (``allow``/``deny``); ``allow`` when the payload has no rule set."""
    for key in ("network_default_action", "default_action"):
        if node.props.get(key):
            return str(node.props[key]).lower()
    for source in (node.props, _properties(node)):
        for key in _NETWORK_KEYS:
            rules = source.get(key)
            if isinstance(rules, dict):
                value = rules.get("default_action") or rules.get("defaultAction")
                if value:
                    return str(value).lower()
    rules = node.props.get("network_rules")
    if isinstance(rules, dict) and rules.get("ip_rules"):
        return "deny"  # an IP allow-list without a stated default (ML workspaces): only those addresses
    properties = _properties(node)
    if properties and not any(k in properties for k in _NETWORK_KEYS):
        return "allow"
    return None


def _edge(node: Node, ports: list[list[int]], hop: dict[str, Any], **extra: Any) -> Edge:
    access = {"protocol": "tcp", "ports": ports, "sources": ["0.0.0.0/0"], "restricted": False, "via": [hop]}
    return reaches_edge(INTERNET_ID, node.id, [access], **extra)


def _firewall_open(node: Node) -> Edge | None:
    if public_network_access(node) is False or default_action(node) != "allow":
        return None
    return _edge(node, _HTTPS, {"hop": "public_network_access", "public_network_access": "Enabled",
                                "default_action": "Allow"})


def _ip_range(entry: dict[str, Any]) -> AddressSet:
    start = entry.get("start_ip") or entry.get("start_ip_address") or entry.get("startIpAddress") or entry.get("start")
    end = entry.get("end_ip") or entry.get("end_ip_address") or entry.get("endIpAddress") or entry.get("end") or start
    try:
        first, last = ipaddress.ip_address(str(start)), ipaddress.ip_address(str(end))
    except ValueError:
        return AddressSet()
    if first.version != last.version or last < first:
        return AddressSet()
    return AddressSet.from_iter(str(n) for n in ipaddress.summarize_address_range(first, last))


def _server(graph: EstateGraph, node: Node) -> Node:
    """A database's server (firewall and public access are server settings)."""
    if "/databases/" in node.id:
        return graph.node(node.id.split("/databases/")[0]) or node
    return node


def _database(graph: EstateGraph, node: Node) -> Edge | None:
    server = _server(graph, node)
    kind = (server.native_type or server.id).lower()
    port = next((p for prefix, p in _DB_PORTS if prefix in kind), None)
    if port is None or public_network_access(server) is False:
        return None
    rules = server.props.get("firewall_rules")
    if rules is None:
        rules = [r.get("properties") or r for r in _properties(server).get("firewallRules") or []]
    admitted = AddressSet.union_all(_ip_range(r) for r in rules if isinstance(r, dict))
    if not admitted.covers(PUBLIC_INTERNET.family(4)):
        return None
    names = [r.get("name") for r in rules if isinstance(r, dict) and r.get("name")]
    return _edge(node, [[port, port]], {"hop": "server_firewall", "id": server.id, "rules": names,
                                         "public_network_access": "Enabled"})


def _web_app(node: Node) -> Edge | None:
    access = public_network_access(node)
    if access is False or str(node.props.get("state") or _properties(node).get("state") or "").lower() == "stopped":
        return None
    config = _properties(node).get("siteConfig") or {}
    restrictions = node.props.get("access_restrictions")
    if restrictions is None:
        restrictions = config.get("ipSecurityRestrictions")
    if restrictions is None and access is not True:
        return None  # neither its access restrictions nor its public access are known: nothing proven
    restrictions = restrictions or []
    allows = [r for r in restrictions if str(r.get("action", "allow")).lower() == "allow"]
    narrowed = any(str(r.get("ip_address") or r.get("ipAddress") or "").lower() not in ("any", "0.0.0.0/0", "")
                   or r.get("vnet_subnet_resource_id") or r.get("vnetSubnetResourceId") or r.get("tag") == "ServiceTag"
                   for r in allows)
    if narrowed or (not allows and str(config.get("ipSecurityRestrictionsDefaultAction", "")).lower() == "deny"):
        return None
    return _edge(node, _HTTPS, {"hop": "app_service_endpoint", "public_network_access": "Enabled",
                                "access_restrictions": len(restrictions)})


def service_edges(graph: EstateGraph) -> list[Edge]:
    """Edges to Azure services open to the internet by their own network settings."""
    edges: list[Edge] = []
    for node in graph.nodes_of(*_FIREWALLED_KINDS, "database.instance", "compute.function", "ai.notebook",
                               "ai.endpoint"):
        if node.cloud != "azure" or node.reference:
            continue
        kind = (node.native_type or "").lower()
        edge: Edge | None = None
        if node.kind in _FIREWALLED_KINDS or kind.startswith("microsoft.documentdb/"):
            edge = _firewall_open(node)
        elif node.kind == "database.instance":
            edge = _database(graph, node)
        elif node.kind == "compute.function" and kind.startswith(_WEB):
            edge = _web_app(node)
        elif node.kind == "ai.notebook" and node.props.get("direct_internet_access") is True and str(
                node.props.get("status") or "").lower() not in _NOTEBOOK_DOWN:
            edge = _edge(node, _HTTPS, {"hop": "aml_compute_instance", "direct_internet_access": True},
                         authenticated=True)
        elif node.kind == "ai.endpoint" and public_network_access(node) is True:
            edge = _edge(node, _HTTPS, {"hop": "scoring_endpoint", "public_network_access": "Enabled",
                                        "auth_mode": node.props.get("auth_mode")}, authenticated=True)
        if edge is not None:
            edges.append(edge)
    return edges
