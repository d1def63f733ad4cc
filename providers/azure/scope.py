"""What an Azure run covers, and how it reaches ARM: endpoint, token audience, retries, clients.

Subscriptions default to every one the identity can list (``SubscriptionClient``);
``--subscription`` narrows to named ones, each of which must be visible to the
identity (a typo must not produce a clean-looking empty scan: exit 2).
``--management-group`` takes a whole tree: Resource Graph is queried at the
management-group scope and its subscriptions come from the answers.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.pipeline.policies import RetryPolicy
from cloudwarden.providers.azure.credentials import CredentialOptions
from cloudwarden.providers.azure.errors import (
    AzureCredentialsError,
    AzureScopeError,
    error_message,
    status_of,
)

ENDPOINT_VAR = "CLOUDWARDEN_AZURE_ENDPOINT"
PUBLIC_ENDPOINT = "https://management.azure.com"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
INACTIVE_STATES = frozenset({"disabled", "deleted"})

# ARM hosts of the sovereign clouds -> (token scope, Entra authority host). The token
# audience is not always "<endpoint>/.default": US Government's ARM audience is
# management.core.usgovcloudapi.net (as azure-mgmt-core's cloud table says).
KNOWN_CLOUDS: dict[str, tuple[str, str]] = {
    "management.azure.com": ("https://management.azure.com/.default", "login.microsoftonline.com"),
    "management.usgovcloudapi.net": ("https://management.core.usgovcloudapi.net/.default", "login.microsoftonline.us"),
    "management.chinacloudapi.cn": ("https://management.chinacloudapi.cn/.default", "login.chinacloudapi.cn"),
}


@dataclass
class AzureScope:
    """What the user asked to collect (CLI flags of ``collect azure`` / ``scan azure``)."""

    subscriptions: list[str] = field(default_factory=list)
    management_groups: list[str] = field(default_factory=list)
    tenant: str | None = None
    client_id: str | None = None
    certificate: str | None = None
    managed_identity: bool = False
    managed_identity_client_id: str | None = None
    endpoint: str | None = None
    token_scope: str | None = None
    ca_bundle: str | None = None
    max_workers: int = 8
    retry_total: int = 5
    max_retry_wait: float = 60.0
    graph_batch_size: int = 1000
    details: bool = True

    def credential_options(self) -> CredentialOptions:
        """The credential part of the scope."""
        return CredentialOptions(
            tenant=self.tenant,
            client_id=self.client_id,
            certificate=self.certificate,
            managed_identity=self.managed_identity,
            managed_identity_client_id=self.managed_identity_client_id,
        )


@dataclass(frozen=True)
class Endpoint:
    """Where ARM is, which audience its tokens need, and which Entra authority issues them."""

    base_url: str
    credential_scope: str
    authority: str | None = None


def resolve_endpoint(url: str | None = None, token_scope: str | None = None) -> Endpoint:
    """The ARM endpoint from ``--endpoint``, ``CLOUDWARDEN_AZURE_ENDPOINT`` or the public cloud.

    Known sovereign clouds get their documented audience and authority; any other
    host (Azure Stack Hub, a private endpoint, a test fake) gets ``<origin>/.default``
    unless ``token_scope`` says otherwise.
    """
    url = (url or os.environ.get(ENDPOINT_VAR) or PUBLIC_ENDPOINT).strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise AzureScopeError(f"the Azure endpoint must be an https URL, got {url!r}")
    origin = f"https://{parts.netloc}"
    known = KNOWN_CLOUDS.get(parts.netloc.lower())
    scope = token_scope or (known[0] if known else f"{origin}/.default")
    return Endpoint(base_url=origin, credential_scope=scope, authority=known[1] if known else None)


class ThrottleRetryPolicy(RetryPolicy):
    """azure-core retries that also honour Resource Graph's throttling headers, with a bounded wait.

    A 429 is retried whatever the method (Resource Graph queries are POSTs, which
    azure-core retries only with a Retry-After header), waiting what the server asks
    in ``Retry-After``, ``retry-after-ms`` or ARG's ``x-ms-user-quota-resets-after``
    (hh:mm:ss). A server asking for more than ``max_wait`` seconds is not waited for:
    the call fails and becomes a throttled coverage gap.
    """

    def __init__(self, max_wait: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wait = max_wait

    def get_retry_after(self, response: Any) -> float | None:
        """Seconds the server asked to wait, from any of the headers Azure uses."""
        wait = super().get_retry_after(response)
        if wait is None:
            wait = quota_reset_seconds(response.http_response.headers.get("x-ms-user-quota-resets-after"))
        return wait

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        """Retry throttled calls (any method) unless the wait asked for exceeds the bound."""
        status = response.http_response.status_code
        wait = self.get_retry_after(response) if status >= 400 else None
        if wait is not None and wait > self.max_wait:
            return False
        if status == 429:
            return True  # the counters in increment() still end the retries
        return bool(super().is_retry(settings, response))


def quota_reset_seconds(value: str | None) -> float | None:
    """Seconds in ARG's ``x-ms-user-quota-resets-after`` header (``hh:mm:ss``)."""
    if not value:
        return None
    try:
        parts = [float(p) for p in value.strip().split(":")]
    except ValueError:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return max(0.0, seconds)


class ArmConnection:
    """Builds (and caches) management clients that share a credential, endpoint and retry policy."""

    def __init__(
        self,
        credential: TokenCredential,
        endpoint: Endpoint,
        retry_policy: RetryPolicy,
        verify: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.credential = credential
        self.endpoint = endpoint
        self.retry_policy = retry_policy
        self.verify = verify
        self.user_agent = user_agent
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, cls: type, *args: Any) -> Any:
        """A client of ``cls`` (positional args after the credential, e.g. a subscription id)."""
        key = (cls, *args)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                kwargs: dict[str, Any] = {
                    "base_url": self.endpoint.base_url,
                    "credential_scopes": [self.endpoint.credential_scope],
                    "retry_policy": self.retry_policy,
                }
                if self.verify:
                    kwargs["connection_verify"] = self.verify
                if self.user_agent:
                    kwargs["user_agent"] = self.user_agent
                client = self._clients[key] = cls(self.credential, *args, **kwargs)
        return client

    def close(self) -> None:
        """Close every client built (their HTTP sessions)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if callable(close):
                close()


def arm_dict(model: Any) -> dict[str, Any]:
    """An SDK model as the ARM REST JSON it came from (camelCase, ``properties`` nesting)."""
    if isinstance(model, dict):
        return model
    if hasattr(model, "serialize") and not hasattr(model, "_attr_to_rest_field"):
        return model.serialize(keep_readonly=True)  # msrest-style models
    as_dict = getattr(model, "as_dict", None)
    if callable(as_dict):
        return as_dict()  # typespec models keep the REST names
    raise TypeError(f"cannot convert {type(model).__name__} to an ARM record")


@dataclass
class Targets:
    """The resolved scope: subscriptions (lower-case id -> ARM subscription) and management groups."""

    subscriptions: dict[str, dict[str, Any]]
    management_groups: list[str]


def list_subscriptions(conn: ArmConnection) -> dict[str, dict[str, Any]]:
    """Every subscription the identity can see, keyed by lower-case id."""
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    client = conn.client(SubscriptionClient)
    subs: dict[str, dict[str, Any]] = {}
    for sub in client.subscriptions.list():
        record = arm_dict(sub)
        sub_id = str(record.get("subscriptionId") or "").lower()
        if sub_id:
            subs[sub_id] = record
    return subs


def resolve_targets(conn: ArmConnection, scope: AzureScope) -> Targets:
    """Check the requested subscriptions and management groups against what the identity can see."""
    for sub in scope.subscriptions:
        if not GUID.match(sub.strip()):
            raise AzureScopeError(f"not a subscription id (a GUID): {sub!r}")
    try:
        visible = list_subscriptions(conn)
    except ClientAuthenticationError as exc:
        raise AzureCredentialsError(f"credential rejected by Azure Resource Manager: {error_message(exc)}") from exc
    except HttpResponseError as exc:
        if not scope.subscriptions:
            raise AzureScopeError(f"cannot list subscriptions: {error_message(exc)}; pass --subscription") from exc
        # Named subscriptions cannot be checked: take them as given (Resource Graph reports what it cannot read).
        visible = {s.strip().lower(): {"subscriptionId": s.strip().lower()} for s in scope.subscriptions}
    subs: dict[str, dict[str, Any]] = {}
    for requested in (s.strip().lower() for s in scope.subscriptions):
        if requested not in visible:
            raise AzureScopeError(f"unknown subscription {requested}: not visible to this identity")
        subs[requested] = visible[requested]
    if not scope.subscriptions and not scope.management_groups:
        subs = {k: v for k, v in visible.items() if str(v.get("state", "")).lower() not in INACTIVE_STATES}
        if not subs:
            raise AzureScopeError("this identity can read no enabled subscription; pass --subscription or --management-group")
    for group in scope.management_groups:
        check_management_group(conn, group)
    return Targets(subscriptions=subs, management_groups=list(dict.fromkeys(scope.management_groups)))


def check_management_group(conn: ArmConnection, name: str) -> None:
    """An ``AzureScopeError`` unless the management group exists and the identity can read it."""
    from azure.mgmt.managementgroups import ManagementGroupsMgmtClient

    try:
        conn.client(ManagementGroupsMgmtClient).management_groups.get(name)
    except HttpResponseError as exc:
        status = status_of(exc)
        what = "not found" if status == 404 else "not readable" if status in (401, 403) else "not checked"
        raise AzureScopeError(f"unknown management group {name!r} ({what}: {error_message(exc)})") from exc
