"""Safe, idempotent Azure fixes: one module per service, each action a small class.

``ACTIONS`` is the registry the engine plans from; ``connect`` opens the
session the actions read and write through: ``DefaultAzureCredential`` unless
a credential is given, the ARM endpoint from ``CLOUDWARDEN_AZURE_ENDPOINT``
(the public cloud by default), TLS verification from ``ca_bundle`` or the
standard ``REQUESTS_CA_BUNDLE``.

Calls are planned as plain data: ``service`` names the management client
(``storage``, ``network``, ``keyvault``), ``operation`` the dotted method path
on it (``storage_accounts.update``) and ``params`` its keyword arguments, with
SDK models written as dicts of their Python attribute names; ``execute``
builds the models back from them. The subscription is the one in the call's
resource id (every call names the resource it changes).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
from collections.abc import Callable, MutableMapping
from typing import Any

from cloudwarden.providers.azure.remediation import keyvault, network, storage
from cloudwarden.providers.azure.remediation.resource_id import subscription_of
from cloudwarden.providers.remediation import Action, ApiCall, RemediationError

ACTIONS: tuple[Action, ...] = (*storage.ACTIONS, *network.ACTIONS, *keyvault.ACTIONS)

UNKNOWN_ACTOR = "unknown-azure-principal"
MAX_MESSAGE = 300

# service -> (module, management client class); imported on first use so that
# listing the actions needs no SDK.
_CLIENTS = {
    "storage": ("azure.mgmt.storage", "StorageManagementClient"),
    "network": ("azure.mgmt.network", "NetworkManagementClient"),
    "keyvault": ("azure.mgmt.keyvault", "KeyVaultManagementClient"),
}


def _storage_update(parameters: dict[str, Any]) -> Any:
    from azure.mgmt.storage.models import StorageAccountUpdateParameters

    return StorageAccountUpdateParameters(**parameters)


def _vault_patch(parameters: dict[str, Any]) -> Any:
    from azure.mgmt.keyvault.models import VaultPatchParameters, VaultPatchProperties

    return VaultPatchParameters(properties=VaultPatchProperties(**parameters.get("properties", {})))


# (service, operation, keyword) -> the SDK model a planned dict stands for.
_MODELS: dict[tuple[str, str, str], Callable[[dict[str, Any]], Any]] = {
    ("storage", "storage_accounts.update", "parameters"): _storage_update,
    ("keyvault", "vaults.update", "parameters"): _vault_patch,
}


class AzureSession:
    """Management clients for remediation, cached per (service, subscription), sharing one credential."""

    cloud = "azure"

    def __init__(self, credential: Any = None, endpoint: str | None = None, ca_bundle: str | None = None) -> None:
        from cloudwarden.providers.azure.scope import resolve_endpoint

        self._endpoint = resolve_endpoint(endpoint)
        if credential is None:
            credential = _default_credential(self._endpoint.authority)
        self._credential = credential
        self._verify = ca_bundle
        self._clients: dict[tuple[str, str], Any] = {}
        self._actor: str | None = None

    def client(self, service: str, subscription: str) -> Any:
        """The management client of ``service`` for one subscription."""
        key = (service, subscription.lower())
        if key not in self._clients:
            if service not in _CLIENTS:
                raise RemediationError(f"unknown Azure service {service!r}")
            module, name = _CLIENTS[service]
            cls = getattr(importlib.import_module(module), name)
            kwargs: dict[str, Any] = {"base_url": self._endpoint.base_url,
                                      "credential_scopes": [self._endpoint.credential_scope]}
            if self._verify:
                kwargs["connection_verify"] = self._verify
            self._clients[key] = cls(self._credential, subscription, **kwargs)
        return self._clients[key]

    def actor(self) -> str:
        """The object id (``oid``) of the token's principal, else its application id, else a placeholder."""
        if self._actor is None:
            from azure.core.exceptions import ClientAuthenticationError

            try:
                token = self._credential.get_token(self._endpoint.credential_scope).token
            except ClientAuthenticationError as exc:
                raise RemediationError(f"Azure credentials: {_first_line(getattr(exc, 'message', None) or str(exc))}"
                                       ) from exc
            claims = token_claims(token)
            found = claims.get("oid") or claims.get("appid") or claims.get("azp")
            # azure-identity keeps the id private (``_client_id``); wrappers may expose ``client_id``.
            found = found or getattr(self._credential, "client_id", None) or getattr(
                self._credential, "_client_id", None)
            self._actor = str(found) if found else UNKNOWN_ACTOR
        return self._actor

    def execute(self, call: ApiCall) -> Any:
        """Run one planned call (waiting for long-running ones); SDK errors become ``RemediationError``."""
        client = self.client(call.service, subscription_of(call.resource))
        kwargs = {}
        for name, value in call.params.items():
            model = _MODELS.get((call.service, call.operation, name))
            kwargs[name] = model(value) if model is not None else value
        return self._invoke(client, call.service, call.operation, kwargs, absent_is_none=False)

    def read(self, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """A read call with ``subscription_id`` among the params; None when ARM answers 404.

        The answer is the resource in its REST shape (``properties`` with
        camelCase names), whatever generation of SDK models the client uses.
        """
        subscription = params.pop("subscription_id", None)
        if not subscription:
            raise RemediationError(f"{service}.{operation}: no subscription_id given")
        result = self._invoke(self.client(service, subscription), service, operation, params, absent_is_none=True)
        return rest_shape(result)

    def _invoke(self, client: Any, service: str, operation: str, kwargs: dict[str, Any], absent_is_none: bool) -> Any:
        from azure.core.exceptions import (
            AzureError,
            HttpResponseError,
            ResourceNotFoundError,
        )
        from azure.core.polling import LROPoller

        method = client
        for part in operation.split("."):
            method = getattr(method, part, None)
            if method is None:
                raise RemediationError(f"{service}.{operation}: no such SDK operation")
        try:
            result = method(**kwargs)
            return result.result() if isinstance(result, LROPoller) else result
        except ResourceNotFoundError:
            if absent_is_none:
                return None
            raise RemediationError(f"{service}.{operation}: HTTP 404: the resource does not exist") from None
        except HttpResponseError as exc:
            raise RemediationError(f"{service}.{operation}: {describe_http_error(exc)}") from exc
        except AzureError as exc:  # transport failures, credential failures
            raise RemediationError(f"{service}.{operation}: {_first_line(str(exc))}") from exc


def describe_http_error(exc: Any) -> str:
    """``HTTP <status>: <ARM error code>: <first line of the message>`` (never headers, so never a token)."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or getattr(exc, "reason", None) or "error"
    message = getattr(error, "message", None) or getattr(exc, "message", None) or ""
    if message.startswith("(") and ")" in message:  # azure-core prefixes "(Code) "
        message = message.split(")", 1)[1].strip()
    text = f"HTTP {status}: {code}: {_first_line(message)}" if message else f"HTTP {status}: {code}"
    return text[:MAX_MESSAGE]


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0].strip()[:MAX_MESSAGE]


def token_claims(token: str) -> dict[str, Any]:
    """The payload claims of a JWT access token, unverified (only to name the caller); {} when not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def rest_shape(result: Any) -> Any:
    """An SDK model as its REST JSON (new hybrid models and older msrest models alike); other values as given."""
    if result is None or isinstance(result, (dict, list, str, int, float, bool)):
        return result
    as_dict = getattr(result, "as_dict", None)
    serialize = getattr(result, "serialize", None)
    if isinstance(result, MutableMapping) and callable(as_dict):
        return as_dict()  # typespec-generated models are their REST JSON
    if callable(serialize):
        return serialize(keep_readonly=True)  # msrest models
    return result


def _default_credential(authority: str | None) -> Any:
    from azure.identity import DefaultAzureCredential

    try:
        return DefaultAzureCredential(**({"authority": authority} if authority else {}))
    except (ValueError, OSError) as exc:
        raise RemediationError(f"Azure credentials: {_first_line(str(exc))}") from exc


def connect(credential: Any = None, endpoint: str | None = None, ca_bundle: str | None = None) -> AzureSession:
    """The session remediation runs with."""
    return AzureSession(credential, endpoint, ca_bundle)


def connect_from_args(args: Any) -> AzureSession:
    """The session that ``remediate azure [flags]`` asks for: the same sign-in options as collection."""
    from cloudwarden.providers.azure.command import scope_from_args
    from cloudwarden.providers.azure.credentials import build_credential
    from cloudwarden.providers.azure.scope import resolve_endpoint

    scope = scope_from_args(args)
    endpoint = resolve_endpoint(scope.endpoint, scope.token_scope)
    credential = build_credential(scope.credential_options(), endpoint.authority)
    return AzureSession(credential, scope.endpoint, scope.ca_bundle)
