"""``internet -reaches->`` edges for GCP services exposed by their IAM policy, not by a network path.

A bucket that ``allUsers`` (anyone) or ``allAuthenticatedUsers`` (any Google
account) may read or write is served to them on storage.googleapis.com (443),
unless public access prevention is enforced. A Cloud Function or Cloud Run
service they may invoke is reachable on 443 unless its ingress setting keeps
it internal. The evidence names the public members and their permissions.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.gcp_iam import shared_authorization
from cloudwarden.graph.model import INTERNET_ID, Edge, Node
from cloudwarden.graph.network.internet import reaches_edge

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_HTTPS = [[443, 443]]
_INVOKE = ("cloudfunctions.functions.invoke", "cloudfunctions.functions.call", "run.routes.invoke")
_INTERNAL_INGRESS = ("internal", "internal_and_gclb", "allow_internal_only", "ingress_traffic_internal_only",
                     "allow_internal_and_gclb", "ingress_traffic_internal_load_balancer",
                     "internal-and-cloud-load-balancing")


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def _prevented(node: Node) -> bool:
    """Public access prevention enforced on the bucket (or by the organization policy, as the normalizer reports it)."""
    if node.props.get("public_access_prevention_enforced") is True:
        return True
    value = node.props.get("public_access_prevention")
    if value is None:
        config = _first(node.raw or {}, "iamConfiguration", "iam_configuration") or {}
        value = _first(config, "publicAccessPrevention", "public_access_prevention")
    return str(value or "").lower() == "enforced"


def _internal(node: Node) -> bool:
    raw = node.raw or {}
    service = _first(raw, "serviceConfig", "service_config") or {}
    value = node.props.get("ingress") or _first(raw, "ingressSettings", "ingress_settings", "ingress") or \
        _first(service, "ingressSettings", "ingress_settings")
    return str(value or "").lower() in _INTERNAL_INGRESS


_NOTEBOOK_DOWN = frozenset({"stopped", "stopping", "suspended", "suspending", "deleted", "deleting", "failed"})


def notebook_edges(graph: EstateGraph) -> list[Edge]:
    """internet -> Workbench notebooks with proxy access and an external address, on 443 behind Google sign-in.

    As for SageMaker notebooks with direct internet access: the JupyterLab UI is
    served on a public Google endpoint (the notebook proxy, which checks the
    caller's IAM permission ``notebooks.instances.use``) and the VM itself sits
    on the internet. A notebook without its external address reaches only its
    network; one without proxy access has no public UI.
    """
    edges: list[Edge] = []
    for node in sorted(graph.nodes_of("ai.notebook"), key=lambda n: n.id):
        props = node.props
        if node.cloud != "gcp" or node.reference or str(props.get("status") or "").lower() in _NOTEBOOK_DOWN:
            continue
        if props.get("proxy_access") is True and props.get("direct_internet_access", props.get("public_ip")) is True:
            via = [{"hop": "notebook_proxy", "access": "google_sign_in", "permission": "notebooks.instances.use"},
                   {"hop": "external_ip", "enabled": True}]
            entry = {"protocol": "tcp", "ports": _HTTPS, "sources": ["0.0.0.0/0"], "restricted": False, "via": via}
            edges.append(reaches_edge(INTERNET_ID, node.id, [entry], rules=[], authenticated=True))
    return edges


def service_edges(graph: EstateGraph) -> list[Edge]:
    """internet -> public buckets, functions and Cloud Run services (by their IAM policy)."""
    auth = shared_authorization(graph)
    edges: list[Edge] = []
    for node in sorted(graph.nodes_of("storage.bucket", "compute.function"), key=lambda n: n.id):
        if node.cloud != "gcp" or node.reference:
            continue
        bucket = node.kind == "storage.bucket"
        if (bucket and _prevented(node)) or (not bucket and _internal(node)):
            continue
        url = node.props.get("function_url", {}) if not bucket else {}
        if url is None:
            continue  # an event-triggered function has no HTTP endpoint
        via: list[dict[str, Any]] = []
        # A Cloud Functions (2nd gen) function is invoked through its Cloud Run service's IAM policy too.
        scopes = [node.id] + ([node.props["run_service"]] if not bucket and node.props.get("run_service") else [])
        for member in PUBLIC_MEMBERS:
            for scope in scopes:
                access = auth.permissions_on(member, scope, None if bucket else _INVOKE)
                granted = sorted(access.allowed)
                if granted:
                    via.append({"hop": "public_member", "member": member, "scope": scope, "permissions": granted,
                                "roles": sorted({b.role for p in granted for b in access.allowed[p]})})
        if not bucket and str((url or {}).get("auth_type") or "").upper() == "NONE":
            via.append({"hop": "function_url", "member": "allUsers", "auth_type": "NONE"})
        if not via and node.props.get("public") is True:
            via.append({"hop": "public", "member": "allUsers", "source": "props.public (normalizer)"})
        if via:
            entry = {"protocol": "tcp", "ports": _HTTPS, "sources": ["0.0.0.0/0"], "restricted": False, "via": via}
            extra = {"authenticated": True} if all(v["member"] == "allAuthenticatedUsers" for v in via) else {}
            edges.append(reaches_edge(INTERNET_ID, node.id, [entry], rules=via, **extra))
    return edges
