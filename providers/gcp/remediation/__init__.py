"""Safe, idempotent Google Cloud fixes: one module per service, each action a small class.

``ACTIONS`` is the registry the engine plans from; ``connect`` opens the
session the actions read and write through: Application Default Credentials
unless credentials are given, every API at ``CLOUDWARDEN_GCP_ENDPOINT`` when it
is set (a test fake), else each API's public endpoint.

Calls are planned as plain data. ``service`` names the client: ``gcs``
(google-cloud-storage, JSON API), ``compute.firewalls`` (``FirewallsClient``)
and ``kms`` (``KeyManagementServiceClient``), both GAPIC clients over REST.
``operation`` is the method: on the client, or on one bucket when it reads
``bucket.<method>`` (the bucket named by the ``bucket`` param). GAPIC params
are the request's fields with message values in their proto3 JSON form
(``"7776000s"``, RFC 3339 times, field masks as ``"rotationPeriod,..."``);
``bucket.patch`` takes ``body``, the exact JSON merge-patch sent to the bucket.
Reads answer the REST JSON of what they read.
"""

from __future__ import annotations

import copy
import json
import os
import typing
from typing import Any

from cloudwarden.providers.gcp.remediation import compute, kms, storage
from cloudwarden.providers.remediation import Action, ApiCall, RemediationError

ACTIONS: tuple[Action, ...] = (*storage.ACTIONS, *compute.ACTIONS, *kms.ACTIONS)

ENDPOINT_ENV = "CLOUDWARDEN_GCP_ENDPOINT"
UNKNOWN_ACTOR = "unknown-gcp-principal"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
MAX_MESSAGE = 300
OPERATION_TIMEOUT = 300.0  # seconds a compute operation may take before the fix counts as failed


class GcpSession:
    """Clients for remediation, one per service, sharing credentials and an optional endpoint."""

    cloud = "gcp"

    def __init__(self, credentials: Any = None, endpoint: str | None = None) -> None:
        self._project: str | None = None
        if credentials is None:
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError

            try:
                credentials, self._project = google.auth.default(scopes=list(SCOPES))
            except DefaultCredentialsError as exc:
                raise RemediationError(f"GCP credentials: {_first_line(str(exc))}") from exc
        self._credentials = credentials
        self._endpoint = (endpoint or os.environ.get(ENDPOINT_ENV) or "").strip() or None
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """The client of ``service`` (built on first use)."""
        if service not in self._clients:
            options = {"api_endpoint": self._endpoint} if self._endpoint else None
            if service == "gcs":
                from google.cloud import storage as gcs

                self._clients[service] = gcs.Client(project=self._project, credentials=self._credentials,
                                                    client_options=options)
            elif service == "compute.firewalls":
                from google.cloud import compute_v1

                self._clients[service] = compute_v1.FirewallsClient(
                    credentials=self._credentials, transport="rest", client_options=options)
            elif service == "kms":
                from google.cloud import kms_v1

                self._clients[service] = kms_v1.KeyManagementServiceClient(
                    credentials=self._credentials, transport="rest", client_options=options)
            else:
                raise RemediationError(f"unknown GCP service {service!r}")
        return self._clients[service]

    def actor(self) -> str:
        """The service account's email when the credentials have one, else the user account, else a placeholder."""
        email = getattr(self._credentials, "service_account_email", None)
        if email == "default":  # metadata-server credentials learn their email on refresh
            try:
                from google.auth.transport.requests import Request

                self._credentials.refresh(Request())
                email = getattr(self._credentials, "service_account_email", None)
            except Exception:  # noqa: BLE001 - naming the caller must never stop a fix
                email = None
        found = email if isinstance(email, str) and "@" in email else getattr(self._credentials, "account", None)
        return found if isinstance(found, str) and found else UNKNOWN_ACTOR

    def execute(self, call: ApiCall) -> Any:
        """Run one planned call (waiting for compute operations); API errors become ``RemediationError``."""
        return self._invoke(call.service, call.operation, dict(call.params), absent_is_none=False)

    def read(self, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """A read call answering REST JSON; None when the API answers 404."""
        return rest_shape(self._invoke(service, operation, params, absent_is_none=True))

    def _invoke(self, service: str, operation: str, params: dict[str, Any], absent_is_none: bool) -> Any:
        from google.api_core import exceptions as api
        from google.auth import exceptions as auth
        from requests import RequestException

        try:
            if service == "gcs":
                return _run_gcs(self.client(service), operation, params)
            return _run_gapic(self.client(service), operation, params)
        except api.NotFound:
            if absent_is_none:
                return None
            raise RemediationError(f"{service}.{operation}: HTTP 404: the resource does not exist") from None
        except api.GoogleAPICallError as exc:
            raise RemediationError(f"{service}.{operation}: {describe_api_error(exc)}") from exc
        except (auth.GoogleAuthError, RequestException, api.RetryError) as exc:
            raise RemediationError(f"{service}.{operation}: {_first_line(str(exc))}") from exc


def _run_gcs(client: Any, operation: str, params: dict[str, Any]) -> Any:
    """A google-cloud-storage call: ``bucket.<method>`` on the named bucket, else a client method."""
    if not operation.startswith("bucket."):
        return getattr(client, operation)(**params)
    bucket = client.bucket(params.pop("bucket"))
    method = operation.split(".", 1)[1]
    if method == "set_iam_policy":
        from google.api_core.iam import Policy

        # from_api_repr turns the members lists it is given into sets in place: a copy keeps the
        # planned call (which the audit log records after the call) as it was planned.
        return bucket.set_iam_policy(Policy.from_api_repr(copy.deepcopy(params.pop("policy"))), **params)
    if method == "patch":
        # The library's typed setters rebuild a whole sub-resource from defaults on a
        # bucket that was not reloaded (setting publicAccessPrevention would also send
        # uniformBucketLevelAccess.enabled=false), so the planned body is sent as is.
        for key, value in params.pop("body").items():
            bucket._patch_property(key, value)
        bucket.patch(**params)
        return None
    return getattr(bucket, method)(**params)


def _run_gapic(client: Any, operation: str, params: dict[str, Any]) -> Any:
    """A GAPIC call whose request is built from proto3 JSON params; compute operations are waited for."""
    from google.api_core.extended_operation import ExtendedOperation
    from google.protobuf import json_format

    method = getattr(client, operation, None)
    if method is None:
        raise RemediationError(f"no such SDK operation {operation!r}")
    request_type = _request_type(method)
    request = request_type.wrap(json_format.ParseDict(params, request_type.pb()()))
    result = method(request=request)
    if isinstance(result, ExtendedOperation):
        result.result(timeout=OPERATION_TIMEOUT)  # raises the operation's error, if any
    return result


def _request_type(method: Any) -> Any:
    """The proto-plus request class a GAPIC method takes (its ``request`` annotation names it)."""
    import proto

    hints = typing.get_type_hints(method)
    for candidate in typing.get_args(hints.get("request")):
        if isinstance(candidate, type) and issubclass(candidate, proto.Message):
            return candidate
    raise RemediationError(f"cannot tell the request type of {getattr(method, '__name__', method)}")


def rest_shape(result: Any) -> Any:
    """What a read answered as REST JSON: proto messages, IAM policies and buckets alike."""
    if result is None or isinstance(result, (dict, list, str, int, float, bool)):
        return result
    to_api_repr = getattr(result, "to_api_repr", None)
    if callable(to_api_repr):
        return to_api_repr()
    pb = getattr(type(result), "pb", None)
    if callable(pb):
        from google.protobuf import json_format

        return json_format.MessageToDict(pb(result))
    properties = getattr(result, "_properties", None)  # google-cloud-storage keeps the JSON resource here
    if isinstance(properties, dict):
        return json.loads(json.dumps(properties, default=str))
    return result


def describe_api_error(exc: Any) -> str:
    """``HTTP <status>: <message>`` for a google.api_core error (status as REST gives it)."""
    code = getattr(exc, "code", None)
    # REST errors carry the HTTP status (an int, sometimes an HTTPStatus); gRPC ones a StatusCode
    code = int(code) if isinstance(code, int) else getattr(code, "name", code)
    return f"HTTP {code}: {_first_line(str(getattr(exc, 'message', '') or exc))}"[:MAX_MESSAGE]


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0].strip()[:MAX_MESSAGE]


def connect(credentials: Any = None, endpoint: str | None = None) -> GcpSession:
    """The session remediation runs with."""
    return GcpSession(credentials, endpoint)


def connect_from_args(args: Any) -> GcpSession:
    """The session that ``remediate gcp [flags]`` asks for: the same credential options as collection."""
    from cloudwarden.providers.gcp.credentials import load_credentials, resolve_endpoint

    endpoint = resolve_endpoint(getattr(args, "endpoint", None))
    credentials = load_credentials(getattr(args, "key_file", None),
                                   getattr(args, "impersonate_service_account", None), endpoint)
    return GcpSession(credentials, endpoint)
