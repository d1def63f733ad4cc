"""Cloud Functions (1st and 2nd gen) and Cloud Run services as ``compute.function`` nodes.

``public_by_policy``: the resource's own IAM policy (for a 2nd gen function, also
its Cloud Run service's) grants ``allUsers`` / ``allAuthenticatedUsers`` a role
that can invoke it. ``function_url.auth_type`` is ``NONE`` when Cloud Run's
invoker IAM check is disabled, else ``IAM``. ``public`` also needs ingress from
anywhere (``ALLOW_ALL`` / ``INGRESS_TRAFFIC_ALL`` / ``all``). Only environment
variable names are kept, never their values. Without an explicit identity,
1st gen functions run as the App Engine default service account and 2nd gen
functions and Run services as the Compute Engine default service account.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.iam import policy_public, public_members
from cloudwarden.providers.gcp.normalize.resources import cmek, labels, resource_node, runs_as

FUNCTION_V1 = "cloudfunctions.googleapis.com/CloudFunction"
FUNCTION_V2 = "cloudfunctions.googleapis.com/Function"
RUN_SERVICE = "run.googleapis.com/Service"
INVOKE = ("cloudfunctions.functions.invoke", "run.routes.invoke")
_INGRESS = {"ALLOW_ALL": "all", "INGRESS_TRAFFIC_ALL": "all", "ALL": "all",
            "ALLOW_INTERNAL_ONLY": "internal", "INGRESS_TRAFFIC_INTERNAL_ONLY": "internal", "INTERNAL": "internal",
            "ALLOW_INTERNAL_AND_GCLB": "internal_and_gclb",
            "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER": "internal_and_gclb",
            "INTERNAL-AND-CLOUD-LOAD-BALANCING": "internal_and_gclb"}


def ingress(value: Any) -> str | None:
    """Ingress settings as ``all`` / ``internal`` / ``internal_and_gclb``."""
    return _INGRESS.get(str(value).upper()) if value else None


def _env_names(config: dict[str, Any]) -> list[str]:
    """Names of plain and secret environment variables (values are never read)."""
    names_ = set(config.get("environmentVariables") or {})
    names_ |= {str(s["key"]) for s in config.get("secretEnvironmentVariables") or () if s.get("key")}
    return sorted(names_)


def _function(b: Builder, asset: Asset, props: dict[str, Any], account: str | None, default_account: str | None,
              key: str | None) -> None:
    node_id = asset.name
    props["encryption"] = cmek(b, node_id, key)
    resource_node(b, asset, "compute.function", props)
    if account:
        runs_as(b, node_id, account)
    elif default_account:
        runs_as(b, node_id, default_account, default=True)


def function_v1(b: Builder, asset: Asset) -> None:
    """A 1st gen Cloud Function."""
    data = asset.data
    project = b.project_of(asset)
    http = data.get("httpsTrigger")
    mode = ingress(data.get("ingressSettings")) or "all"
    env = _env_names(data)
    _function(b, asset, {
        "runtime": data.get("runtime"),
        "generation": 1,
        "ingress": mode,
        "function_url": {"auth_type": "IAM", "url": http.get("url"), "ingress": mode}
        if isinstance(http, dict) else None,
        "https_only": str((http or {}).get("securityLevel") or "").upper() == "SECURE_ALWAYS" if http else None,
        "environment_keys": env,
        "service_account": data.get("serviceAccountEmail"),
        "vpc_connector": data.get("vpcConnector"),
        "package_type": None,
    }, data.get("serviceAccountEmail"), f"{project}@appspot.gserviceaccount.com" if project else None,
        data.get("kmsKeyName"))


def function_v2(b: Builder, asset: Asset) -> None:
    """A 2nd gen Cloud Function (served by a Cloud Run service)."""
    data = asset.data
    service = data.get("serviceConfig") or {}
    build = data.get("buildConfig") or {}
    number = b.project_number(b.project_of(asset))
    mode = ingress(service.get("ingressSettings")) or "all"
    url = service.get("uri") or data.get("url")
    run_service = names.service_id("run.googleapis.com", service.get("service"))
    env = _env_names(service)
    _function(b, asset, {
        "runtime": build.get("runtime"),
        "generation": 2,
        "ingress": mode,
        "function_url": None if data.get("eventTrigger") else {"auth_type": "IAM", "url": url, "ingress": mode},
        "environment_keys": env,
        "service_account": service.get("serviceAccountEmail"),
        "vpc_connector": service.get("vpcConnector"),
        "run_service": b.resolve(run_service) if run_service else None,
        "package_type": None,
    }, service.get("serviceAccountEmail"), f"{number}-compute@developer.gserviceaccount.com" if number else None,
        data.get("kmsKeyName"))


def run_service(b: Builder, asset: Asset) -> None:
    """A Cloud Run service (v2 shape, or the v1 Knative shape)."""
    data = asset.data
    number = b.project_number(b.project_of(asset))
    if "template" in data or "uri" in data or "ingress" in data:
        template = data.get("template") or {}
        containers = template.get("containers") or []
        account, mode, url = template.get("serviceAccount"), ingress(data.get("ingress")), data.get("uri")
        no_auth, key = bool(data.get("invokerIamDisabled")), template.get("encryptionKey")
        tags = labels(data)
    else:
        meta = data.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        spec = ((data.get("spec") or {}).get("template") or {}).get("spec") or {}
        containers = spec.get("containers") or []
        account, mode = spec.get("serviceAccountName"), ingress(annotations.get("run.googleapis.com/ingress"))
        url = (data.get("status") or {}).get("url")
        no_auth = str(annotations.get("run.googleapis.com/invoker-iam-disabled", "")).lower() == "true"
        key = (((data.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("annotations", {}).get(
            "run.googleapis.com/encryption-key")
        tags = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    mode = mode or "all"
    env = sorted({str(e.get("name")) for c in containers for e in c.get("env") or () if e.get("name")})
    _function(b, asset, {
        "runtime": "container",
        "generation": None,
        "ingress": mode,
        "function_url": {"auth_type": "NONE" if no_auth else "IAM", "url": url, "ingress": mode},
        "environment_keys": env,
        "service_account": account,
        "images": [c.get("image") for c in containers if c.get("image")],
        "package_type": "Image",
    }, account, f"{number}-compute@developer.gserviceaccount.com" if number else None, key)
    b.nodes[asset.name].tags = tags


def _invokes(b: Builder, role: str) -> bool | None:
    """Whether a role can invoke functions or Run services; None when its permissions are unknown."""
    node = b.nodes.get(role)
    permissions = node.props.get("permissions") if node else None
    if permissions is None:
        return None
    excluded = node.props.get("excluded_permissions") or []
    return any(fnmatchcase(p, pattern) and not any(fnmatchcase(p, ex) for ex in excluded)
               for p in INVOKE for pattern in permissions)


def settle_functions(b: Builder) -> None:
    """``public_by_policy`` and ``public`` of every function and Run service, from IAM and ingress."""
    for node in list(b.nodes.values()):
        if node.kind != "compute.function" or node.cloud != "gcp" or node.reference:
            continue
        scopes = [node.id] + ([node.props["run_service"]] if node.props.get("run_service") else [])
        grants = [g for scope in scopes for g in public_members(b, scope)]
        verdicts = [_invokes(b, g["role"]) for g in grants]
        if any(v is True for v in verdicts):
            by_policy: bool | None = True
        elif any(v is None for v in verdicts) or policy_public(b, node.id) is None:
            by_policy = None
        else:
            by_policy = False
        url = node.props.get("function_url") or {}
        open_url = url.get("auth_type") == "NONE"
        exposed = True if (by_policy or open_url) else (None if by_policy is None else False)
        if "ingress" not in node.props:
            public = exposed  # only the IAM policy is known of this resource
        elif node.props["ingress"] != "all" or not url:
            public = False  # internal ingress, or no HTTP endpoint at all (event-triggered)
        else:
            public = exposed
        node.props.update(public_by_policy=by_policy, public_members=grants, public=public)


HANDLERS = {FUNCTION_V1: function_v1, FUNCTION_V2: function_v2, RUN_SERVICE: run_service}
